"""Stored recommendations, the feedback on them, and the versioned re-ranker models."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .catalogue import Grant, Track


class MatchKind(str, enum.Enum):
    track = "track"
    grant = "grant"


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'track' AND track_id IS NOT NULL AND grant_id IS NULL)"
            " OR (kind = 'grant' AND grant_id IS NOT NULL AND track_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MatchKind]
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)  # {"it": ..., "en": ...}
    eligibility: Mapped[str | None] = mapped_column(String(20))
    features: Mapped[dict] = mapped_column(JSON, default=dict)  # pair features, for the re-ranker
    model_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    track: Mapped[Track | None] = relationship()
    grant: Mapped[Grant | None] = relationship()


class FeedbackSource(str, enum.Enum):
    owner = "owner"
    coach = "coach"


class MatchFeedback(Base):
    __tablename__ = "match_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MatchKind]
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"))
    source: Mapped[FeedbackSource]
    is_relevant: Mapped[bool]
    features: Mapped[dict] = mapped_column(JSON, default=dict)  # copied from the match when given
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RankerModel(Base):
    __tablename__ = "ranker_models"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[MatchKind]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    params: Mapped[dict] = mapped_column(JSON)  # feature names, coefficients, intercept
    metrics: Mapped[dict] = mapped_column(JSON)  # held-out precision@3 / NDCG@5, model vs baseline
    is_active: Mapped[bool] = mapped_column(default=False)
