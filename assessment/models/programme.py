"""The programme's targets and the audit log of who saw or changed which company."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .territory import Territory


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name_it: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id", ondelete="SET NULL"))
    is_current: Mapped[bool] = mapped_column(default=True)

    territory: Mapped[Territory | None] = relationship()
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )


class ProgrammeTarget(Base):
    """metric: people_trained | firms_accompanied | firms_per_area (with thematic_area_key)."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        UniqueConstraint("programme_id", "metric", "thematic_area_key"),
        CheckConstraint("target >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(40))
    thematic_area_key: Mapped[str | None] = mapped_column(ForeignKey("thematic_areas.key"))
    target: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="targets")


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "user:3", "owner", "api-token:5", "cli"
    action: Mapped[str] = mapped_column(String(40))  # view, update, export, erase, ...
    company_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the entry outlives erasure
    details: Mapped[dict] = mapped_column(JSON, default=dict)
