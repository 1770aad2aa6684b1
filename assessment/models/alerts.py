"""Grant alerts: owners' subscriptions (double opt-in), the mails computed and sent, what each said, the
secret calendar feeds, and the coaches' weekly digest settings and visits."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .company import Company, Consent


class AlertSubscription(Base):
    """An owner asked for grant alerts: nothing is sent before the mailed link confirms the address. The
    confirmation and unsubscribe links are derived from `secret` with the app's key: the table holds no link."""

    __tablename__ = "alert_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254))  # the address the consent was given for
    text_version: Mapped[str] = mapped_column(String(40))  # the wording the owner agreed to
    secret: Mapped[str] = mapped_column(String(64))
    confirm_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The owner's result link, sealed with the app's key, so that alerts link to the eligibility checklist.
    result_token_sealed: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship()
    consent: Mapped[Consent | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.withdrawn_at is None

    @property
    def is_waiting(self) -> bool:
        return self.confirmed_at is None and self.withdrawn_at is None


class CalendarFeed(Base):
    """A company's secret calendar address; renewing it replaces the secret, which ends the old address."""

    __tablename__ = "calendar_feeds"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company: Mapped[Company] = relationship()


class AlertAudience(str, enum.Enum):
    owner = "owner"  # one company's alert
    coach = "coach"  # a coach's weekly digest of the companies they follow


class AlertStatus(str, enum.Enum):
    pending = "pending"  # computed and stored, not yet handed to the mail server
    sent = "sent"
    failed = "failed"  # the last attempt failed (reason in last_error); retried while attempts remain


class AlertRound(Base):
    """One computation of alerts (after a sync, daily, or from the command line)."""

    __tablename__ = "alert_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20))
    local_day: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    companies: Mapped[int] = mapped_column(default=0)  # subscribed companies looked at
    alerts: Mapped[int] = mapped_column(default=0)  # mails stored
    items: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)


class GrantAlert(Base):
    """One mail, stored before it is sent: what is sent is exactly this row, and sending marks it."""

    __tablename__ = "grant_alerts"
    __table_args__ = (
        UniqueConstraint("recipient_key", "local_day"),  # at most one mail a day per recipient
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("status <> 'failed' OR last_error IS NOT NULL", name="failed_has_reason"),
        CheckConstraint("(audience = 'owner' AND company_id IS NOT NULL)"
                        " OR (audience = 'coach' AND coach_id IS NOT NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rounds.id", ondelete="SET NULL"), index=True)
    audience: Mapped[AlertAudience]
    recipient_key: Mapped[str] = mapped_column(String(40))  # "company:<id>" or "coach:<id>"
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    local_day: Mapped[date]
    status: Mapped[AlertStatus] = mapped_column(default=AlertStatus.pending, index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="it")
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[GrantAlertItem]] = relationship(back_populates="alert", cascade="all, delete-orphan",
                                                       passive_deletes=True, order_by="GrantAlertItem.id")


class AlertReason(str, enum.Enum):
    new_match = "new_match"  # became open or eligible, in the company's top 10
    closing_14 = "closing_14"
    closing_3 = "closing_3"
    amended = "amended"
    withdrawn = "withdrawn"


class GrantAlertItem(Base):
    """One call in one mail, for one reason: the unique key is what keeps a call from coming twice."""

    __tablename__ = "grant_alert_items"
    __table_args__ = (UniqueConstraint("recipient_key", "company_id", "grant_id", "reason", "occasion",
                                       name="uq_grant_alert_items_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("grant_alerts.id", ondelete="CASCADE"), index=True)
    recipient_key: Mapped[str] = mapped_column(String(40))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    reason: Mapped[AlertReason]
    # Which occurrence of the reason: the deadline for reminders and new calls, the revision for changes.
    occasion: Mapped[str] = mapped_column(String(40), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    alert: Mapped[GrantAlert] = relationship(back_populates="items")


class CoachAlertSetting(Base):
    """A coach's choice about the weekly digest (no row: on)."""

    __tablename__ = "coach_alert_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    weekly_digest: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CoachCompanyVisit(Base):
    """When a coach last opened a company's page: grants new since then are marked there."""

    __tablename__ = "coach_company_visits"

    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
