"""How current the grant catalogue is: the last complete national sync, read by admin and public pages."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import GrantSync, SyncOutcome


def last_good_sync(session: Session) -> GrantSync | None:
    """The latest national sync that read every page and was applied (dry runs change nothing: not counted)."""
    return session.scalars(
        select(GrantSync)
        .where(GrantSync.outcome == SyncOutcome.succeeded, GrantSync.is_dry_run.is_(False))
        .order_by(GrantSync.finished_at.desc(), GrantSync.id.desc())
        .limit(1)
    ).first()
