"""What staff tokens read through the API: the companies a token's owner may see (each read audited), their
recommendations, and the programme's statistics with small groups suppressed."""
from __future__ import annotations

import statistics as stats
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    ApiToken,
    Assessment,
    AuditEntry,
    Company,
    Consent,
    ConsentKind,
    DimensionScore,
    Match,
    User,
)
from .access import can_view_company, visible_company_ids_for_coach
from .api_tokens import actor
from .audit import record
from .dashboard import MIN_GROUP, DashboardFilters, submitted_in
from .questionnaires import display_names
from .recommendations import stored_recommendations


def _with_scores():
    return (selectinload(Company.comune), selectinload(Company.consents),
            selectinload(Company.assessments).selectinload(Assessment.dimension_scores),
            selectinload(Company.assessments).selectinload(Assessment.questionnaire_version))


def _visible_to(user: User):
    """Conditions matching can_view_company, as SQL, for list pages. A company without assessment (known only
    from its people's training registrations) has none of what the API serves: no profile, scores or matches."""
    conditions = [Company.erased_at.is_(None), Company.has_profile]
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
    if companies:
        # The same entries as audit.record writes, in one INSERT: a page reads many companies at once.
        db.session.execute(db.insert(AuditEntry), [
            {"user_id": token.user_id, "actor": actor(token), "action": "view", "company_id": company.id,
             "details": {"via": "api", "endpoint": "companies"}} for company in companies])
    return companies, pagination.total or 0


def visible_company(token: ApiToken, company_id: int, endpoint: str) -> Company | None:
    """The company if the token's owner may see it (the read is audited); None otherwise."""
    company = db.session.execute(
        db.select(Company).where(Company.id == company_id).options(*_with_scores())).scalar_one_or_none()
    if company is None or company.erased_at is not None or not company.has_profile \
            or not can_view_company(token.user, company):
        return None
    record("view", company.id, actor=actor(token), user_id=token.user_id, via="api", endpoint=endpoint)
    return company


def latest_assessment(company: Company) -> Assessment | None:
    submitted = [a for a in company.assessments if a.is_submitted]
    return max(submitted, key=lambda a: (a.submitted_at, a.id)) if submitted else None


@dataclass(frozen=True)
class CompanyMatches:
    company: Company
    assessment: Assessment | None
    recommendations: dict[str, list[Match]]


def company_matches(token: ApiToken, company_id: int) -> CompanyMatches | None:
    """The recommendations stored for the company's latest submitted assessment (the read is audited)."""
    company = visible_company(token, company_id, "matches")
    if company is None:
        return None
    latest = latest_assessment(company)
    recommendations = stored_recommendations(latest) if latest else {"tracks": [], "grants": []}
    return CompanyMatches(company, latest, recommendations)


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
    """Counts and means over the submitted assessments the filters select. A group (all of them, a level,
    a dimension) drawn from fewer than MIN_GROUP companies shows no figure, so nobody is singled out."""
    conditions = submitted_in(filters)
    rows = db.session.execute(
        db.select(Assessment.company_id, Assessment.level_key, Assessment.overall_score).where(*conditions)).all()
    scores = [score for _company, _level, score in rows if score is not None]
    is_shown = len({company for company, _level, score in rows if score is not None}) >= MIN_GROUP
    per_level: dict[str, list[int]] = {}
    for company, level, _score in rows:
        if level:
            per_level.setdefault(level, []).append(company)
    per_dimension: dict[str, list[tuple[int, float]]] = {}
    for key, company, score in db.session.execute(
            db.select(DimensionScore.dimension_key, Assessment.company_id, DimensionScore.score)
            .join(Assessment, Assessment.id == DimensionScore.assessment_id).where(*conditions)):
        per_dimension.setdefault(key, []).append((company, score))

    def small(companies) -> bool:
        return len(set(companies)) < MIN_GROUP

    dimension_order, level_order = (list(names) for names in display_names("it"))
    return Statistics(
        submitted_assessments=len(rows), companies=len({company for company, _level, _score in rows}),
        overall={"count": len(scores), "mean": stats.fmean(scores) if is_shown else None,
                 "median": stats.median(scores) if is_shown else None},
        levels=[{"level": key, "count": None if small(per_level[key]) else len(per_level[key]),
                 "is_suppressed": small(per_level[key])}
                for key in _ordered(per_level, level_order)],
        dimensions=[{"dimension": key, "count": len(values),
                     "mean": None if small(c for c, _s in values) else stats.fmean(s for _c, s in values),
                     "is_suppressed": small(c for c, _s in values)}
                    for key, values in ((k, per_dimension[k]) for k in _ordered(per_dimension, dimension_order))])
