"""`match run --queue`: the recomputation runs as an RQ job on the machine's real Redis, in a worker that opens
its own app on the database named by DATABASE_URL."""
from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from assessment.extensions import db
from assessment.jobs import enqueue_recompute
from assessment.models import Match
from tests.factories import submit_company
from tests.web.test_admin_access import add_track
from tests.web.test_faults import ScratchDatabase

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied by the test


@pytest.fixture
def scratch(database_url, tmp_path):
    database = ScratchDatabase(database_url, tmp_path)
    try:
        yield database
    finally:
        database.drop()


def test_recomputation_runs_as_a_background_job(scratch, monkeypatch, tmp_path):
    app = scratch.apps[0]
    with app.app_context():
        add_track("JOB-1", dimension_weights={"data_security": 1.0})
        company, _assessment, _token = submit_company()
        db.session.execute(db.delete(Match))
        db.session.commit()
        company_id = company.id
    monkeypatch.setenv("DATABASE_URL", scratch.url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    job = enqueue_recompute(REDIS_URL, [company_id])
    SimpleWorker([Queue("bussola", connection=connection)], connection=connection).work(burst=True)
    assert job.get_status(refresh=True) == "finished", job.exc_info
    assert job.return_value() >= 1
    with app.app_context():
        stored = db.session.execute(db.select(Match).filter_by(company_id=company_id)).scalars().all()
        assert any(match.track_id is not None for match in stored)
    connection.flushdb()


def test_queueing_without_redis_says_so_and_how_to_go_on(app, runner, monkeypatch):
    from assessment.cli.match import match_cli

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    result = runner.invoke(match_cli, ["run", "--queue"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot take the job" in result.output and "run without --queue" in result.output


def test_updating_suggestions_goes_to_the_queue_when_a_worker_listens_and_runs_here_otherwise(app, db_session):
    from assessment.jobs import refresh_all_recommendations

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    add_track("REFRESH-1", dimension_weights={"data_security": 1.0})
    submit_company()
    assert refresh_all_recommendations(REDIS_URL) > 0  # no worker: computed here, nothing left waiting
    assert Queue("bussola", connection=connection).count == 0
    worker = SimpleWorker([Queue("bussola", connection=connection)], connection=connection)
    worker.register_birth()
    try:
        assert refresh_all_recommendations(REDIS_URL) is None
        assert Queue("bussola", connection=connection).count == 1
    finally:
        worker.register_death()
        connection.flushdb()
    assert refresh_all_recommendations("redis://127.0.0.1:1/0") > 0  # Redis down: computed here too
