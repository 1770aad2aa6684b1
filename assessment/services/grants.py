"""Importing grant calls (incentivi.gov.it open data or our local format) into the grants table, in bulk."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.comuni_names import comune_name_index, normalise_name, resolve_comuni
from ..domain.grant_records import (
    GrantRecord,
    InvalidRecord,
    parse_grant_record,
    read_grant_file,
    read_grant_records,
)
from ..models import Comune, Grant

# Columns compared, besides the content hash, to tell "unchanged" from "updated": they are derived by
# our rules and the comuni table, which can change while the source record does not.
_DERIVED = ("dimensions", "comuni_istat", "comuni_unresolved")
_MAX_SOURCE, _MAX_EXTERNAL_ID = 40, 80


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str | int, str]] = field(default_factory=list)  # (external_id or row number, reason)
    unresolved_comuni: list[tuple[str, list[str]]] = field(default_factory=list)  # (external_id, names)
    file_format: str = ""
    open_today: int = 0  # imported calls open on `today`

    def summary(self) -> str:
        return (f"added: {self.added}, updated: {self.updated}, unchanged: {self.unchanged}, "
                f"rejected: {len(self.rejected)}")


class _ComuniResolver:
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


def _read(data: str | os.PathLike | bytes | Sequence[dict], filename: str | None,
          max_unpacked_bytes: int | None) -> tuple[list, str]:
    if isinstance(data, (list, tuple)):
        return read_grant_records(list(data))
    return read_grant_file(data, filename, max_unpacked_bytes=max_unpacked_bytes)


def _parse_all(rows: list, file_format: str, source: str | None,
               report: ImportReport) -> list[GrantRecord]:
    records: list[GrantRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in rows:
        try:
            record = parse_grant_record(raw, file_format, source)
        except InvalidRecord as error:
            report.rejected.append((error.external_id or number, error.reason))
            continue
        key = (record.source, record.external_id)
        if len(record.source) > _MAX_SOURCE or len(record.external_id) > _MAX_EXTERNAL_ID:
            report.rejected.append((record.external_id[:_MAX_EXTERNAL_ID], "source or ID too long"))
        elif key in seen:
            report.rejected.append((record.external_id, f"duplicate: the same ID is in record {seen[key]}"))
        else:
            seen[key] = number
            records.append(record)
    return records


def import_grants(
    session: Session,
    data: str | os.PathLike | bytes | Sequence[dict],
    *,
    filename: str | None = None,
    source: str | None = None,
    today: date | None = None,
    max_unpacked_bytes: int | None = None,
) -> ImportReport:
    """Upsert the grants of a file (path or bytes; `filename` tells the format of bytes) or of a list of
    incentivi.gov.it records, on (source, external_id). `source` overrides the file's source.

    Records that cannot be parsed are rejected one by one with a reason; a file that cannot be read
    raises MalformedFile before anything is written (FileTooLarge past `max_unpacked_bytes` unpacked). An
    admin's dimensions_override is kept. Flushes once; the caller commits. Three queries in all, whatever the
    number of records.
    """
    report = ImportReport()
    rows, report.file_format = _read(data, filename, max_unpacked_bytes)
    records = _parse_all(rows, report.file_format, source, report)
    if not records:
        return report

    sources = sorted({r.source for r in records})
    existing = {(g.source, g.external_id): g
                for g in session.execute(select(Grant).where(Grant.source.in_(sources))).scalars()}
    resolver = _ComuniResolver(session) if any(r.comuni_names for r in records) else None

    new_grants: list[Grant] = []
    for record in records:
        values = record.column_values()
        if record.comuni_names and resolver is not None:
            values["comuni_istat"], values["comuni_unresolved"] = resolver.resolve(
                record.comuni_names, record.regions)
        else:
            values["comuni_istat"], values["comuni_unresolved"] = [], []
        if values["comuni_unresolved"]:
            report.unresolved_comuni.append((record.external_id, values["comuni_unresolved"]))
        if today is not None and (record.opens_on is None or record.opens_on <= today) and (
                record.closes_on is None or record.closes_on >= today):
            report.open_today += 1

        grant = existing.get((record.source, record.external_id))
        if grant is None:
            new_grants.append(Grant(**values))
            report.added += 1
        elif grant.content_hash == record.content_hash and all(
                list(getattr(grant, name) or []) == values[name] for name in _DERIVED):
            report.unchanged += 1
        else:
            grant.raw = values.pop("raw")  # deferred: assigned without loading the old value
            for name, value in values.items():
                if getattr(grant, name) != value:
                    setattr(grant, name, value)
            report.updated += 1
    session.add_all(new_grants)
    session.flush()
    return report
