"""Background jobs run by an RQ worker (`rq worker bussola`): each opens its own app context."""
from __future__ import annotations


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


def refresh_all_recommendations(redis_url: str) -> int | None:
    """Recompute every company's recommendations after the catalogue changed: on the queue when an RQ worker
    listens (None: queued), otherwise here, returning how many matches were stored. Redis down or no worker
    (development) is not a reason to leave the recommendations stale."""
    from redis.exceptions import RedisError
    from rq import Worker

    from .services.matching import recompute_matches

    try:
        queue = _queue(redis_url, socket_connect_timeout=1, socket_timeout=2)
        if Worker.count(queue=queue) > 0:
            enqueue_recompute(redis_url, None, queue=queue)
            return None
    except RedisError:
        pass
    return recompute_matches(None)


def alert_round_job(trigger: str = "sync") -> int:
    from . import create_app
    from .services.grant_alerts import run_round

    app = create_app()
    with app.app_context():
        return run_round(trigger=trigger).alerts


def run_alert_round(redis_url: str, trigger: str = "sync") -> int | None:
    """One round of grant alerts (after a sync): on the queue when an RQ worker listens (None: queued),
    otherwise here, returning how many mails were stored. Never called inside a page request."""
    from redis.exceptions import RedisError
    from rq import Worker

    from .services.grant_alerts import run_round

    try:
        queue = _queue(redis_url, socket_connect_timeout=1, socket_timeout=2)
        if Worker.count(queue=queue) > 0:
            queue.enqueue(alert_round_job, trigger, job_timeout=3600)
            return None
    except RedisError:
        pass
    return run_round(trigger=trigger).alerts
