"""Who may see a company: the one rule every view that shows company data goes through."""
from __future__ import annotations

from ..extensions import db
from ..models import AssignmentStatus, CoachAssignment, Company, User

# A coach sees a company while a proposal or an assignment links them (declined ones do not count).
_VISIBLE_TO_COACH = (AssignmentStatus.proposed, AssignmentStatus.accepted, AssignmentStatus.in_progress,
                     AssignmentStatus.completed)


def can_view_company(user: User | None, company: Company | None) -> bool:
    if user is None or company is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if not user.is_coach or not company.is_visible_to_coaches:
        return False
    return db.session.execute(
        db.select(CoachAssignment.id).where(
            CoachAssignment.company_id == company.id, CoachAssignment.coach_id == user.id,
            CoachAssignment.status.in_(_VISIBLE_TO_COACH),
        ).limit(1)
    ).first() is not None


def visible_company_ids_for_coach(coach_id: int) -> db.Select:
    """A subquery of company ids a coach may see, for list pages (one query, not one per row)."""
    return db.select(CoachAssignment.company_id).where(
        CoachAssignment.coach_id == coach_id, CoachAssignment.status.in_(_VISIBLE_TO_COACH)
    )
