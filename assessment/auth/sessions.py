"""Staff sessions: the user a session names, while it was not ended and has not been idle too long."""
from __future__ import annotations

import time

from flask import current_app, session

from ..models import User
from ..services.users import load_user

SEEN_KEY = "_seen_at"  # when the session last made a request, in whole seconds since the epoch


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader. A session left STAFF_IDLE_MINUTES without a request ends (a staff page left
    open on a shared computer); every request it makes in time moves the limit on."""
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    if isinstance(seen, int) and now - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        return None
    user = load_user(session_id)
    if user is not None:
        session[SEEN_KEY] = now
    return user


def start_session() -> None:
    """Called as the user logs in: the idle clock starts now."""
    session[SEEN_KEY] = int(time.time())
