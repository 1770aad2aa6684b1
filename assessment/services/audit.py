"""The audit log: who viewed or changed which company, and when."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..models import AuditEntry


def _actor() -> tuple[int | None, str]:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id, f"user:{current_user.id}"
    return None, "owner" if has_request_context() else "cli"


def record(action: str, company_id: int | None, *, actor: str | None = None, user_id: int | None = None,
           **details) -> AuditEntry:
    """Add one entry; it is committed with the rest of the request's work."""
    default_user, default_actor = _actor()
    entry = AuditEntry(user_id=user_id if user_id is not None else default_user, actor=actor or default_actor,
                       action=action, company_id=company_id, details=details)
    db.session.add(entry)
    return entry
