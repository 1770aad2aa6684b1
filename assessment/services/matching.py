"""Recompute and store recommendations for all companies (or some) in one vectorised pass; train the re-ranker."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func

from ..clock import local_today
from ..domain.eligibility import CompanyFacts, grant_facts_from
from ..domain.eligibility_batch import eligibility_matrix
from ..domain.matching import (
    CompanyVector,
    GrantItem,
    RerankerParams,
    TrackItem,
    rank_grants,
    rank_tracks,
    train_reranker,
)
from ..domain.matching_rerank import CONTENT_VERSION
from ..extensions import db
from ..models import (
    Assessment,
    AssessmentStatus,
    Company,
    Comune,
    DimensionScore,
    Grant,
    Match,
    MatchFeedback,
    MatchKind,
    QuestionnaireVersion,
    RankerModel,
    Track,
)
from .coaching import seats_taken
from .questionnaires import questionnaire_of
from .reference import ateco_index, territory_keys_by_comune

# Above this many, ids are filtered after reading rather than in an IN list (SQLite takes ~32,000 parameters).
_IDS_IN_SQL = 5000


def company_rows(company_ids: list[int] | None) -> tuple[list[CompanyVector], list[CompanyFacts], dict[int, int]]:
    """The ranking vector and eligibility facts of each of these companies (all when None) from its latest
    submitted assessment, and company id -> that assessment's id: three plain queries, no ORM objects (a
    region is tens of thousands of companies). The same vectors _company_vectors builds from assessments."""
    latest = (db.select(Assessment.company_id, func.max(Assessment.submitted_at).label("at"))
              .where(Assessment.status == AssessmentStatus.submitted).group_by(Assessment.company_id))
    wanted = set(company_ids) if company_ids is not None else None
    if wanted is not None and len(wanted) <= _IDS_IN_SQL:
        latest = latest.where(Assessment.company_id.in_(sorted(wanted)))
    latest = latest.subquery()
    chosen = (db.select(Assessment.id, Assessment.company_id, Assessment.questionnaire_version_id,
                        Assessment.level_key)
              .join(latest, (latest.c.company_id == Assessment.company_id) & (latest.c.at == Assessment.submitted_at))
              .where(Assessment.status == AssessmentStatus.submitted)).subquery()
    rows = [r for r in db.session.execute(
        db.select(chosen, Company.size_class, Company.ateco_section, Company.ateco_code, Company.comune_istat,
                  Company.themes, Comune.region_name)
        .join(Company, Company.id == chosen.c.company_id).join(Comune, Comune.istat_code == Company.comune_istat)
        .where(Company.erased_at.is_(None)).order_by(chosen.c.company_id)).all()
        if wanted is None or r.company_id in wanted]
    scores: dict[int, dict[str, float]] = {}
    for assessment_id, key, score in db.session.execute(
            db.select(DimensionScore.assessment_id, DimensionScore.dimension_key, DimensionScore.score)
            .join(chosen, chosen.c.id == DimensionScore.assessment_id)):
        scores.setdefault(assessment_id, {})[key] = score
    versions = {v.id: questionnaire_of(v) for v in db.session.execute(db.select(QuestionnaireVersion).where(
        QuestionnaireVersion.id.in_({r.questionnaire_version_id for r in rows}))).scalars()} if rows else {}
    territories = territory_keys_by_comune({r.comune_istat for r in rows})
    vectors = [CompanyVector(
        id=r.company_id, dimension_scores=scores.get(r.id, {}),
        level_index=versions[r.questionnaire_version_id].level_index(r.level_key), size_class=r.size_class.value,
        ateco_section=r.ateco_section, comune_istat=r.comune_istat,
        territory_keys=tuple(sorted(territories.get(r.comune_istat, ()))), themes=tuple(r.themes or ()),
        region_name=r.region_name) for r in rows]
    facts = [facts_from(r.size_class.value, r.region_name, r.comune_istat, r.ateco_code) for r in rows]
    return vectors, facts, {r.company_id: r.id for r in rows}


def _company_vectors(assessments: list[Assessment]) -> list[CompanyVector]:
    territories = territory_keys_by_comune({a.company.comune_istat for a in assessments})
    vectors = []
    for assessment in assessments:
        company = assessment.company
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        vectors.append(CompanyVector(
            id=company.id, dimension_scores=assessment.dimension_score_map(),
            level_index=questionnaire.level_index(assessment.level_key), size_class=company.size_class.value,
            ateco_section=company.ateco_section, comune_istat=company.comune_istat,
            territory_keys=tuple(sorted(territories.get(company.comune_istat, ()))),
            themes=tuple(company.themes or ()), region_name=company.comune.region_name,
        ))
    return vectors


def _track_items() -> list[TrackItem]:
    tracks = db.session.execute(db.select(Track).filter_by(is_active=True)).scalars().all()
    taken = seats_taken([t.id for t in tracks])
    return [TrackItem(id=t.id, title_it=t.title_it, title_en=t.title_en, dimension_weights=t.dimension_weights,
                      level_from=t.level_from, level_to=t.level_to, ateco_sections=tuple(t.ateco_sections or ()),
                      thematic_area=t.thematic_area_key, free_seats=t.seats_per_cohort - taken.get(t.id, 0),
                      is_active=t.is_active) for t in tracks]


def open_grant_rows(today: date) -> list[Grant]:
    return list(db.session.execute(
        # is_still_open, in SQL: active, not withdrawn, not closed
        db.select(Grant).where(Grant.is_active.is_(True), Grant.withdrawn_at.is_(None),
                               (Grant.closes_on.is_(None)) | (Grant.closes_on >= today))
    ).scalars())


def _grant_item(g: Grant) -> GrantItem:
    return GrantItem(id=g.id, title=g.title, description=g.description or "", purposes=tuple(g.purposes),
                     eligible_costs=tuple(g.eligible_costs), dimensions=tuple(g.funded_dimensions),
                     closes_on=g.closes_on, opens_on=g.opens_on, aid_min_eur=g.aid_min_eur,
                     aid_max_eur=g.aid_max_eur, aid_forms=tuple(g.aid_forms), is_all_sectors=g.is_all_sectors,
                     sizes=tuple(g.sizes), comuni_count=len(g.comuni_istat))


def company_facts(company: Company) -> CompanyFacts:
    return facts_from(company.size_class.value, company.comune.region_name, company.comune_istat,
                      company.ateco_code)


def facts_from(size_class: str, region_name: str, comune_istat: str, ateco_code: str) -> CompanyFacts:
    return CompanyFacts(size_class=size_class, region_name=region_name, comune_istat=comune_istat,
                        ateco_codes_2007=ateco_index().to_2022(ateco_code))


def active_rerankers() -> dict[MatchKind, RerankerParams]:
    """The re-ranker in use for each kind that has one (the newest active), in one statement."""
    rows = db.session.execute(
        db.select(RankerModel).filter_by(is_active=True).order_by(RankerModel.created_at)
    ).scalars()
    return {row.kind: RerankerParams.from_dict(row.params) for row in rows}  # the newest wins


def recompute_matches(company_ids: list[int] | None = None, today: date | None = None) -> int:
    """Replace the stored matches of these companies (all when None); returns how many were stored."""
    vectors, facts, assessment_of = company_rows(company_ids)
    return _store(vectors, facts, assessment_of, today or local_today())


def store_matches(assessments: list[Assessment], today: date) -> int:
    """Rank tracks and grants for each of these assessments (each its company's latest, as loaded: a
    just-submitted one is ranked as it is in the session) and replace the companies' stored matches."""
    return _store(_company_vectors(assessments), [company_facts(a.company) for a in assessments],
                  {a.company_id: a.id for a in assessments}, today)


