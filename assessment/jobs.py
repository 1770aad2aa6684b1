"""Background jobs run by an RQ worker (`rq worker bussola`): each opens its own app context."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the services are imported where used: a worker imports this module before any app exists
    from .services.grant_sync import Recomputed, SyncResult
    from .services.incentivi_client import FetchSettings


def recompute_matches_job(company_ids: list[int] | None = None) -> int:
    from . import create_app
    from .extensions import db
    from .services.matching import recompute_matches

    app = create_app()
    with app.app_context():
        stored = recompute_matches(company_ids)
        db.session.commit()
        return stored


def _queue(redis_url: str, **connection_options):
    from redis import Redis
    from rq import Queue

    return Queue("bussola", connection=Redis.from_url(redis_url, **connection_options))


def enqueue_recompute(redis_url: str, company_ids: list[int] | None = None, queue=None):
    """Put a recomputation on the `bussola` queue; the caller gets the RQ job back."""
    queue = queue or _queue(redis_url)
    return queue.enqueue(recompute_matches_job, company_ids, job_timeout=3600)


def _queued_if_listened(redis_url: str, job, *args, **options) -> bool:
    """Put `job` on the `bussola` queue when an RQ worker listens there: True when queued. False when no worker
    listens or Redis cannot be reached (development, or Redis down): the caller then does the work itself, since
    neither is a reason to leave it undone."""
    from redis.exceptions import RedisError
    from rq import Worker

    try:
        queue = _queue(redis_url, socket_connect_timeout=1, socket_timeout=2)
        if Worker.count(queue=queue) > 0:
            queue.enqueue(job, *args, job_timeout=3600, **options)
            return True
    except RedisError:
        pass
    return False


def refresh_recommendations_of(redis_url: str, company_ids: list[int] | None) -> int | None:
    """Recompute these companies' recommendations (all when None): on the queue when an RQ worker listens
    (None: queued), otherwise here, returning how many matches were stored."""
    from .services.matching import recompute_matches

    if _queued_if_listened(redis_url, recompute_matches_job, company_ids):
        return None
    return recompute_matches(company_ids)


def refresh_all_recommendations(redis_url: str) -> int | None:
    """Recompute every company's recommendations after the catalogue changed: on the queue when an RQ worker
    listens (None: queued), otherwise here, returning how many matches were stored. Redis down or no worker
    (development) is not a reason to leave the recommendations stale."""
    return refresh_recommendations_of(redis_url, None)


SYNC_JOB_ID = "grant-sync"  # one national sync at a time: a second click while one waits or runs adds nothing


@dataclass
class SyncRun:
    """A national sync and what followed it: the recomputation of the companies it touched, the alert round."""

    result: SyncResult
    recomputed: Recomputed | None = None  # None: the sync failed, nothing to follow up
    mails: int | None = None  # alert mails stored; None: queued for the RQ worker (or the sync failed)


def sync_and_follow_up(settings: FetchSettings, redis_url: str | None) -> SyncRun:
    """The one way a sync runs (worker, «Sincronizza ora» without a worker, `grants sync`): the sync, committed;
    when it succeeded, the touched companies' recommendations and then the alert round (so that alerts compare
    with fresh recommendations). With redis_url, each follow-up goes on the queue when a worker listens; without,
    everything runs here (the worker itself)."""
    from .clock import local_today
    from .extensions import db
    from .services.grant_alerts import run_round
    from .services.grant_sync import recompute_after_sync, sync_national_catalogue

    db.session.commit()  # nothing of the caller's is pending; no transaction (no SQLite lock) while the portal is read
    result = sync_national_catalogue(db.session, settings, today=local_today())
    db.session.commit()
    if not result.is_success:
        return SyncRun(result)
    recomputed = recompute_after_sync(result.changes, today=local_today(), redis_url=redis_url)
    db.session.commit()
    mails = run_alert_round(redis_url, "sync") if redis_url else run_round(trigger="sync").alerts  # commits
    return SyncRun(result, recomputed, mails)


def sync_catalogue_job(url: str | None = None) -> int:
    """«Sincronizza ora» in the worker: the sync and its follow-up, all here; returns the id of the log entry."""
    from . import create_app
    from .services.incentivi_client import FetchSettings

    app = create_app()
    with app.app_context():
        return sync_and_follow_up(FetchSettings.from_config(app.config, url), None).result.sync.id


def start_sync(redis_url: str) -> SyncRun | str | None:
    """The admin's «Sincronizza ora»: on the queue when an RQ worker listens (returns None, or "already" when a
    sync is already waiting or running there), otherwise here (returns the SyncRun, committed), on a short retry
    budget: the admin waits on the page."""
    from flask import current_app
    from redis.exceptions import RedisError
    from rq import Worker

    from .services.incentivi_client import FetchSettings

    try:
        queue = _queue(redis_url, socket_connect_timeout=1, socket_timeout=2)
        if Worker.count(queue=queue) > 0:
            waiting = queue.fetch_job(SYNC_JOB_ID)
            if waiting is not None and waiting.get_status(refresh=False) in ("queued", "started", "deferred"):
                return "already"
            queue.enqueue(sync_catalogue_job, job_id=SYNC_JOB_ID, job_timeout=3600, result_ttl=600)
            return None
    except RedisError:
        pass
    return sync_and_follow_up(FetchSettings.from_config(current_app.config).while_waiting(), redis_url)


def mail_certificates_job(certificate_ids: list[int]) -> int:
    from . import create_app
    from .services.certificates import mail_certificates

    app = create_app()
    with app.app_context():
        return mail_certificates(certificate_ids)


def send_certificates(redis_url: str, certificate_ids: list[int]) -> int | None:
    """Mail newly issued certificates (a PDF each): on the queue when an RQ worker listens (None: queued),
    otherwise here, returning how many mails failed. The certificates are already stored either way, and
    downloadable from each person's registration link."""
    from .services.certificates import mail_certificates

    if not certificate_ids:
        return 0
    if _queued_if_listened(redis_url, mail_certificates_job, certificate_ids):
        return None
    return mail_certificates(certificate_ids)


def alert_round_job(trigger: str = "sync") -> int:
    from . import create_app
    from .services.grant_alerts import run_round

    app = create_app()
    with app.app_context():
        return run_round(trigger=trigger).alerts


def run_alert_round(redis_url: str, trigger: str = "sync") -> int | None:
    """One round of grant alerts (after a sync): on the queue when an RQ worker listens (None: queued),
    otherwise here, returning how many mails were stored. Commits."""
    from .services.grant_alerts import run_round

    if _queued_if_listened(redis_url, alert_round_job, trigger):
        return None
    return run_round(trigger=trigger).alerts
