"""The programme's numbers for the admin dashboard: grouped queries, a fixed number of them per page."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, distinct, func, or_
from sqlalchemy.orm import subqueryload

from ..clock import local_time, local_today, utc_end_of, utc_start_of
from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    Assessment,
    AssessmentStatus,
    AssignmentStatus,
    AuditEntry,
    CoachAssignment,
    Company,
    Consent,
    ConsentKind,
    DimensionScore,
    Enrolment,
    EnrolmentStatus,
    Participant,
    Programme,
    Role,
    SizeClass,
    ThematicArea,
    Track,
    User,
    territory_comuni,
)
from .assignment import waiting_for_a_coach
from .catalogue import current_programme, paginate
from .peers import MIN_PEERS
from .training_figures import TrainingFigures, training_figures

MIN_GROUP = MIN_PEERS  # smaller groups never appear in impact figures or anonymous exports
# An accompaniment counts once it was accepted, however it ended: completed, or withdrawn because the owner
# withdrew consent or had the data erased (the coaching still took place).
WAS_COACHED = CoachAssignment.accepted_at.is_not(None)
ACCOMPANIED_SIZES = (SizeClass.micro, SizeClass.small)


@dataclass(frozen=True)
class DashboardFilters:
    comune_istat: str | None = None
    territory_id: int | None = None
    ateco_section: str | None = None
    size_class: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def company_ids(filters: DashboardFilters) -> Select:
    """The companies the filters select, as a subquery. Erased companies are in: their scores, anonymous, are
    what programme statistics rest on, as the owner is told when erasing."""
    query = db.select(Company.id)
    if filters.comune_istat:
        query = query.where(Company.comune_istat == filters.comune_istat)
    if filters.territory_id:
        query = query.where(Company.comune_istat.in_(
            db.select(territory_comuni.c.comune_istat)
            .where(territory_comuni.c.territory_id == filters.territory_id)))
    if filters.ateco_section:
        query = query.where(Company.ateco_section == filters.ateco_section)
    if filters.size_class:
        query = query.where(Company.size_class == SizeClass(filters.size_class))
    return query


def in_period(column, filters: DashboardFilters) -> list[ColumnElement]:
    """Days of the programme's calendar (Rome): a submission at 00:30 on the 1st belongs to the 1st."""
    conditions = []
    if filters.date_from:
        conditions.append(column >= utc_start_of(filters.date_from))
    if filters.date_to and (end := utc_end_of(filters.date_to)) is not None:
        conditions.append(column < end)
    return conditions


def submitted_in(filters: DashboardFilters) -> list[ColumnElement]:
    return [Assessment.status == AssessmentStatus.submitted, Assessment.company_id.in_(company_ids(filters)),
            *in_period(Assessment.submitted_at, filters)]


@dataclass(frozen=True)
class Stat:
    count: int
    mean: float | None
    median: float | None


def _stat(values: list[float]) -> Stat:
    if not values:
        return Stat(0, None, None)
    return Stat(len(values), statistics.fmean(values), statistics.median(values))


@dataclass(frozen=True)
class Progress:
    metric: str
    area_key: str | None
    value: int
    target: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.value / self.target if self.target else None


@dataclass(frozen=True)
class ImpactGroup:
    companies: int
    overall_change: float | None  # None: suppressed (fewer than MIN_GROUP companies) or no data
    dimension_changes: dict[str, float]

    @property
    def is_suppressed(self) -> bool:
        return self.companies < MIN_GROUP


@dataclass
class Dashboard:
    months: list[tuple[str, int]] = field(default_factory=list)  # ("2024-05", count)
    levels: dict[str, int] = field(default_factory=dict)
    overall: Stat = Stat(0, None, None)
    dimensions: dict[str, Stat] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    acceptance_rate: float | None = None
    mean_days_to_accept: float | None = None
    coach_load: list[tuple[User, int]] = field(default_factory=list)
    track_enrolments: list[tuple[Track, int, int]] = field(default_factory=list)  # track, enrolments, people
    area_participants: dict[str, int] = field(default_factory=dict)
    waiting: int = 0
    areas: dict[str, ThematicArea] = field(default_factory=dict)
    programme: Programme | None = None
    progress: list[Progress] = field(default_factory=list)
    coached: ImpactGroup = ImpactGroup(0, None, {})
    not_coached: ImpactGroup = ImpactGroup(0, None, {})
    training: TrainingFigures = field(default_factory=TrainingFigures)


def build_dashboard(filters: DashboardFilters, today: date | None = None) -> Dashboard:
    data = Dashboard()
    _assessment_figures(data, filters)
    _coaching_figures(data, filters)
    data.areas = {a.key: a for a in db.session.execute(
        db.select(ThematicArea).order_by(ThematicArea.position, ThematicArea.key)).scalars()}
    data.training = training_figures(today or local_today())
    data.programme, data.progress = programme_progress(data.training.people_trained)
    data.coached, data.not_coached = impact(filters)
    return data


