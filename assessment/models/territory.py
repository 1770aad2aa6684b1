"""Reference geography and sectors: ISTAT comuni, named territories, ATECO codes, thematic areas."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Comune(Base):
    __tablename__ = "comuni"

    istat_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    province_code: Mapped[str] = mapped_column(String(3), index=True)  # sigla, e.g. TO
    province_name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(2))
    region_name: Mapped[str] = mapped_column(String(60))


territory_comuni = Table(
    "territory_comuni",
    Base.metadata,
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
    Column("comune_istat", ForeignKey("comuni.istat_code", ondelete="CASCADE"), primary_key=True),
)


class Territory(Base):
    """A named programme area: a set of ISTAT codes that admins edit (data, not code)."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name_it: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)

    comuni: Mapped[list[Comune]] = relationship(secondary=territory_comuni, order_by=Comune.name)


class AtecoCode(Base):
    """ISTAT ATECO 2025 tree; companies are classified with it."""

    __tablename__ = "ateco_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(10))
    section: Mapped[str] = mapped_column(String(1), index=True)
    title: Mapped[str] = mapped_column(String(400))


class ThematicArea(Base):
    __tablename__ = "thematic_areas"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_it: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
