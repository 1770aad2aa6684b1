"""The coach's side of grant alerts: the weekly digest switch, and the calls new since their last visit to a
company's page."""
from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import CoachAlertSetting, CoachCompanyVisit, Grant, User, utcnow


def digest_is_on(coach: User) -> bool:
    setting = db.session.get(CoachAlertSetting, coach.id)
    return setting is None or setting.weekly_digest


def set_digest(coach: User, on: bool) -> None:
    setting = db.session.get(CoachAlertSetting, coach.id)
    if setting is None:
        setting = CoachAlertSetting(user_id=coach.id)
        db.session.add(setting)
    setting.weekly_digest = on
    db.session.flush()


def visit(coach: User, company_id: int) -> datetime | None:
    """Record this visit; returns the previous one (None: first visit)."""
    row = db.session.get(CoachCompanyVisit, (coach.id, company_id))
    previous = row.visited_at if row is not None else None
    if row is None:
        row = CoachCompanyVisit(coach_id=coach.id, company_id=company_id)
        db.session.add(row)
    row.visited_at = utcnow()
    db.session.flush()
    return previous


def new_since(grants: list[Grant], since: datetime | None) -> set[int]:
    """The calls first seen on the catalogue (or back on it) after the coach's previous visit."""
    if since is None:
        return set()
    return {g.id for g in grants if g.first_seen_at > since}
