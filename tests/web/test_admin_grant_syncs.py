"""The admin's «Aggiornamenti del catalogo»: the sync log, «Sincronizza ora», the stale-catalogue warning."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from assessment.extensions import db
from assessment.models import AlertRound, Grant, GrantSync, SyncOutcome, utcnow
from tests.fake_solr import solr_docs

SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own, emptied by the test
NO_REDIS = "redis://127.0.0.1:1/0"
NEVER = "Il catalogo nazionale dei bandi non è mai stato sincronizzato"
OLD = "Il catalogo nazionale dei bandi non è aggiornato"


def add_sync(days_ago: float = 0, outcome: SyncOutcome = SyncOutcome.succeeded, **values) -> GrantSync:
    finished = utcnow() - timedelta(days=days_ago)
    sync = GrantSync(source_url="https://www.incentivi.gov.it/solr/coredrupal/select", outcome=outcome,
                     started_at=finished - timedelta(seconds=40), finished_at=finished, **values)
    db.session.add(sync)
    db.session.flush()
    return sync


@pytest.fixture
def portal(app, monkeypatch, fake_solr):
    fake_solr.docs = solr_docs(json.loads(SAMPLE.read_text(encoding="utf-8")))
    for name, value in (("INCENTIVI_SOLR_URL", fake_solr.url), ("INCENTIVI_PAGE_SIZE", 2),
                        ("INCENTIVI_RETRIES", 1), ("INCENTIVI_BACKOFF", 0), ("REDIS_URL", NO_REDIS)):
        monkeypatch.setitem(app.config, name, value)
    return fake_solr


def test_the_log_shows_each_run_with_its_figures_and_errors(client, login_as, db_session):
    login_as("admin")
    add_sync(2, seen=5980, found=5980, pages=12, new=14, amended=31, withdrawn=3, reappeared=1, rejected=2,
             rejections=[["4711", "Data_chiusura: not a date: 'presto'"]])
    add_sync(1, SyncOutcome.failed, pages=3, found=5990, error="page 4 (start=1500): too many 500 error responses")
    add_sync(0.5, is_dry_run=True, seen=5990, found=5990, new=2)
    page = client.get("/admin/bandi/aggiornamenti").get_data(as_text=True)
    assert "<h1>Aggiornamenti del catalogo</h1>" in page
    assert "page 4 (start=1500): too many 500 error responses" in page and "non riuscita" in page
    assert "5980 / 5980" in page and "4711: Data_chiusura: not a date" in page
    assert "prova, nulla scritto" in page and "Sincronizza ora" in page
    assert 'href="/admin/bandi/aggiornamenti"' in client.get("/admin/bandi").get_data(as_text=True)


def test_the_log_page_costs_the_same_queries_for_one_run_or_fifty(client, login_as, db_session, count_queries):
    login_as("admin")
    add_sync(1)
    client.get("/admin/bandi/aggiornamenti")
    with count_queries() as one:
        assert client.get("/admin/bandi/aggiornamenti").status_code == 200
    for n in range(49):
        add_sync(1 + n / 10, SyncOutcome.failed if n % 3 else SyncOutcome.succeeded, error="x" if n % 3 else None)
    with count_queries() as fifty:
        client.get("/admin/bandi/aggiornamenti")
    assert fifty.count == one.count


@pytest.mark.parametrize("url", ["/admin/", "/admin/imprese", "/admin/bandi", "/admin/token-api"])
def test_every_admin_page_warns_when_the_catalogue_was_never_synced(client, login_as, db_session, url):
    login_as("admin")
    page = client.get(url).get_data(as_text=True)
    assert NEVER in page and 'href="/admin/bandi/aggiornamenti"' in page


def test_the_warning_follows_the_last_good_sync(client, login_as, db_session):
    login_as("admin")
    add_sync(4)
    page = client.get("/admin/imprese").get_data(as_text=True)
    assert OLD in page and "più di 3 giorni fa" in page
    add_sync(0.1, SyncOutcome.failed, error="down")  # a failure is no good sync
    add_sync(0.1, is_dry_run=True)  # neither is a dry run
    assert OLD in client.get("/admin/imprese").get_data(as_text=True)
    add_sync(2.9)
    page = client.get("/admin/imprese").get_data(as_text=True)
    assert OLD not in page and NEVER not in page


def test_sync_now_runs_here_without_a_worker(client, login_as, db_session, portal):
    login_as("admin")
    page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
    assert "Catalogo sincronizzato: 5 nuovi, 0 modificati, 0 ritirati." in page
    assert db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one() == 5
    assert NEVER not in page and "5980" not in page


def test_sync_now_without_a_worker_follows_up_as_the_worker_does(client, login_as, db_session, portal):
    """The same follow-up wherever the sync runs: the alert round after the recomputation (it used to run only in
    the worker and after `grants sync`)."""
    login_as("admin")
    client.post("/admin/bandi/aggiornamenti/sincronizza")
    rounds = db.session.execute(db.select(AlertRound.trigger)).scalars().all()
    assert rounds == ["sync"]
    client.post("/admin/bandi/aggiornamenti/sincronizza")  # nothing changed: still one round a sync
    assert db.session.execute(db.select(db.func.count(AlertRound.id))).scalar_one() == 2


def test_sync_now_says_when_it_failed_and_changed_nothing(client, login_as, db_session, portal):
    login_as("admin")
    portal.fail(500, 500, start=0)
    page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
    assert "Sincronizzazione non riuscita: nessun bando è stato modificato." in page
    assert "too many 500 error responses" in page
    assert db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one() == 0
    assert db.session.execute(db.select(GrantSync.outcome)).scalar_one() == SyncOutcome.failed


def test_sync_now_goes_to_the_queue_when_a_worker_listens(app, client, login_as, db_session, portal, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    worker = SimpleWorker([Queue("bussola", connection=connection)], connection=connection)
    worker.register_birth()
    login_as("admin")
    try:
        page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
        assert "Sincronizzazione avviata in background" in page
        queue = Queue("bussola", connection=connection)
        assert queue.job_ids == ["grant-sync"]
        page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
        assert "Una sincronizzazione è già in corso o in attesa" in page and queue.count == 1
    finally:
        worker.register_death()
        connection.flushdb()
    assert db.session.execute(db.select(db.func.count()).select_from(GrantSync)).scalar_one() == 0  # not run here


def test_sync_now_needs_its_csrf_token(app, client, login_as, db_session, portal, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production
    login_as("admin")
    assert client.post("/admin/bandi/aggiornamenti/sincronizza").status_code == 400
    assert portal.requests == []
    page = client.get("/admin/bandi/aggiornamenti").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/admin/bandi/aggiornamenti/sincronizza", data={"csrf_token": token})
    assert response.status_code == 302 and len(portal.requests) == 3


def test_coaches_cannot_sync(client, login_as, db_session, portal):
    login_as("coach")
    assert client.get("/admin/bandi/aggiornamenti").status_code == 403
    assert client.post("/admin/bandi/aggiornamenti/sincronizza").status_code == 403
    assert portal.requests == []


def test_the_grant_page_shows_its_history(client, login_as, db_session, fake_solr):
    from assessment.services.grant_sync import sync_national_catalogue
    from assessment.services.incentivi_client import FetchSettings

    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    login_as("admin")
    settings = FetchSettings(url=fake_solr.url, page_size=10, retries=0, backoff=0)
    fake_solr.docs = solr_docs(records)
    sync_national_catalogue(db.session, settings)
    fake_solr.docs = solr_docs([dict(records[0], Data_chiusura="2024-07-31T00:00:00"), *records[2:]])
    sync_national_catalogue(db.session, settings)
    db.session.commit()
    amended = db.session.execute(db.select(Grant).filter_by(external_id=records[0]["ID_Incentivo"])).scalar_one()
    page = client.get(f"/admin/bandi/{amended.id}").get_data(as_text=True)
    assert "Storia sul catalogo" in page and "modificato" in page
    assert "<code>closes_on</code>: 2024-06-29 → 2024-07-31" in page
    gone = db.session.execute(db.select(Grant).filter_by(external_id=records[1]["ID_Incentivo"])).scalar_one()
    page = client.get(f"/admin/bandi/{gone.id}").get_data(as_text=True)
    assert "Non più nel catalogo nazionale dal" in page
    assert 'badge bad">ritirato' in client.get("/admin/bandi").get_data(as_text=True)
