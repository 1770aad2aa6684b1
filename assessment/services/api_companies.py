"""What staff tokens read through the API: the companies a token's owner may see (each read audited), their
recommendations, and the programme's statistics with small groups suppressed."""
from __future__ import annotations

import statistics as stats
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ApiToken, Assessment, Company, Consent, ConsentKind, DimensionScore, User
from .access import can_view_company, visible_company_ids_for_coach
from .api_tokens import actor
from .audit import record
from .dashboard import MIN_GROUP, DashboardFilters, submitted_in
from .questionnaires import display_names


def _with_scores():
    return (selectinload(Company.comune), selectinload(Company.consents),
            selectinload(Company.assessments).selectinload(Assessment.dimension_scores),
            selectinload(Company.assessments).selectinload(Assessment.questionnaire_version))


def _visible_to(user: User):
    """Conditions matching can_view_company, as SQL, for list pages."""
    conditions = [Company.erased_at.is_(None)]
    if user.is_admin:
        return conditions

    def consenting(kind: ConsentKind):
        return db.select(Consent.company_id).where(Consent.kind == kind, Consent.withdrawn_at.is_(None))

    return [*conditions, Company.id.in_(visible_company_ids_for_coach(user.id)),
            Company.id.in_(consenting(ConsentKind.privacy)), Company.id.in_(consenting(ConsentKind.coach_contact))]


def companies_page(token: ApiToken, page: int, per_page: int) -> tuple[list[Company], int]:
    """A page of the companies the token's owner may see, newest first; every one is a read in the audit log."""
    query = (db.select(Company).where(*_visible_to(token.user)).options(*_with_scores())
             .order_by(Company.created_at.desc(), Company.id.desc()))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    companies = list(pagination.items)
    for company in companies:
        record("view", company.id, actor=actor(token), user_id=token.user_id, via="api", endpoint="companies")
    return companies, pagination.total or 0


def visible_company(token: ApiToken, company_id: int, endpoint: str) -> Company | None:
    """The company if the token's owner may see it (the read is audited); None otherwise."""
    company = db.session.execute(
        db.select(Company).where(Company.id == company_id).options(*_with_scores())).scalar_one_or_none()
    if company is None or company.erased_at is not None or not can_view_company(token.user, company):
        return None
    record("view", company.id, actor=actor(token), user_id=token.user_id, via="api", endpoint=endpoint)
    return company


def latest_assessment(company: Company) -> Assessment | None:
    submitted = [a for a in company.assessments if a.is_submitted]
    return max(submitted, key=lambda a: (a.submitted_at, a.id)) if submitted else None


@dataclass(frozen=True)
class Statistics:
    submitted_assessments: int
    companies: int
    overall: dict
    levels: list[dict]
    dimensions: list[dict]


def _ordered(counts: dict[str, object], order: list[str]) -> list[str]:
    return sorted(counts, key=lambda key: (order.index(key) if key in order else len(order), key))


def statistics(filters: DashboardFilters) -> Statistics:
    """Counts and means over the submitted assessments the filters select; a level or a dimension with
    fewer than MIN_GROUP assessments shows no figure, so nobody is singled out."""
    conditions = submitted_in(filters)
    rows = db.session.execute(db.select(Assessment.level_key, Assessment.overall_score).where(*conditions)).all()
    companies = db.session.execute(
        db.select(func.count(func.distinct(Assessment.company_id))).where(*conditions)).scalar_one()
    scores = [score for _level, score in rows if score is not None]
    is_shown = len(scores) >= MIN_GROUP
    level_counts: dict[str, int] = {}
    for level, _score in rows:
        if level:
            level_counts[level] = level_counts.get(level, 0) + 1
    per_dimension: dict[str, list[float]] = {}
    for key, score in db.session.execute(
            db.select(DimensionScore.dimension_key, DimensionScore.score)
            .join(Assessment, Assessment.id == DimensionScore.assessment_id).where(*conditions)):
        per_dimension.setdefault(key, []).append(score)
    dimension_order, level_order = (list(names) for names in display_names("it"))
    return Statistics(
        submitted_assessments=len(rows), companies=companies,
        overall={"count": len(scores), "mean": stats.fmean(scores) if is_shown else None,
                 "median": stats.median(scores) if is_shown else None},
        levels=[{"level": key, "count": level_counts[key] if level_counts[key] >= MIN_GROUP else None,
                 "is_suppressed": level_counts[key] < MIN_GROUP}
                for key in _ordered(level_counts, level_order)],
        dimensions=[{"dimension": key, "count": len(per_dimension[key]),
                     "mean": stats.fmean(per_dimension[key]) if len(per_dimension[key]) >= MIN_GROUP else None,
                     "is_suppressed": len(per_dimension[key]) < MIN_GROUP}
                    for key in _ordered(per_dimension, dimension_order)])
