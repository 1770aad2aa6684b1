"""How current the grant catalogue is: the last complete national sync, read by admin and public pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_time
from ..models import GrantSnapshot, GrantSync, SyncOutcome


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
    last good national sync, in the programme's time zone; before the first one, the day the bundled snapshot
    was taken (recorded when it was imported); None when neither is there."""
    sync = last_good_sync(session)
    if sync is not None and sync.finished_at is not None:
        return local_time(sync.finished_at).date()
    return session.scalar(select(GrantSnapshot.taken_on).order_by(GrantSnapshot.taken_on.desc()).limit(1))


@dataclass(frozen=True)
class AdminFreshness:
    """What the admin pages' warning says: the last good sync, or (before the first) the bundled snapshot."""
    last_sync: GrantSync | None
    snapshot_on: date | None  # the bundled snapshot's day, only read when no sync succeeded yet
    age_days: int | None  # days since the catalogue was last brought up to date; None: never
    is_stale: bool


def admin_freshness(session: Session, now: datetime, stale_days: int) -> AdminFreshness:
    """Whether the national catalogue needs attention: never brought up to date, or more than stale_days old
    (the last good sync's finish, or the bundled snapshot's day the owners are shown before the first sync).
    One query, two only before the first sync."""
    sync = last_good_sync(session)
    if sync is not None and sync.finished_at is not None:
        age = now - sync.finished_at
        return AdminFreshness(sync, None, age.days, age > timedelta(days=stale_days))
    snapshot_on = session.scalar(select(GrantSnapshot.taken_on).order_by(GrantSnapshot.taken_on.desc()).limit(1))
    if snapshot_on is None:
        return AdminFreshness(None, None, None, True)
    age_days = (local_time(now).date() - snapshot_on).days
    return AdminFreshness(None, snapshot_on, age_days, age_days > stale_days)