def _store(vectors: list[CompanyVector], facts: list[CompanyFacts], assessment_of: dict[int, int],
           today: date) -> int:
    if not vectors:
        return 0
    grants = open_grant_rows(today)
    rerankers = active_rerankers()
    track_reranker, grant_reranker = rerankers.get(MatchKind.track), rerankers.get(MatchKind.grant)
    tracks = rank_tracks(vectors, _track_items(), top_k=3, reranker=track_reranker)
    # decide_eligibility's status for every pair, computed once per distinct fact (see eligibility_batch).
    eligibility = eligibility_matrix([v.id for v in vectors], facts, [g.id for g in grants],
                                     [grant_facts_from(g) for g in grants], today)
    grant_recs = rank_grants(vectors, [_grant_item(g) for g in grants], eligibility, today, top_k=5,
                             reranker=grant_reranker)
    ids = list(assessment_of)
    for start in range(0, len(ids), _IDS_IN_SQL):
        db.session.execute(db.delete(Match).where(Match.company_id.in_(ids[start:start + _IDS_IN_SQL])))
    rows = []
    for kind, ranked, reranker in ((MatchKind.track, tracks, track_reranker),
                                   (MatchKind.grant, grant_recs, grant_reranker)):
        version = reranker.version if reranker else CONTENT_VERSION
        for company_id, recommendations in ranked.items():
            for rec in recommendations:
                rows.append(dict(
                    company_id=company_id, assessment_id=assessment_of[company_id], kind=kind,
                    track_id=rec.item_id if kind == MatchKind.track else None,
                    grant_id=rec.item_id if kind == MatchKind.grant else None, score=rec.score, rank=rec.rank,
                    explanation={"it": rec.explanation_it, "en": rec.explanation_en},
                    eligibility=rec.eligibility, features=rec.features, model_version=version))
    if rows:  # in bulk, on the table (executemany, no ORM): a region's recommendations are 100,000s of rows
        db.session.execute(db.insert(Match.__table__), rows)
    db.session.flush()
    return len(rows)


def train(kind: MatchKind, seed: int = 0):
    """Train on the stored feedback; the new model is used only when it beats the content-only ranking."""
    feedback = db.session.execute(
        db.select(MatchFeedback).filter_by(kind=kind).order_by(MatchFeedback.id)
    ).scalars().all()
    labelled = [(f.features, f.company_id, f.is_relevant) for f in feedback if f.features]
    outcome = train_reranker(labelled, kind.value, seed=seed)
    if outcome.model is not None:
        row = db.session.get(RankerModel, outcome.model.version) or RankerModel(version=outcome.model.version,
                                                                                 kind=kind)
        row.params = outcome.model.to_dict()
        row.metrics = outcome.metrics
        if outcome.is_better:
            db.session.execute(db.update(RankerModel).where(RankerModel.kind == kind).values(is_active=False))
        row.is_active = outcome.is_better
        db.session.add(row)
        db.session.flush()
    return outcome


def rank_grants_deeper(company_ids: list[int], today: date, top_k: int) -> dict[int, list]:
    """The result page's grant ranking (same eligibility, features, re-ranker and reason lines) for these
    companies' latest assessments, to `top_k` and not stored: what grant alerts compare with."""
    vectors, facts, _assessment_of = company_rows(company_ids)
    if not vectors:
        return {}
    grants = open_grant_rows(today)
    eligibility = eligibility_matrix([v.id for v in vectors], facts, [g.id for g in grants],
                                     [grant_facts_from(g) for g in grants], today)
    return rank_grants(vectors, [_grant_item(g) for g in grants], eligibility, today,
                       top_k=top_k, reranker=active_rerankers().get(MatchKind.grant))
