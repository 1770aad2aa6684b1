"""The admin's «Aggiornamenti del catalogo»: the sync log, «Sincronizza ora», the stale-catalogue warning."""
from __future__ import annotations

import html
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


def test_the_pages_admins_share_with_coaches_warn_too(client, login_as, db_session):
    """The company page and the training register are the coach's templates, shown in the admin section."""
    from tests.factories import submit_company
    from tests.training_factories import make_edition

    login_as("admin")
    company = submit_company()[0]
    edition = make_edition(db_session)
    for url in (f"/admin/imprese/{company.id}", f"/admin/formazione/{edition.id}/partecipanti",
                f"/admin/formazione/incontri/{edition.sessions[0].id}"):
        page = client.get(url).get_data(as_text=True)
        assert NEVER in page and 'class="card stale-catalogue"' in page, url
    login_as("coach")
    assert NEVER not in client.get("/coach/").get_data(as_text=True)  # coaches cannot sync: not theirs


def test_before_the_first_sync_the_warning_gives_the_bundled_snapshots_day(client, login_as, db_session):
    """Owners read "Bandi aggiornati al 25/09/2026" from the snapshot: admins are told the same day and its age,
    not that the owners see only the grants loaded by hand."""
    from datetime import date

    from assessment.clock import local_today
    from assessment.models import GrantSnapshot

    login_as("admin")
    db.session.add(GrantSnapshot(file_name="incentivi_gov_it_live_2026-09-25.json", source="incentivi.gov.it",
                                 taken_on=date(2026, 9, 25), records=102))
    db.session.flush()
    page = html.unescape(client.get("/admin/imprese").get_data(as_text=True))
    age = (local_today() - date(2026, 9, 25)).days
    assert f"le imprese vedono i bandi dell'istantanea del 25/09/2026, di {age} giorni fa." in page
    assert "caricati a mano" not in page
    db.session.execute(db.update(GrantSnapshot).values(taken_on=local_today() - timedelta(days=3)))
    assert "stale-catalogue" not in client.get("/admin/imprese").get_data(as_text=True)  # 3 days: still current


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
    assert "Ultima sincronizzazione riuscita:" in page and ", 5 bandi letti." in page
    assert db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one() == 5
    assert NEVER not in page and "5980" not in page


def test_sync_now_counts_in_words_with_the_calls_back_on_the_catalogue(client, login_as, db_session, portal):
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    login_as("admin")
    client.post("/admin/bandi/aggiornamenti/sincronizza")
    portal.docs = solr_docs([dict(records[0], Titolo="Nuovo titolo"), *records[2:]])
    page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
    assert "Catalogo sincronizzato: 0 nuovi, 1 modificato, 1 ritirato." in page
    portal.docs = solr_docs([dict(records[0], Titolo="Nuovo titolo"), *records[1:]])
    page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
    assert "Catalogo sincronizzato: 0 nuovi, 0 modificati, 0 ritirati, 1 ricomparso." in page


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
    flashed = re.search(r'<p class="flash flash-error">(.*?)</p>', page).group(1)
    assert flashed.startswith("Sincronizzazione non riuscita: nessun bando è stato modificato. Il portale "
                              "incentivi.gov.it ha risposto con un errore.")
    assert "too many" not in flashed  # the technical detail is the log's, below
    assert "too many 500 error responses" in page
    assert db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one() == 0
    assert db.session.execute(db.select(GrantSync.outcome)).scalar_one() == SyncOutcome.failed


@pytest.mark.parametrize("answers, reason", [
    (["malformed"], "ha inviato una risposta che non si riesce a leggere"),
    ([("found", 99)], "Il catalogo è cambiato mentre veniva letto"),
])
def test_sync_now_says_why_in_words(client, login_as, db_session, portal, answers, reason):
    login_as("admin")
    portal.fail(*answers, start=2)
    page = client.post("/admin/bandi/aggiornamenti/sincronizza", follow_redirects=True).get_data(as_text=True)
    assert reason in re.search(r'<p class="flash flash-error">(.*?)</p>', page).group(1)


def test_sync_now_without_a_worker_does_not_keep_the_admin_waiting_for_the_full_backoff(
        app, client, login_as, db_session, portal, monkeypatch):
    """The daily job retries five times over about a minute; an admin on the page gets one retry, short waits."""
    monkeypatch.setitem(app.config, "INCENTIVI_RETRIES", 5)
    monkeypatch.setitem(app.config, "INCENTIVI_BACKOFF", 0.01)
    login_as("admin")
    portal.fail(*[500] * 10, start=0)
    client.post("/admin/bandi/aggiornamenti/sincronizza")
    assert len(portal.requests) == 2  # the try and one retry
    assert db.session.execute(db.select(GrantSync.error)).scalar_one().endswith("after 1 retries")


def test_the_settings_for_a_waiting_person_shorten_only_the_waits():
    from assessment.services.incentivi_client import FetchSettings

    daily = FetchSettings(url="https://example.org/select", page_size=500, connect_timeout=10, read_timeout=60,
                          retries=5, backoff=2)
    waiting = daily.while_waiting()
    assert (waiting.retries, waiting.backoff, waiting.connect_timeout, waiting.read_timeout) == (1, 0.5, 5, 30)
    assert (waiting.url, waiting.page_size, waiting.user_agent) == (daily.url, 500, daily.user_agent)
    assert FetchSettings(url="x", retries=0, backoff=0).while_waiting().retries == 0


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
    assert "Chiusura: 29/06/2024 → 31/07/2024" in page  # the field's label, the days as the page writes them
    assert "Ultima volta nel catalogo:" in page
    gone = db.session.execute(db.select(Grant).filter_by(external_id=records[1]["ID_Incentivo"])).scalar_one()
    page = client.get(f"/admin/bandi/{gone.id}").get_data(as_text=True)
    assert "Non più nel catalogo nazionale dal" in page
    assert 'badge bad">ritirato' in client.get("/admin/bandi").get_data(as_text=True)


def test_no_transaction_is_open_while_the_portal_is_read(client, login_as, db_session, portal, monkeypatch):
    """On SQLite an open writing transaction holds the one write lock: while the portal is read (a minute for
    the real catalogue) owners saving their answers would wait, then fail."""
    import assessment.services.grant_sync as grant_sync

    real_fetch, open_during_fetch = grant_sync.fetch_catalogue, []

    def watched_fetch(settings):
        open_during_fetch.append(db.session().in_transaction())
        return real_fetch(settings)

    monkeypatch.setattr(grant_sync, "fetch_catalogue", watched_fetch)
    login_as("admin")
    db.session.commit()
    response = client.post("/admin/bandi/aggiornamenti/sincronizza")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert open_during_fetch == [False]
    log = db.session.execute(db.select(GrantSync)).scalar_one()
    assert log.outcome == SyncOutcome.succeeded and log.started_at < log.finished_at
