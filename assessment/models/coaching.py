"""Coaches' profiles, proposals and assignments, notes and track enrolments."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .catalogue import Track
from .company import Company

if TYPE_CHECKING:
    from .user import User


class CoachProfile(Base):
    __tablename__ = "coach_profiles"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    expertise: Mapped[dict] = mapped_column(JSON, default=dict)  # {dimension_key: 0..3}
    thematic_areas: Mapped[list] = mapped_column(JSON, default=list)
    comuni_istat: Mapped[list] = mapped_column(JSON, default=list)
    territory_ids: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["it"])
    capacity: Mapped[int] = mapped_column(default=5)
    is_available: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="coach_profile")


class AssignmentStatus(str, enum.Enum):
    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    completed = "completed"
    withdrawn = "withdrawn"


# Statuses that take one unit of a coach's capacity, and hold the company: a company has at most one assignment
# in them at a time (a proposal waiting for its answer counts, so two proposals never become two acceptances).
ACTIVE_STATUSES = (AssignmentStatus.proposed, AssignmentStatus.accepted, AssignmentStatus.in_progress)
_ONE_ACTIVE = text("status IN ({})".format(", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES)))


class CoachAssignment(Base):
    __tablename__ = "coach_assignments"
    __table_args__ = (
        CheckConstraint("status <> 'declined' OR decline_reason IS NOT NULL", name="decline_has_reason"),
        # The database keeps the rule even when two admins send, or two coaches accept, at the same moment.
        Index("uq_coach_assignments_one_active_per_company", "company_id", unique=True,
              sqlite_where=_ONE_ACTIVE, postgresql_where=_ONE_ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(default=AssignmentStatus.proposed, index=True)
    fit_score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[dict] = mapped_column(JSON, default=dict)  # {"it": ..., "en": ...}
    decline_reason: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship()
    coach: Mapped[User] = relationship(foreign_keys=[coach_id])


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class EnrolmentStatus(str, enum.Enum):
    enrolled = "enrolled"
    completed = "completed"
    withdrawn = "withdrawn"


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (CheckConstraint("participants >= 1", name="participants_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    participants: Mapped[int]
    status: Mapped[EnrolmentStatus] = mapped_column(default=EnrolmentStatus.enrolled)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    track: Mapped[Track] = relationship()
