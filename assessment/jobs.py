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
    from redis.exceptions import RedisError
    from rq import Worker

    from .services.certificates import mail_certificates

    if not certificate_ids:
        return 0
    try:
        queue = _queue(redis_url, socket_connect_timeout=1, socket_timeout=2)
        if Worker.count(queue=queue) > 0:
            queue.enqueue(mail_certificates_job, certificate_ids, job_timeout=3600)
            return None
    except RedisError:
        pass
    return mail_certificates(certificate_ids)
