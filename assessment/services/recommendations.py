"""Stored recommendations: computing them for one company or all, and reading them for a result."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..extensions import db
from ..models import (
    Assessment,
    FeedbackSource,
    Grant,
    Match,
    MatchFeedback,
    MatchKind,
    Track,
)


def stored_recommendations(assessment: Assessment, today: date | None = None) -> dict[str, list[Match]]:
    """The matches stored for this assessment, best first; a grant that has closed since is left out."""
    today = today or local_today()
    matches = db.session.execute(
        db.select(Match).where(Match.assessment_id == assessment.id)
        # Many-to-one: joined in the same statement, whatever the number of matches.
        .options(joinedload(Match.track).joinedload(Track.thematic_area), joinedload(Match.grant))
        .order_by(Match.kind, Match.rank)
    ).scalars().all()
    tracks = [m for m in matches if m.kind == MatchKind.track and m.track.is_active]
    grants = [m for m in matches if m.kind == MatchKind.grant and _still_open(m.grant, today)]
    return {"tracks": tracks, "grants": grants}


def _still_open(grant: Grant, today: date) -> bool:
    return grant.is_active and grant.withdrawn_at is None and (grant.closes_on is None or grant.closes_on >= today)


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
