"""A company that self-assessed, or is known only because its people registered for training, and the consents
its owner gave."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, CheckConstraint, ColumnElement, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .territory import Comune

if TYPE_CHECKING:
    from .assessment import Assessment


class SizeClass(str, enum.Enum):
    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


class ConsentKind(str, enum.Enum):
    privacy = "privacy"
    coach_contact = "coach_contact"
    grant_alerts = "grant_alerts"  # alerts about grants and deadlines, confirmed by the mailed link


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("employees >= 0", name="employees_not_negative"),
        CheckConstraint("annual_turnover_eur >= 0", name="turnover_not_negative"),
        # The profile comes whole from a self-assessment, or not at all (a firm known only from training).
        CheckConstraint("(ateco_code IS NULL AND ateco_section IS NULL AND comune_istat IS NULL AND employees IS NULL"
                        " AND annual_turnover_eur IS NULL AND size_class IS NULL) OR (ateco_code IS NOT NULL"
                        " AND ateco_section IS NOT NULL AND comune_istat IS NOT NULL AND employees IS NOT NULL"
                        " AND annual_turnover_eur IS NOT NULL AND size_class IS NOT NULL)",
                        name="profile_whole_or_absent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Personal data: emptied on erasure, hence nullable.
    name: Mapped[str | None] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(11), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # The profile, from the owner's self-assessment. A firm whose people registered for training before anyone
    # self-assessed it is a company without assessment: its partita IVA and the name they typed, no profile.
    ateco_code: Mapped[str | None] = mapped_column(String(10))
    ateco_section: Mapped[str | None] = mapped_column(String(1), index=True)
    comune_istat: Mapped[str | None] = mapped_column(ForeignKey("comuni.istat_code"), index=True)
    employees: Mapped[int | None]
    annual_turnover_eur: Mapped[int | None] = mapped_column(BigInteger)
    size_class: Mapped[SizeClass | None] = mapped_column(index=True)
    themes: Mapped[list] = mapped_column(JSON, default=list)  # thematic area keys the owner cares about
    language: Mapped[str] = mapped_column(String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]

    comune: Mapped[Comune | None] = relationship()
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="company", order_by="Assessment.submitted_at"
    )
    consents: Mapped[list[Consent]] = relationship(back_populates="company", cascade="all, delete-orphan")

    @hybrid_property
    def has_profile(self) -> bool:
        """False for a company without assessment (known only from training): nothing to score, match or compare."""
        return self.size_class is not None

    @has_profile.inplace.expression
    @classmethod
    def _has_profile_expression(cls) -> ColumnElement[bool]:
        return cls.size_class.is_not(None)

    def has_active_consent(self, kind: ConsentKind) -> bool:
        return any(c.kind == kind and c.withdrawn_at is None for c in self.consents)

    @property
    def is_visible_to_coaches(self) -> bool:
        return (
            self.erased_at is None
            and self.has_active_consent(ConsentKind.privacy)
            and self.has_active_consent(ConsentKind.coach_contact)
        )


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind]
    text_version: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship(back_populates="consents")
