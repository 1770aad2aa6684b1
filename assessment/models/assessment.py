"""Questionnaire snapshots, assessments (draft then submitted), answers and dimension scores."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .company import Company


class QuestionnaireVersion(Base):
    """The exact questionnaire an assessment was answered on: editing the YAML never changes a result."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Deferred: pages need the snapshot's identity, and its parsed form is cached per process.
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(
            "status <> 'submitted' OR (submitted_at IS NOT NULL AND company_id IS NOT NULL"
            " AND overall_score IS NOT NULL)",
            name="submitted_is_complete",
        ),
        CheckConstraint(
            "overall_score IS NULL OR (overall_score >= 0 AND overall_score <= 100)", name="overall_in_range"
        ),
        # Each company's latest submission (recommendations, alert rounds): without it the planner scans.
        Index("ix_assessments_company_id_submitted_at", "company_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(default=AssessmentStatus.draft, index=True)
    # The owner's secret (resume link, then result link): only its SHA-256 is stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="it")
    # Draft state: raw profile fields and answers as entered, saved on every Next.
    draft_profile: Mapped[dict] = mapped_column(JSON, default=dict)
    draft_answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    overall_score: Mapped[float | None] = mapped_column(Float)
    level_key: Mapped[str | None] = mapped_column(String(40))
    # Set when recommendations or the report could not be produced: shown instead of failing.
    recommendation_error: Mapped[str | None] = mapped_column(String(500))

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    company: Mapped[Company | None] = relationship(back_populates="assessments")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Answer.id"
    )
    dimension_scores: Mapped[list[DimensionScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="DimensionScore.position"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.submitted

    def dimension_score_map(self) -> dict[str, float]:
        return {d.dimension_key: d.score for d in self.dimension_scores}


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_key"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_in_unit_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(60))
    option_keys: Mapped[list] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class DimensionScore(Base):
    __tablename__ = "dimension_scores"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),)

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    dimension_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    score: Mapped[float] = mapped_column(Float)
    level_key: Mapped[str] = mapped_column(String(40))

    assessment: Mapped[Assessment] = relationship(back_populates="dimension_scores")