def _assessment_figures(data: Dashboard, filters: DashboardFilters) -> None:
    rows = db.session.execute(db.select(Assessment.level_key, Assessment.overall_score, Assessment.submitted_at)
                              .where(*submitted_in(filters))).all()
    # Months of the programme's calendar: a submission at 00:30 on 1 March in Rome is a March one.
    months = Counter(f"{local_time(at):%Y-%m}" for _level, _score, at in rows)
    data.months = sorted(months.items())
    data.levels = dict(Counter(level for level, _score, _at in rows))
    data.overall = _stat([score for _level, score, _at in rows])
    per_dimension: dict[str, list[float]] = defaultdict(list)
    for key, score in db.session.execute(
            db.select(DimensionScore.dimension_key, DimensionScore.score)
            .join(Assessment, Assessment.id == DimensionScore.assessment_id).where(*submitted_in(filters))):
        per_dimension[key].append(score)
    data.dimensions = {key: _stat(values) for key, values in per_dimension.items()}


def _coaching_figures(data: Dashboard, filters: DashboardFilters) -> None:
    chosen = [CoachAssignment.company_id.in_(company_ids(filters)),
              *in_period(CoachAssignment.proposed_at, filters)]
    data.proposals = {status.value: n for status, n in db.session.execute(
        db.select(CoachAssignment.status, func.count()).where(*chosen).group_by(CoachAssignment.status))}
    accepted = db.session.execute(db.select(CoachAssignment.proposed_at, CoachAssignment.accepted_at)
                                  .where(*chosen, CoachAssignment.accepted_at.is_not(None))).all()
    answered = len(accepted) + data.proposals.get(AssignmentStatus.declined.value, 0)
    data.acceptance_rate = 100.0 * len(accepted) / answered if answered else None
    if accepted:
        data.mean_days_to_accept = statistics.fmean(
            (done - proposed).total_seconds() / 86400 for proposed, done in accepted)

    load = (db.select(CoachAssignment.coach_id, func.count().label("n"))
            .where(CoachAssignment.status.in_(ACTIVE_STATUSES)).group_by(CoachAssignment.coach_id).subquery())
    data.coach_load = [(user, n or 0) for user, n in db.session.execute(
        db.select(User, load.c.n).outerjoin(load, load.c.coach_id == User.id)
        .where(User.role == Role.coach, User.is_enabled.is_(True))
        .options(subqueryload(User.coach_profile)).order_by(User.name, User.id)).all()]

    enrolled = [Enrolment.status != EnrolmentStatus.withdrawn, Enrolment.company_id.in_(company_ids(filters)),
                *in_period(Enrolment.enrolled_at, filters)]
    data.track_enrolments = [tuple(row) for row in db.session.execute(
        db.select(Track, func.count(Enrolment.id), func.sum(Enrolment.participants))
        .join(Enrolment, Enrolment.track_id == Track.id).where(*enrolled)
        .group_by(Track.id).order_by(func.sum(Enrolment.participants).desc(), Track.code)).all()]
    data.area_participants = dict(db.session.execute(
        db.select(Track.thematic_area_key, func.sum(Enrolment.participants))
        .join(Enrolment, Enrolment.track_id == Track.id).where(*enrolled)
        .group_by(Track.thematic_area_key)).all())
    data.waiting = db.session.execute(
        db.select(func.count()).select_from(Company).where(*waiting_conditions(filters))).scalar_one()


def waiting_conditions(filters: DashboardFilters) -> list[ColumnElement]:
    """Companies visible to coaches (privacy and coach-contact consents active, not erased), with a
    submitted assessment and no proposal or assignment in progress: the assignment queue."""

    def consenting(kind: ConsentKind):
        return db.select(Consent.company_id).where(Consent.kind == kind, Consent.withdrawn_at.is_(None))

    return [Company.id.in_(company_ids(filters)), Company.id.in_(consenting(ConsentKind.privacy)),
            Company.id.in_(db.select(Assessment.company_id)
                           .where(Assessment.status == AssessmentStatus.submitted)),
            *waiting_for_a_coach()]  # the same rule as the queue the assignment page plans


def programme_progress(people_trained: int) -> tuple[Programme | None, list[Progress]]:
    """The current programme and each of its targets against what has been reached (programme-wide). People
    trained: distinct people who completed an edition (training_figures), never the participants a coach typed."""
    programme = current_programme()
    if programme is None or not programme.targets:
        return programme, []
    firms = db.session.execute(
        db.select(func.count(distinct(CoachAssignment.company_id))).select_from(CoachAssignment)
        .join(Company, Company.id == CoachAssignment.company_id)
        .where(WAS_COACHED, Company.size_class.in_(ACCOMPANIED_SIZES))).scalar_one()
    per_area = dict(db.session.execute(
        db.select(Track.thematic_area_key, func.count(distinct(Enrolment.company_id)))
        .join(Enrolment, Enrolment.track_id == Track.id)
        .where(Enrolment.status != EnrolmentStatus.withdrawn).group_by(Track.thematic_area_key)).all())
    reached = {"people_trained": people_trained, "firms_accompanied": int(firms)}
    order = {"people_trained": 0, "firms_accompanied": 1, "firms_per_area": 2}
    progress = [Progress(t.metric, t.thematic_area_key,
                         per_area.get(t.thematic_area_key, 0) if t.metric == "firms_per_area"
                         else reached.get(t.metric, 0), t.target)
                for t in programme.targets]
    return programme, sorted(progress, key=lambda p: (order.get(p.metric, 9), p.area_key or ""))


