"""What companies are matched to: coaching tracks and grants."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .territory import ThematicArea


class TrackFormat(str, enum.Enum):
    workshop = "workshop"
    coaching = "coaching"
    online_course = "online_course"


class Track(Base):
    __tablename__ = "tracks"
    __table_args__ = (
        CheckConstraint("seats_per_cohort >= 0", name="seats_not_negative"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        CheckConstraint("level_from <= level_to", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_it: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_it: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    thematic_area_key: Mapped[str] = mapped_column(ForeignKey("thematic_areas.key"), index=True)
    dimension_weights: Mapped[dict] = mapped_column(JSON, default=dict)  # {dimension_key: weight 0..1}
    level_from: Mapped[int] = mapped_column(default=0)  # index into the questionnaire's levels
    level_to: Mapped[int] = mapped_column(default=4)
    ateco_sections: Mapped[list] = mapped_column(JSON, default=list)  # empty: every sector
    format: Mapped[TrackFormat]
    hours: Mapped[int] = mapped_column(default=0)
    seats_per_cohort: Mapped[int] = mapped_column(default=0)
    starts_on: Mapped[date | None]
    place: Mapped[str | None] = mapped_column(String(200))  # None: online
    provider: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    is_example: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    thematic_area: Mapped[ThematicArea] = relationship()

    @property
    def is_online(self) -> bool:
        return self.place is None


class Grant(Base):
    """A call for funding, normalised from the incentivi.gov.it open data or a local source."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    purposes: Mapped[list] = mapped_column(JSON, default=list)
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None] = mapped_column(index=True)  # None: "a sportello"
    opening_notes: Mapped[str | None] = mapped_column(Text)
    sizes: Mapped[list] = mapped_column(JSON, default=list)  # size-class keys; empty: not stated
    subject_types: Mapped[list] = mapped_column(JSON, default=list)
    aid_forms: Mapped[list] = mapped_column(JSON, default=list)
    eligible_costs: Mapped[list] = mapped_column(JSON, default=list)
    spend_min_eur: Mapped[float | None] = mapped_column(Float)
    spend_max_eur: Mapped[float | None] = mapped_column(Float)
    aid_min_eur: Mapped[float | None] = mapped_column(Float)
    aid_max_eur: Mapped[float | None] = mapped_column(Float)
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    is_all_sectors: Mapped[bool] = mapped_column(default=True)
    ateco_codes: Mapped[list] = mapped_column(JSON, default=list)
    ateco_text: Mapped[str | None] = mapped_column(Text)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    comuni_istat: Mapped[list] = mapped_column(JSON, default=list)  # empty: no comune restriction
    comuni_unresolved: Mapped[list] = mapped_column(JSON, default=list)
    territorial_scope: Mapped[list] = mapped_column(JSON, default=list)
    granting_body: Mapped[str | None] = mapped_column(Text)
    legal_basis_primary: Mapped[str | None] = mapped_column(Text)
    legal_basis_secondary: Mapped[str | None] = mapped_column(Text)
    implementing_act: Mapped[str | None] = mapped_column(Text)
    official_journal: Mapped[str | None] = mapped_column(Text)
    budget_eur: Mapped[float | None] = mapped_column(Float)
    budget_text: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    other_features: Mapped[str | None] = mapped_column(Text)
    source_updated_at: Mapped[datetime | None]
    dimensions: Mapped[list] = mapped_column(JSON, default=list)  # derived by keyword rules
    dimensions_override: Mapped[list | None] = mapped_column(JSON)  # set by an admin; wins when present
    content_hash: Mapped[str] = mapped_column(String(64))
    # The original record, for the admin's grant page only: deferred so lists and rankings never decode it.
    raw: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Lifecycle on the source catalogue (the national sync, or an import of the same source): when the
    # record was first and last seen, when its content last changed (content hash), and since when it is
    # absent from a complete national sync. A withdrawn grant is kept, never recommended, and comes back
    # (withdrawn_at cleared) if it reappears.
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(index=True)
    # As the bundled snapshot has it (texts shortened, some fields missing): the first sync that brings the
    # portal's whole record completes it without calling that an amendment.
    is_abridged: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    revisions: Mapped[list[GrantRevision]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", passive_deletes=True,
        order_by="GrantRevision.id")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def funded_dimensions(self) -> list[str]:
        return list(self.dimensions_override) if self.dimensions_override is not None else list(self.dimensions)


class GrantChangeKind(str, enum.Enum):
    amended = "amended"  # the source record's content changed
    withdrawn = "withdrawn"  # absent from a complete national sync
    reappeared = "reappeared"  # back on the national catalogue after a withdrawal


class GrantRevision(Base):
    """One change of a grant's source record: the fields that changed, old -> new, in `changes`
    ({field: {"old": value, "new": value}}). The first sighting is not a revision."""

    __tablename__ = "grant_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    sync_id: Mapped[int | None] = mapped_column(ForeignKey("grant_syncs.id", ondelete="SET NULL"), index=True)
    kind: Mapped[GrantChangeKind]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    old_hash: Mapped[str | None] = mapped_column(String(64))
    new_hash: Mapped[str | None] = mapped_column(String(64))

    grant: Mapped[Grant] = relationship(back_populates="revisions")


class SyncOutcome(str, enum.Enum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class GrantSync(Base):
    """One run of the national catalogue sync: what it read and changed, or why it changed nothing."""

    __tablename__ = "grant_syncs"
    __table_args__ = (
        CheckConstraint("outcome != 'running' OR finished_at IS NULL", name="running_not_finished"),
        CheckConstraint("outcome = 'running' OR finished_at IS NOT NULL", name="finished_has_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_url: Mapped[str] = mapped_column(Text)
    is_dry_run: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[SyncOutcome] = mapped_column(default=SyncOutcome.running, index=True)
    pages: Mapped[int] = mapped_column(default=0)
    found: Mapped[int] = mapped_column(default=0)  # numFound announced by the portal
    seen: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    amended: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    reappeared: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    rejections: Mapped[list] = mapped_column(JSON, default=list)  # [[external_id, reason], ...]
    error: Mapped[str | None] = mapped_column(Text)


class GrantSnapshot(Base):
    """A bundled snapshot of the national catalogue, imported (demo load): the day it was taken says how current
    the grants are ("Bandi aggiornati al …") until the first good national sync."""

    __tablename__ = "grant_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(40))
    taken_on: Mapped[date] = mapped_column(index=True)
    records: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
