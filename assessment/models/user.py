"""Staff accounts (coaches and programme managers) and their API tokens."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .coaching import CoachProfile


class Role(str, enum.Enum):
    coach = "coach"
    admin = "admin"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(default=Role.coach)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One-time link to set a password: only the hash is kept.
    password_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_token_expires_at: Mapped[datetime | None]
    # Goes up each time every session of the account ends (logout, a new password, the account switched off):
    # a session keeps the number it began with, so a copy of an ended session's cookie opens nothing.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    coach_profile: Mapped[CoachProfile | None] = relationship(back_populates="user", uselist=False)
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def get_id(self) -> str:  # what Flask-Login keeps in the (signed) session cookie
        return f"{self.id}.{self.session_generation}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_coach(self) -> bool:
        return self.role == Role.coach


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")

