"""Admin exports as CSV or XLSX: row-level tables with personal data, or anonymous aggregates per group."""
from __future__ import annotations

import csv
import enum
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import distinct, func

from ..clock import local_time, local_today
from ..domain.grant_dimensions import DIMENSIONS
from ..domain.text import CONTROL_CHARACTERS
from ..extensions import db
from ..models import (
    Assessment,
    Company,
    Comune,
    DimensionScore,
    Enrolment,
    EnrolmentStatus,
    Grant,
    Match,
    MatchKind,
    Note,
    Track,
)
from .audit import record
from .dashboard import MIN_GROUP, DashboardFilters, company_ids, in_period, submitted_in

KINDS = ("assessments", "scores", "matches", "enrolments")
FORMATS = ("csv", "xlsx")
GROUP_COLUMNS = ["ateco_section", "size_class", "province"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 500


@dataclass
class Table:
    """Column names (stable identifiers for spreadsheets and scripts) and rows, read lazily."""

    name: str
    headers: list[str]
    rows: Iterable[list]


def export_table(kind: str, filters: DashboardFilters, anonymous: bool) -> Table:
    """The rows of one export, and its audit entry (committed with the request)."""
    if kind not in KINDS:
        raise ValueError(kind)
    record("export", None, kind=kind, anonymous=anonymous, filters=filters.as_dict())
    builders: dict[str, Callable[[DashboardFilters], Table]] = (
        {"assessments": _anonymous_assessments, "scores": _anonymous_scores, "matches": _anonymous_matches,
         "enrolments": _anonymous_enrolments} if anonymous else
        {"assessments": _assessments, "scores": _scores, "matches": _matches, "enrolments": _enrolments})
    return builders[kind](filters)


def _cell(value):
    """Plain values for a spreadsheet; text that Excel would run as a formula is quoted; a stored instant is
    written on the programme's clock (TIMEZONE), as every page shows it, to the second."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, datetime):
        value = local_time(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        # Control characters no input keeps any more, but older rows may hold: a spreadsheet cannot.
        value = CONTROL_CHARACTERS.sub("", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def csv_chunks(table: Table) -> Iterator[str]:
    """CSV text in chunks, UTF-8 with BOM so that spreadsheets read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers)
    for number, row in enumerate(table.rows, start=1):
        writer.writerow(["" if v is None else _cell(v) for v in row])
        if number % _CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name)
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _lazy(query) -> Iterator[list]:
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        yield list(row)


# Row-level exports, with personal data: admin-only routes.


def _assessments(filters: DashboardFilters) -> Table:
    notes: dict[int, list[str]] = defaultdict(list)
    for company_id, at, body in db.session.execute(
            db.select(Note.company_id, Note.created_at, Note.body)
            .where(Note.company_id.in_(company_ids(filters))).order_by(Note.created_at)):
        notes[company_id].append(f"{at:%Y-%m-%d}: {body}")
    query = (db.select(Assessment.id, Assessment.submitted_at, Assessment.overall_score, Assessment.level_key,
                       Company.id, Company.name, Company.email, Company.vat_number, Company.ateco_code,
                       Company.ateco_section, Company.size_class, Company.employees, Company.comune_istat,
                       Comune.name, Comune.province_code)
             .join(Company, Company.id == Assessment.company_id)
             .join(Comune, Comune.istat_code == Company.comune_istat)
             .where(*submitted_in(filters)).order_by(Assessment.submitted_at, Assessment.id))
    headers = ["assessment_id", "submitted_at", "overall_score", "level", "company_id", "company_name",
               "email", "vat_number", "ateco_code", "ateco_section", "size_class", "employees",
               "comune_istat", "comune", "province", "notes"]
    return Table("assessments", headers, (row + [" | ".join(notes.get(row[4], []))] for row in _lazy(query)))


def _scores(filters: DashboardFilters) -> Table:
    query = (db.select(Assessment.id, Assessment.submitted_at, Company.id, Company.name, Company.vat_number,
                       DimensionScore.dimension_key, DimensionScore.score, DimensionScore.level_key)
             .select_from(DimensionScore).join(Assessment, Assessment.id == DimensionScore.assessment_id)
             .join(Company, Company.id == Assessment.company_id)
             .where(*submitted_in(filters)).order_by(Assessment.id, DimensionScore.position))
    headers = ["assessment_id", "submitted_at", "company_id", "company_name", "vat_number", "dimension",
               "score", "level"]
    return Table("scores", headers, _lazy(query))


def _matches(filters: DashboardFilters) -> Table:
    query = (db.select(Match.id, Match.created_at, Match.company_id, Company.name, Company.email, Match.kind,
                       Track.code, Grant.source, Grant.external_id,
                       func.coalesce(Track.title_it, Grant.title), Match.rank, Match.score, Match.eligibility,
                       Match.model_version)
             .join(Company, Company.id == Match.company_id)
             .outerjoin(Track, Track.id == Match.track_id).outerjoin(Grant, Grant.id == Match.grant_id)
             .where(Match.company_id.in_(company_ids(filters)), *in_period(Match.created_at, filters))
             .order_by(Match.company_id, Match.kind, Match.rank))
    headers = ["match_id", "created_at", "company_id", "company_name", "email", "kind", "track_code",
               "grant_source", "grant_id", "title", "rank", "score", "eligibility", "model_version"]
    return Table("matches", headers, _lazy(query))


