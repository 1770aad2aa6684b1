"""Applying parsed grant records to the grants table with their history: first/last seen, last changed, one
revision per change (fields old -> new), withdrawal of what a complete national sync no longer lists and its
reappearance. Used by `grants import` (and the admin upload) and by the national sync alike."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.comuni_names import comune_name_index, normalise_name, resolve_comuni
from ..domain.grant_lifecycle import TRACKED_FIELDS, changed_fields, grant_status, only_completes
from ..domain.grant_records import INCENTIVI_SOURCE, GrantRecord
from ..domain.grant_snapshot import PORTAL_LINK_FIELD
from ..models import Comune, Grant, GrantChangeKind, GrantRevision, GrantSync, utcnow
from .grant_freshness import last_good_sync

# Columns compared, besides the content hash, to tell "unchanged" from "updated": they are derived by
# our rules and the comuni table, which can change while the source record does not.
_DERIVED = ("dimensions", "comuni_istat", "comuni_unresolved")


@dataclass
class CatalogueChanges:
    """What applying a set of records changed (or, on a dry run, would change), by external id."""

    new: list[str] = field(default_factory=list)
    amended: dict[str, dict] = field(default_factory=dict)  # external_id -> {field: {"old", "new"}}
    reappeared: dict[str, dict] = field(default_factory=dict)  # external_id -> changes (often none)
    withdrawn: list[str] = field(default_factory=list)
    refreshed: int = 0  # only our derived columns changed (dimension rules, comuni table): no revision
    unchanged: int = 0
    unresolved_comuni: list[tuple[str, list[str]]] = field(default_factory=list)
    grant_ids: set[int] = field(default_factory=set)  # the rows written (empty on a dry run)
    open_today: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.amended or self.reappeared or self.withdrawn or self.refreshed)


class ComuniResolver:
    """Names -> ISTAT codes, with the comuni table read once; a grant's regions narrow the search so
    that names shared across regions (Samone TO/TN) still resolve."""

    def __init__(self, session: Session) -> None:
        self._rows = [(code, name, _region_key(region))
                      for code, name, region in session.execute(
                          select(Comune.istat_code, Comune.name, Comune.region_name)).all()]
        self._indexes: dict[frozenset[str], dict[str, str]] = {}

    def resolve(self, names: Sequence[str], regions: Sequence[str]) -> tuple[list[str], list[str]]:
        wanted = frozenset(_region_key(r) for r in regions)
        if wanted not in self._indexes:
            rows = [(code, name, None) for code, name, region in self._rows if not wanted or region in wanted]
            self._indexes[wanted] = comune_name_index(rows) if rows else comune_name_index(
                (code, name, None) for code, name, _ in self._rows)
        return resolve_comuni(list(names), self._indexes[wanted])


def _region_key(region: str | None) -> str:
    return normalise_name(str(region or "").split("/")[0])


def _values(record: GrantRecord, resolver: ComuniResolver | None) -> dict:
    values = record.column_values()
    if record.comuni_names and resolver is not None:
        values["comuni_istat"], values["comuni_unresolved"] = resolver.resolve(record.comuni_names, record.regions)
    else:
        values["comuni_istat"], values["comuni_unresolved"] = [], []
    return values


def _keeping_portal_link(grant: Grant, raw: dict | None) -> dict | None:
    """The new source record, with the call's page on the portal kept when the old one named it: the national
    open data and Solr carry no such field, only the bundled snapshot's republisher did, and owners would lose
    the direct link at the first sync. (Loads the old record, deferred, only for rows being rewritten.)"""
    if grant.source != INCENTIVI_SOURCE or not isinstance(raw, dict) or raw.get(PORTAL_LINK_FIELD):
        return raw
    link = (grant.raw or {}).get(PORTAL_LINK_FIELD) if isinstance(grant.raw, dict) else None
    return {**raw, PORTAL_LINK_FIELD: link} if link else raw


def _is_open(record: GrantRecord, today: date) -> bool:
    return (record.opens_on is None or record.opens_on <= today) and (
        record.closes_on is None or record.closes_on >= today)


def apply_records(
    session: Session,
    records: Sequence[GrantRecord],
    *,
    today: date | None = None,
    sync: GrantSync | None = None,
    complete_source: str | None = None,
    present_ids: Collection[str] = (),
    dry_run: bool = False,
) -> CatalogueChanges:
    """Upsert these records (unique on source and external id) keeping their history.

    complete_source: the records are the WHOLE catalogue of that source (a national sync that read every
    page): its grants absent from present_ids are withdrawn (kept, never deleted). An import of a file is
    never complete, and local sources are never named here. dry_run: count and describe, write nothing.
    Flushes once; the caller commits. A handful of queries, whatever the number of records.
    """
    changes = CatalogueChanges()
    now = utcnow()
    existing = _stored(session, records)
    resolver = ComuniResolver(session) if any(r.comuni_names for r in records) else None

    new_grants: list[Grant] = []
    revisions: list[GrantRevision] = []
    written: list[Grant] = []
    for record in records:
        values = _values(record, resolver)
        if values["comuni_unresolved"]:
            changes.unresolved_comuni.append((record.external_id, values["comuni_unresolved"]))
        if today is not None and _is_open(record, today):
            changes.open_today += 1
        grant = existing.get((record.source, record.external_id))
        if grant is None:
            changes.new.append(record.external_id)
            if not dry_run:
                new_grants.append(Grant(**values, first_seen_at=now, last_seen_at=now, last_changed_at=now))
            continue
        is_same = grant.content_hash == record.content_hash
        if is_same and not grant.is_withdrawn and all(
                list(getattr(grant, name) or []) == values[name] for name in _DERIVED):
            changes.unchanged += 1  # not even last_seen_at is written: a re-sync with no change writes no row
            continue
        diff = {} if is_same else changed_fields({n: getattr(grant, n) for n in TRACKED_FIELDS}, values)
        completes = grant.is_abridged and only_completes(diff)
        if grant.is_withdrawn:
            changes.reappeared[record.external_id] = diff
            kind = GrantChangeKind.reappeared
        elif diff and not completes:
            changes.amended[record.external_id] = diff
            kind = GrantChangeKind.amended
        else:
            changes.refreshed += 1
            kind = None
        if dry_run:
            continue
        if kind is not None:
            revisions.append(GrantRevision(grant_id=grant.id, sync_id=sync.id if sync else None, kind=kind,
                                           changed_at=now, changes=diff, old_hash=grant.content_hash,
                                           new_hash=record.content_hash))
        grant.raw = _keeping_portal_link(grant, values.pop("raw"))
        for name, value in values.items():
            if getattr(grant, name) != value:
                setattr(grant, name, value)
        grant.last_seen_at = now
        if (diff and not completes) or kind == GrantChangeKind.reappeared:
            grant.last_changed_at = now  # a call back on the catalogue is news to whoever saw it withdrawn
        grant.withdrawn_at = None
        grant.is_abridged = False  # it holds the source's whole record now
        written.append(grant)

    if complete_source is not None:
        present = set(present_ids) | {r.external_id for r in records if r.source == complete_source}
        seen_before = _previous_sighting(session, sync)
        for grant in _missing(session, complete_source, present):
            changes.withdrawn.append(grant.external_id)
            if dry_run:
                continue
            grant.withdrawn_at = now
            if seen_before is not None and seen_before > grant.last_seen_at:
                grant.last_seen_at = seen_before  # it was on the catalogue at the last complete sync
            revisions.append(GrantRevision(grant_id=grant.id, sync_id=sync.id if sync else None,
                                           kind=GrantChangeKind.withdrawn, changed_at=now, changes={},
                                           old_hash=grant.content_hash, new_hash=None))
            written.append(grant)
    if not dry_run:
        session.add_all(new_grants)
        session.add_all(revisions)
        session.flush()
        changes.grant_ids = {g.id for g in (*new_grants, *written)}
    return changes


# Above this many records, all the stored grants of their sources are read in one go (a whole catalogue);
# below, only those the records name.
_READ_ALL_ABOVE = 500


def _stored(session: Session, records: Sequence[GrantRecord]) -> dict[tuple[str, str], Grant]:
    by_source: dict[str, set[str]] = {}
    for record in records:
        by_source.setdefault(record.source, set()).add(record.external_id)
    found: dict[tuple[str, str], Grant] = {}
    for source, ids in sorted(by_source.items()):
        query = select(Grant).where(Grant.source == source)
        if len(ids) <= _READ_ALL_ABOVE:
            query = query.where(Grant.external_id.in_(sorted(ids)))
        found.update(((g.source, g.external_id), g) for g in session.execute(query).scalars())
    return found


def _missing(session: Session, source: str, present: set[str]) -> list[Grant]:
    """The grants of a source, not withdrawn, that a complete read of it did not list: one narrow query, then
    the (few) rows themselves."""
    rows = session.execute(select(Grant.id, Grant.external_id).where(
        Grant.source == source, Grant.withdrawn_at.is_(None))).all()
    ids = sorted(grant_id for grant_id, external_id in rows if external_id not in present)
    if not ids:
        return []
    return list(session.execute(select(Grant).where(Grant.id.in_(ids)).order_by(Grant.external_id)).scalars())


def stored_hashes(session: Session, source: str) -> dict[str, str]:
    """external_id -> content hash of the grants of a source on its catalogue (not withdrawn), one query."""
    return dict(session.execute(select(Grant.external_id, Grant.content_hash).where(
        Grant.source == source, Grant.withdrawn_at.is_(None))).all())


def _previous_sighting(session: Session, sync: GrantSync | None) -> datetime | None:
    """When the last complete sync before this one read the catalogue (what it listed was there then)."""
    previous = last_good_sync(session)
    if previous is None or (sync is not None and previous.id == sync.id):
        return None
    return previous.started_at


def last_seen_at(grant: Grant, last_complete_read: datetime | None) -> datetime:
    """When the call was last seen on its catalogue. A national call still listed was in the last complete
    sync, which does not write the rows it finds unchanged (a re-sync writes no grant): that read's start."""
    if (grant.source == INCENTIVI_SOURCE and not grant.is_withdrawn and last_complete_read is not None
            and last_complete_read > grant.last_seen_at):
        return last_complete_read
    return grant.last_seen_at


def last_complete_read(session: Session) -> datetime | None:
    """The start of the last good national sync: every call it listed was on the catalogue then."""
    sync = last_good_sync(session)
    return sync.started_at if sync is not None else None


def lifecycle_status(grant: Grant, today: date) -> str:
    """grant_status for a stored grant: its instants as calendar days of the programme's time zone."""
    from ..clock import local_time

    return grant_status(local_time(grant.first_seen_at).date(), local_time(grant.last_changed_at).date(),
                        grant.is_withdrawn, today, grant.closes_on)
