"""Staff accounts (coaches and programme managers) and their API tokens."""
from __future__ import annotations

import enum
import hashlib
import hmac
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

    coach_profile: Mapped[CoachProfile | None] = relationship(back_populates="user", uselist=False)
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def password_fingerprint(self) -> str:
        """Changes with the password: a session remembers it, so that a new password ends the other sessions.
        Keyed with the app's secret, as the session cookie is readable: it tells nothing of the hash."""
        from flask import current_app

        key = str(current_app.config["SECRET_KEY"]).encode()
        return hmac.new(key, (self.password_hash or "").encode(), hashlib.sha256).hexdigest()[:16]

    def get_id(self) -> str:  # what Flask-Login keeps in the session
        return f"{self.id}.{self.password_fingerprint}"

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

