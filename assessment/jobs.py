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


def enqueue_recompute(redis_url: str, company_ids: list[int] | None = None):
    """Put a recomputation on the `bussola` queue; the caller gets the RQ job back."""
    from redis import Redis
    from rq import Queue

    queue = Queue("bussola", connection=Redis.from_url(redis_url))
    return queue.enqueue(recompute_matches_job, company_ids, job_timeout=3600)
