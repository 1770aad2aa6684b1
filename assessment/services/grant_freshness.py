"""How current the grant catalogue is: the last complete national sync, read by admin and public pages."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_time
from ..models import GrantSync, SyncOutcome


def last_good_sync(session: Session) -> GrantSync | None:
    """The latest national sync that read every page and was applied (dry runs change nothing: not counted)."""
    return session.scalars(
        select(GrantSync)
        .where(GrantSync.outcome == SyncOutcome.succeeded, GrantSync.is_dry_run.is_(False))
        .order_by(GrantSync.finished_at.desc(), GrantSync.id.desc())
        .limit(1)
    ).first()


def grants_updated_on(session: Session) -> date | None:
    """The day the grant catalogue was last brought up to date ("Bandi aggiornati al …"): the finish day of the
    last good sync, in the programme's time zone; None when nothing says."""
    sync = last_good_sync(session)
    if sync is not None and sync.finished_at is not None:
        return local_time(sync.finished_at).date()
    return None
