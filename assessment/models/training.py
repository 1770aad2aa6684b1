"""Training that counts: a track's editions and their sessions, the people registered, their attendance,
certificates and individual skills self-checks.

Times of a session are stored as the programme's wall-clock time (setting TIMEZONE): a local date plus a
local start and end time, because that is what a trainer types and a registrant reads, and a session at
09:00 stays at 09:00 across a change of daylight saving time. Instants (created_at, recorded_at, ...) are
naive UTC like every other timestamp column.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .catalogue import Track

if TYPE_CHECKING:
    from .assessment import QuestionnaireVersion
    from .company import Company
    from .user import User


class EditionStatus(str, enum.Enum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class TrainingEdition(Base):
    """One run of a track (a workshop or course) with its own sessions, seats and trainer."""

    __tablename__ = "training_editions"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("min_attendance_percent >= 0 AND min_attendance_percent <= 100",
                        name="min_attendance_in_range"),
        CheckConstraint("trainer_user_id IS NULL OR trainer_name IS NULL", name="one_trainer"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str | None] = mapped_column(String(300))  # address of the room; None with an online link
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    # The trainer: a coach's account, or the name of an external trainer (one or the other, or not yet known).
    trainer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    trainer_name: Mapped[str | None] = mapped_column(String(200))
    registration_deadline_on: Mapped[date | None]  # last day to register (programme's calendar); None: 1st session
    min_attendance_percent: Mapped[int] = mapped_column(default=70)
    status: Mapped[EditionStatus] = mapped_column(default=EditionStatus.scheduled, index=True)
    cancelled_at: Mapped[datetime | None]
    is_example: Mapped[bool] = mapped_column(default=False)
    seed_key: Mapped[str | None] = mapped_column(String(60), unique=True)  # natural key of a seeded edition
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Grows by one with every save or cancellation: the calendars' SEQUENCE, so a calendar takes each update.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    track: Mapped[Track] = relationship()
    trainer: Mapped[User | None] = relationship()
    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(TrainingSession.on_date, TrainingSession.start_time, TrainingSession.id)")
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="edition", passive_deletes=True, order_by="Registration.id")

    @property
    def is_cancelled(self) -> bool:
        return self.status == EditionStatus.cancelled

    @property
    def is_online(self) -> bool:
        return self.place is None and self.online_url is not None


class TrainingSession(Base):
    """One meeting of an edition: a local date with local start and end times (see the module's note)."""

    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("end_time > start_time", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("training_editions.id", ondelete="CASCADE"), index=True)
    on_date: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time]
    end_time: Mapped[time]
    is_cancelled: Mapped[bool] = mapped_column(default=False)
    # Shown in the room; accepted only while the session runs (domain.training.check_in_window).
    check_in_code: Mapped[str] = mapped_column(String(12))

    edition: Mapped[TrainingEdition] = relationship(back_populates="sessions")
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True)


class Participant(Base):
    """A person who registers for training. Erasure empties the personal fields and sets erased_at: the row
    stays as an anonymous trace, so the programme's counts of people trained do not silently fall."""

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint("erased_at IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)",
                        name="identified_unless_erased"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower-cased: one person per address
    role: Mapped[str | None] = mapped_column(String(120))  # role in the firm, as typed
    # The firm as the person declared it (partita IVA checked, name as typed: the attendance register and the
    # person's own data show it), and the company with that partita IVA, created without assessment when the
    # programme did not know it (services.registrations); its first self-assessing owner takes it on.
    firm_vat_number: Mapped[str | None] = mapped_column(String(11), index=True)
    firm_name: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="it")
    privacy_consent_at: Mapped[datetime | None]
    privacy_text_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(index=True)
    # After erasure, the only trace of the firm: its comune, so that the people trained by comune do not move
    # to "comune non indicato" (the link to the firm itself is dropped with the rest).
    trace_comune_istat: Mapped[str | None] = mapped_column(String(6))

    company: Mapped[Company | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="participant")


class RegistrationStatus(str, enum.Enum):
    confirmed = "confirmed"
    waiting = "waiting"
    cancelled = "cancelled"


class Registration(Base):
    """A participant on an edition: one row per person and edition (a new registration after a cancellation
    reuses it). The waiting list is ordered by queued_at, then id."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("participant_id", "edition_id"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("training_editions.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the person (last) registered
    confirmed_at: Mapped[datetime | None]  # given a seat (at once, or promoted from the waiting list)
    cancelled_at: Mapped[datetime | None]
    # The registrant's secret cancel link: only its SHA-256 is stored.
    cancel_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="registrations")
    edition: Mapped[TrainingEdition] = relationship(back_populates="registrations")
    registered_by: Mapped[User | None] = relationship()
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", passive_deletes=True)
    certificate: Mapped[Certificate | None] = relationship(back_populates="registration", uselist=False)


class AttendanceSource(str, enum.Enum):
    register = "register"  # kept by the trainer or an admin
    check_in = "check_in"  # the person typed the session's code


class Attendance(Base):
    """Presence of a registration at a session. Partial presence: the local arrival and/or departure time;
    hours are derived (domain.training), never stored."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id"),
        CheckConstraint("arrived_at IS NULL OR left_at IS NULL OR left_at > arrived_at", name="leaves_after_arrival"),
        CheckConstraint("is_present OR (arrived_at IS NULL AND left_at IS NULL)", name="absent_has_no_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    is_present: Mapped[bool]
    arrived_at: Mapped[time | None]  # local wall-clock time; None: from the start
    left_at: Mapped[time | None]  # None: to the end
    source: Mapped[AttendanceSource] = mapped_column(default=AttendanceSource.register)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="attendances")
    session: Mapped[TrainingSession] = relationship(back_populates="attendances")
    recorded_by: Mapped[User | None] = relationship()


class Certificate(Base):
    """The attestato di partecipazione of a completed registration, verified at /attestati/<code>."""

    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("hours_attended >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    hours_attended: Mapped[float] = mapped_column(Float)  # as printed on the certificate
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="certificate")


class SkillsMoment(str, enum.Enum):
    registration = "registration"
    completion = "completion"


class SkillsCheck(Base):
    """A person's digital-skills self-check (DigComp areas) on a questionnaire snapshot, at registration or at
    completion of an edition. Kept apart from the company assessments, which the dashboard counts as firms."""

    __tablename__ = "skills_checks"
    __table_args__ = (
        UniqueConstraint("registration_id", "moment"),
        CheckConstraint("overall_score IS NULL OR (overall_score >= 0 AND overall_score <= 100)",
                        name="overall_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    moment: Mapped[SkillsMoment]
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {question_key: [option_key, ...]}
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {area_key: 0..100}
    overall_score: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship()
    registration: Mapped[Registration | None] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
