"""API tokens of coaches and programme managers: issued and revoked by an admin, shown once, stored as a
SHA-256, looked up by hash and compared in constant time."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..domain.errors import InvalidField
from ..extensions import db
from ..models import ApiToken, Role, User, utcnow
from .audit import record
from .passwords import new_token, token_hash, token_matches

MAX_TOKEN_LENGTH = 200  # ours are 43 characters; anything much longer is not worth hashing


def token_owners() -> list[User]:
    """Who may hold a token: enabled coaches and admins."""
    return list(db.session.execute(
        db.select(User).where(User.is_enabled.is_(True), User.role.in_((Role.coach, Role.admin)))
        .order_by(User.role, User.name, User.email)).scalars())


def list_tokens() -> list[ApiToken]:
    return list(db.session.execute(
        db.select(ApiToken).options(selectinload(ApiToken.user))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())).scalars())


def issue_token(owner: User | None, name: str) -> tuple[ApiToken, str]:
    """A new token for `owner`; the secret is returned here and never again."""
    name = (name or "").strip()
    if owner is None or not owner.is_enabled or owner.role not in (Role.coach, Role.admin):
        raise InvalidField("user_id", _("Scegli un coach o un amministratore attivo."))
    if not name or len(name) > 100:
        raise InvalidField("name", _("Dai al token un nome di al massimo 100 caratteri."))
    secret = new_token()
    token = ApiToken(user=owner, name=name, token_hash=token_hash(secret))
    db.session.add(token)
    db.session.flush()
    record("api_token_issued", None, token_id=token.id, owner_id=owner.id, name=name)
    return token, secret


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token_revoked", None, token_id=token.id, owner_id=token.user_id)
    db.session.flush()


def authenticate(secret: str | None) -> ApiToken | None:
    """The live token with this secret (its owner enabled), its last use noted; None otherwise."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
        .options(selectinload(ApiToken.user))).scalar_one_or_none()
    # The lookup is by hash; the comparison is repeated in constant time so timing says nothing.
    if token is None or not token_matches(secret, token.token_hash):
        return None
    if token.revoked_at is not None or not token.user.is_enabled:
        return None
    token.last_used_at = utcnow()
    db.session.flush()
    return token


def actor(token: ApiToken) -> str:
    """How the audit log names a token's reads."""
    return f"api-token:{token.id}"
