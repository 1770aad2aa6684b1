"""What the public API reads of the catalogue: active tracks with free seats, and open grants with the
eligibility of a company described by filters (the rule itself is domain.eligibility's)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import selectinload

from ..clock import local_today
from ..domain.comuni_names import normalise_name
from ..domain.eligibility import (
    CompanyFacts,
    Eligibility,
    decide_eligibility,
    grant_facts_from,
    is_open,
)
from ..extensions import db
from ..models import Comune, Grant, ThematicArea, Track, TrackFormat
from .coaching import seats_taken
from .grant_history import last_complete_read, last_seen_at, lifecycle_status
from .reference import ateco_index


class FiltersInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class GrantFilters:
    open_on: date
    size_class: str | None = None
    region: str | None = None
    comune_istat: str | None = None
    ateco_code: str | None = None
    status: str = "any"  # eligible | to_check | not_eligible | any
    changed_since: datetime | None = None  # naive UTC: every grant new, amended or withdrawn since then

    @property
    def describes_company(self) -> bool:
        return any((self.size_class, self.region, self.comune_istat, self.ateco_code))


@dataclass(frozen=True)
class GrantLine:
    grant: Grant
    is_open: bool
    eligibility: Eligibility | None
    status: str = "unchanged"  # lifecycle on the source catalogue: new | amended | withdrawn | unchanged
    last_seen_at: datetime | None = None  # last seen on its catalogue (grant_history.last_seen_at)


def _region_name(text: str) -> str | None:
    """A region by name (case and accents ignored) or by its two-digit ISTAT code."""
    rows = db.session.execute(db.select(Comune.region_code, Comune.region_name).distinct()).all()
    for code, name in rows:
        if text.strip() == code or normalise_name(text) in {normalise_name(part) for part in (name, *name.split("/"))}:
            return name
    return None


def company_facts(filters: GrantFilters) -> CompanyFacts | None:
    """The company the filters describe, checked against the reference data; None when they describe none."""
    errors: dict[str, str] = {}
    if filters.status != "any" and not filters.describes_company:
        errors["status"] = "needs a company filter: size_class, region, comune_istat or ateco_code"
    region = comune = None
    if filters.region:
        region = _region_name(filters.region)
        if region is None:
            errors["region"] = "unknown region"
    if filters.comune_istat:
        comune = db.session.get(Comune, filters.comune_istat)
        if comune is None:
            errors["comune_istat"] = "unknown ISTAT code"
        elif region and comune.region_name != region:
            errors["comune_istat"] = "the comune is not in the given region"
    codes: tuple[str, ...] = ()
    if filters.ateco_code:
        entry = ateco_index().get(filters.ateco_code)
        if entry is None or entry.level == "sezione":
            errors["ateco_code"] = "unknown ATECO 2025 code"
        else:
            codes = ateco_index().to_2022(entry.code)
    if errors:
        raise FiltersInvalid(errors)
    if not filters.describes_company:
        return None
    return CompanyFacts(size_class=filters.size_class, region_name=region or (comune and comune.region_name),
                        comune_istat=comune.istat_code if comune else None, ateco_codes_2007=codes)


def _open_grants(open_on: date):
    return (db.select(Grant)
            .where(Grant.is_active.is_(True), Grant.withdrawn_at.is_(None),
                   (Grant.opens_on.is_(None)) | (Grant.opens_on <= open_on),
                   (Grant.closes_on.is_(None)) | (Grant.closes_on >= open_on))
            .order_by(Grant.closes_on.is_(None), Grant.closes_on, Grant.id))


def _changed_grants(since: datetime):
    """Every grant first seen, changed or withdrawn at or after `since`, closed and withdrawn ones included, in
    a stable order for paging."""
    return (db.select(Grant)
            .where(Grant.is_active.is_(True), (Grant.first_seen_at >= since) | (Grant.last_changed_at >= since)
                   | (Grant.withdrawn_at >= since))
            .order_by(Grant.id))


def grants_page(filters: GrantFilters, page: int, per_page: int) -> tuple[list[GrantLine], int]:
    """One page of the grants open on filters.open_on, and how many there are in all."""
    facts = company_facts(filters)
    query = _changed_grants(filters.changed_since) if filters.changed_since else _open_grants(filters.open_on)
    read = last_complete_read(db.session)
    if filters.status == "any":
        total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar_one()
        grants = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
        lines = [_line(g, facts, filters.open_on, read) for g in grants]
        return lines, total
    # Eligibility is decided in Python by the domain rule, so the status filter pages after deciding.
    lines = [_line(g, facts, filters.open_on, read) for g in db.session.execute(query).scalars()]
    chosen = [line for line in lines if line.eligibility.status == filters.status]
    return chosen[(page - 1) * per_page:page * per_page], len(chosen)


def grant_line(grant_id: int, filters: GrantFilters) -> GrantLine | None:
    facts = company_facts(filters)
    grant = db.session.get(Grant, grant_id)
    if grant is None or not grant.is_active:
        return None
    return _line(grant, facts, filters.open_on, last_complete_read(db.session))


def _line(grant: Grant, facts: CompanyFacts | None, open_on: date, read: datetime | None) -> GrantLine:
    eligibility = decide_eligibility(facts, grant_facts_from(grant), open_on) if facts else None
    return GrantLine(grant, is_open(grant, open_on) and not grant.is_withdrawn, eligibility,
                     lifecycle_status(grant, local_today()), last_seen_at(grant, read))


def tracks_page(thematic_area: str | None, track_format: str | None, page: int,
                per_page: int) -> tuple[list[tuple[Track, int]], int]:
    """A page of active tracks, soonest start first, each with its free seats; FiltersInvalid for a thematic
    area the programme does not have (a typo must not read as "no tracks")."""
    if thematic_area and db.session.get(ThematicArea, thematic_area) is None:
        known = db.session.execute(db.select(ThematicArea.key).order_by(ThematicArea.key)).scalars()
        raise FiltersInvalid({"thematic_area": "unknown thematic area; known: " + ", ".join(known)})
    query = (db.select(Track).where(Track.is_active.is_(True)).options(selectinload(Track.thematic_area))
             .order_by(Track.starts_on.is_(None), Track.starts_on, Track.code))
    if thematic_area:
        query = query.where(Track.thematic_area_key == thematic_area)
    if track_format:
        query = query.where(Track.format == TrackFormat(track_format))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return with_free_seats(pagination.items), pagination.total or 0


def active_track(track_id: int) -> tuple[Track, int] | None:
    track = db.session.get(Track, track_id)
    if track is None or not track.is_active:
        return None
    return with_free_seats([track])[0]


def with_free_seats(tracks: list[Track]) -> list[tuple[Track, int]]:
    taken = seats_taken([t.id for t in tracks]) if tracks else {}
    return [(t, t.seats_per_cohort - taken.get(t.id, 0)) for t in tracks]