def _enrolments(filters: DashboardFilters) -> Table:
    query = (db.select(Enrolment.id, Enrolment.enrolled_at, Enrolment.status, Enrolment.completed_at,
                       Enrolment.participants, Company.id, Company.name, Company.email, Company.vat_number,
                       Track.code, Track.title_it, Track.thematic_area_key)
             .join(Company, Company.id == Enrolment.company_id).join(Track, Track.id == Enrolment.track_id)
             .where(Enrolment.company_id.in_(company_ids(filters)),
                    *in_period(Enrolment.enrolled_at, filters))
             .order_by(Enrolment.enrolled_at, Enrolment.id))
    headers = ["enrolment_id", "enrolled_at", "status", "completed_at", "participants", "company_id",
               "company_name", "email", "vat_number", "track_code", "track_title", "thematic_area"]
    return Table("enrolments", headers, _lazy(query))


# Anonymous exports: one row per ATECO section x size class x province, groups under MIN_GROUP dropped.

_GROUP = (Company.ateco_section, Company.size_class, Comune.province_code)
_COMPANIES = func.count(distinct(Company.id))


def _grouped(query):
    """Add the group columns, the company count, and drop groups of fewer than MIN_GROUP companies."""
    return (query.join(Comune, Comune.istat_code == Company.comune_istat).group_by(*_GROUP)
            .having(_COMPANIES >= MIN_GROUP).order_by(*_GROUP))


def _anonymous_assessments(filters: DashboardFilters) -> Table:
    query = _grouped(db.select(*_GROUP, _COMPANIES, func.count(Assessment.id),
                               func.avg(Assessment.overall_score))
                     .select_from(Assessment).join(Company, Company.id == Assessment.company_id)
                     .where(*submitted_in(filters)))
    headers = [*GROUP_COLUMNS, "companies", "assessments", "mean_overall_score"]
    return Table("assessments", headers, ([*row[:5], _round(row[5])] for row in _lazy(query)))


def _anonymous_scores(filters: DashboardFilters) -> Table:
    kept = _grouped(db.select(*_GROUP, _COMPANIES).select_from(Company)
                    .join(Assessment, Assessment.company_id == Company.id).where(*submitted_in(filters)))
    means = (db.select(*_GROUP, DimensionScore.dimension_key, func.avg(DimensionScore.score))
             .select_from(DimensionScore).join(Assessment, Assessment.id == DimensionScore.assessment_id)
             .join(Company, Company.id == Assessment.company_id)
             .join(Comune, Comune.istat_code == Company.comune_istat)
             .where(*submitted_in(filters)).group_by(*_GROUP, DimensionScore.dimension_key))
    by_group: dict[tuple, dict[str, float]] = defaultdict(dict)
    for section, size, province, key, mean in db.session.execute(means):
        by_group[(section, size, province)][key] = mean

    def rows() -> Iterator[list]:
        for section, size, province, companies in db.session.execute(kept):
            scores = by_group.get((section, size, province), {})
            yield [section, size, province, companies, *(_round(scores.get(d)) for d in DIMENSIONS)]

    return Table("scores", [*GROUP_COLUMNS, "companies", *(f"mean_{d}" for d in DIMENSIONS)], rows())


def _anonymous_matches(filters: DashboardFilters) -> Table:
    query = _grouped(db.select(*_GROUP, _COMPANIES, func.count(Match.id),
                               func.sum(db.case((Match.kind == MatchKind.track, 1), else_=0)),
                               func.sum(db.case((Match.kind == MatchKind.grant, 1), else_=0)),
                               func.avg(Match.score))
                     .select_from(Match).join(Company, Company.id == Match.company_id)
                     .where(Match.company_id.in_(company_ids(filters)),
                            *in_period(Match.created_at, filters)))
    headers = [*GROUP_COLUMNS, "companies", "matches", "track_matches", "grant_matches", "mean_score"]
    return Table("matches", headers, ([*row[:7], _round(row[7], 3)] for row in _lazy(query)))


def _anonymous_enrolments(filters: DashboardFilters) -> Table:
    completed = func.sum(db.case((Enrolment.status == EnrolmentStatus.completed, Enrolment.participants),
                                 else_=0))
    query = _grouped(db.select(*_GROUP, _COMPANIES, func.count(Enrolment.id),
                               func.sum(Enrolment.participants), completed)
                     .select_from(Enrolment).join(Company, Company.id == Enrolment.company_id)
                     .where(Enrolment.status != EnrolmentStatus.withdrawn,
                            Enrolment.company_id.in_(company_ids(filters)),
                            *in_period(Enrolment.enrolled_at, filters)))
    headers = [*GROUP_COLUMNS, "companies", "enrolments", "participants", "participants_completed"]
    return Table("enrolments", headers, _lazy(query))


def _round(value, digits: int = 1):
    return None if value is None else round(float(value), digits)


def export_filename(kind: str, fmt: str, anonymous: bool, today: date | None = None) -> str:
    today = today or local_today()
    return f"bussola-{kind}{'-anonimo' if anonymous else ''}-{today.isoformat()}.{fmt}"