def impact(filters: DashboardFilters) -> tuple[ImpactGroup, ImpactGroup]:
    """Mean change between each company's first and latest submitted assessment, coached companies
    (an accepted, started or completed assignment) against the others. Needs two assessments."""
    base = [Assessment.status == AssessmentStatus.submitted, Assessment.company_id.in_(company_ids(filters))]
    order_first = (Assessment.submitted_at.asc(), Assessment.id.asc())
    order_last = (Assessment.submitted_at.desc(), Assessment.id.desc())
    ranked = db.select(
        Assessment.id, Assessment.company_id, Assessment.overall_score,
        func.row_number().over(partition_by=Assessment.company_id, order_by=order_first).label("first_rank"),
        func.row_number().over(partition_by=Assessment.company_id, order_by=order_last).label("last_rank"),
        func.count().over(partition_by=Assessment.company_id).label("n"),
    ).where(*base).subquery()
    ends = [ranked.c.n >= 2, or_(ranked.c.first_rank == 1, ranked.c.last_rank == 1)]
    coached = set(db.session.execute(db.select(distinct(CoachAssignment.company_id))
                                     .where(WAS_COACHED)).scalars())
    overall: dict[int, dict[bool, float]] = defaultdict(dict)
    for company_id, is_first, score in db.session.execute(
            db.select(ranked.c.company_id, ranked.c.first_rank == 1, ranked.c.overall_score).where(*ends)):
        overall[company_id][bool(is_first)] = score
    dimensions: dict[int, dict[str, dict[bool, float]]] = defaultdict(lambda: defaultdict(dict))
    for company_id, is_first, key, score in db.session.execute(
            db.select(ranked.c.company_id, ranked.c.first_rank == 1, DimensionScore.dimension_key,
                      DimensionScore.score)
            .join(DimensionScore, DimensionScore.assessment_id == ranked.c.id).where(*ends)):
        dimensions[company_id][key][bool(is_first)] = score

    def group(ids: list[int]) -> ImpactGroup:
        if len(ids) < MIN_GROUP:
            return ImpactGroup(len(ids), None, {})
        changes: dict[str, list[float]] = defaultdict(list)
        for company_id in ids:
            for key, pair in dimensions[company_id].items():
                if len(pair) == 2:
                    changes[key].append(pair[False] - pair[True])
        return ImpactGroup(len(ids), statistics.fmean(overall[i][False] - overall[i][True] for i in ids),
                           {key: statistics.fmean(values) for key, values in changes.items()})

    return (group([i for i in overall if i in coached]), group([i for i in overall if i not in coached]))


@dataclass(frozen=True)
class CompanyList:
    pagination: Pagination
    assignments: dict[int, CoachAssignment]  # company id -> its latest assignment
    people: dict[int, int]  # company id -> people registered for training (not erased)


def list_companies(search: str, page: int) -> CompanyList:
    """A page of companies (with those known only from training, which have no assessment) with their
    assessments, latest assignment and people registered for training, in a fixed number of queries."""
    query = (db.select(Company).where(Company.erased_at.is_(None))
             .options(subqueryload(Company.comune), subqueryload(Company.assessments))
             .order_by(Company.created_at.desc(), Company.id.desc()))
    if search.strip():
        like = f"%{search.strip()}%"
        query = query.where(or_(Company.name.ilike(like), Company.vat_number.ilike(like),
                                Company.email.ilike(like), Company.ateco_code.ilike(like)))
    pagination = paginate(query, page)
    latest: dict[int, CoachAssignment] = {}
    people: dict[int, int] = {}
    ids = [c.id for c in pagination.items]
    if ids:
        for assignment in db.session.execute(
                db.select(CoachAssignment).where(CoachAssignment.company_id.in_(ids))
                .options(subqueryload(CoachAssignment.coach)).order_by(CoachAssignment.proposed_at)).scalars():
            latest[assignment.company_id] = assignment  # the newest wins
        people = dict(db.session.execute(
            db.select(Participant.company_id, func.count()).where(Participant.company_id.in_(ids),
                                                                   Participant.erased_at.is_(None))
            .group_by(Participant.company_id)).all())
    return CompanyList(pagination, latest, people)


def list_audit_entries(company_id: int | None, user_id: int | None,
                       page: int) -> tuple[Pagination, dict[int, User]]:
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if company_id:
        query = query.where(AuditEntry.company_id == company_id)
    if user_id:
        query = query.where(AuditEntry.user_id == user_id)
    pagination = paginate(query, page)
    ids = {e.user_id for e in pagination.items if e.user_id}
    users = ({u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()}
             if ids else {})
    return pagination, users


def staff_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.role, User.name, User.email)).scalars())

