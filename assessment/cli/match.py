"""`flask --app assessment match run|train`: stored recommendations and the feedback re-ranker."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import MatchKind

match_cli = AppGroup("match", help="Recommendations of tracks and grants.")


@match_cli.command("run")
@click.option("--company", "company_id", type=int, default=None, help="Only this company.")
@click.option("--queue", is_flag=True, help="Enqueue on Redis (RQ) instead of running here.")
def run_command(company_id: int | None, queue: bool) -> None:
    """Recompute stored recommendations for all companies (or one), in one vectorised pass."""
    ids = [company_id] if company_id is not None else None
    if queue:
        from redis.exceptions import RedisError

        from ..jobs import enqueue_recompute

        try:
            job = enqueue_recompute(current_app.config["REDIS_URL"], ids)
        except RedisError as error:
            raise click.ClickException(f"Redis at REDIS_URL cannot take the job ({error}); run without --queue "
                                       "to recompute here") from None
        click.echo(f"queued job {job.id} on 'bussola'")
        return
    from ..services.matching import recompute_matches

    started = time.perf_counter()
    stored = recompute_matches(ids)
    db.session.commit()
    click.echo(f"stored {stored} matches in {time.perf_counter() - started:.2f}s")


@match_cli.command("train")
@click.option("--seed", type=int, default=0)
def train_command(seed: int) -> None:
    """Train a re-ranker per kind from feedback; it is used only when it beats the content-only ranking."""
    from ..services.matching import train

    for kind in (MatchKind.track, MatchKind.grant):
        outcome = train(kind, seed)
        if outcome.model is None:
            click.echo(f"{kind.value}: not trained ({outcome.reason})")
            continue
        model, baseline = outcome.metrics["model"], outcome.metrics["baseline"]
        click.echo(f"{kind.value}: {outcome.n_pairs} labelled pairs; held-out precision@3 "
                   f"{model['precision@3']:.3f} vs content {baseline['precision@3']:.3f}, NDCG@5 "
                   f"{model['ndcg@5']:.3f} vs content {baseline['ndcg@5']:.3f}")
        verdict = "in use" if outcome.is_better else "kept, not used: it does not beat the content ranking"
        click.echo(f"{kind.value}: model {outcome.model.version} {verdict}")
    db.session.commit()
