"""Stored recommendations: computing them for one company or all, and reading them for a result."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..domain.eligibility import is_still_open
from ..extensions import db
from ..models import (
    Assessment,
    AssessmentStatus,
    FeedbackSource,
    Match,
    MatchFeedback,
    MatchKind,
    Track,
)


def stored_recommendations(assessment: Assessment, today: date | None = None) -> dict[str, list[Match]]:
    """The matches stored for this assessment, best first; a grant that has closed or was withdrawn since, or
    that an admin switched off, is left out (`is_still_open`, on the programme's today)."""
    today = today or local_today()
    matches = db.session.execute(
        db.select(Match).where(Match.assessment_id == assessment.id)
        # Many-to-one: joined in the same statement, whatever the number of matches.
        .options(joinedload(Match.track).joinedload(Track.thematic_area), joinedload(Match.grant))
        .order_by(Match.kind, Match.rank)
    ).scalars().all()
    tracks = [m for m in matches if m.kind == MatchKind.track and m.track.is_active]
    # Read-time check: a call that closed or was withdrawn since the matches were stored is never shown as open,
    # even before they are recomputed.
    grants = [m for m in matches if m.kind == MatchKind.grant and is_still_open(m.grant, today)]
    return {"tracks": tracks, "grants": grants}


def recommended_track_ids(company_id: int) -> list[int]:
    """The active tracks recommended by the company's latest submitted assessment: the ones its page offers
    (stored_recommendations of company_pages' latest), in one query."""
    latest = (db.select(Assessment.id).where(Assessment.company_id == company_id,
                                             Assessment.status == AssessmentStatus.submitted)
              .order_by(Assessment.submitted_at.desc(), Assessment.id.desc()).limit(1).scalar_subquery())
    return list(db.session.execute(
        db.select(Match.track_id).join(Track, Track.id == Match.track_id)
        .where(Match.assessment_id == latest, Match.kind == MatchKind.track, Track.is_active.is_(True))).scalars())


def refresh_for_assessment(assessment: Assessment) -> None:
    """Recompute and store the recommendations of the company of this just-submitted assessment, its latest:
    it is ranked as it is in the session, without reading it back."""
    from .matching import store_matches

    if assessment.company.erased_at is None:
        store_matches([assessment], local_today())


def record_feedback(match: Match, source: FeedbackSource, is_relevant: bool) -> MatchFeedback:
    """Owners and coaches label a recommendation; the labels train the re-ranker (`match train`). One opinion
    per match and side: a second click changes it instead of counting twice."""
    db.session.execute(db.delete(MatchFeedback).where(MatchFeedback.match_id == match.id,
                                                      MatchFeedback.source == source))
    feedback = MatchFeedback(match_id=match.id, company_id=match.company_id, kind=match.kind,
                             track_id=match.track_id, grant_id=match.grant_id, source=source,
                             is_relevant=is_relevant, features=dict(match.features or {}))
    db.session.add(feedback)
    db.session.flush()
    return feedback


def given_feedback(recommendations: dict[str, list[Match]], source: FeedbackSource) -> dict[int, bool]:
    """The opinion already given on each shown recommendation (match id -> useful?), in one query."""
    ids = [match.id for matches in recommendations.values() for match in matches]
    if not ids:
        return {}
    return dict(db.session.execute(
        db.select(MatchFeedback.match_id, MatchFeedback.is_relevant)
        .where(MatchFeedback.match_id.in_(ids), MatchFeedback.source == source)
    ).all())
