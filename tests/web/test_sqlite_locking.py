"""SQLite's one writer: writers wait for the lock instead of failing, readers never wait, a GET that writes runs
again with the lock, and a wait that still times out says "busy, send again", never "unavailable".

Each test holds the write lock from another connection, as a second server process would. These tests are about
the SQLite engine, so they run on a SQLite file of their own whatever database the suite runs on."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from assessment import create_app
from assessment.database import begin_mode, configure_sqlite
from assessment.extensions import db
from assessment.models import AuditEntry, Role, User
from assessment.services.questionnaires import latest_version, questionnaire_of, sync_questionnaires
from tests.factories import answers_for, profile, submit_company


@pytest.fixture(scope="module")
def database_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("locking") / "locking.sqlite"
    app = _app(path)
    with app.app_context():
        upgrade()
        sync_questionnaires()
        db.session.commit()
        db.engine.dispose()
    return path


def _app(path, busy_timeout: float = 5.0):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "locking",
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SQLITE_BUSY_TIMEOUT": busy_timeout,
                       "INSTANCE_DIR": str(path.parent), "MAIL_OUTBOX_DIR": str(path.parent / "outbox")})


@pytest.fixture
def app(database_file):
    application = _app(database_file)
    yield application
    with application.app_context():
        db.engine.dispose()


class OtherWriter:
    """Another process's connection holding SQLite's write lock until release()."""

    def __init__(self, path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("UPDATE questionnaire_versions SET id = id")  # a real pending write

    def release(self, after: float = 0.0) -> threading.Thread:
        def _release():
            time.sleep(after)
            self.connection.execute("ROLLBACK")
            self.connection.close()

        thread = threading.Thread(target=_release)
        thread.start()
        return thread


def test_the_file_is_in_wal_mode_with_foreign_keys_and_the_busy_timeout(app, database_file):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    with sqlite3.connect(database_file) as raw:  # kept in the file: any process that opens it is in WAL too
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_writer_waits_for_the_lock_and_a_reader_does_not(app, database_file):
    client = app.test_client()
    other = OtherWriter(database_file)
    try:
        assert client.get("/valutazione").status_code == 200  # read while the other still holds the lock
    except BaseException:
        other.release().join()
        raise
    began = time.monotonic()
    releasing = other.release(after=0.8)
    response = client.post("/valutazione")  # waits for the other writer, then saves
    waited = time.monotonic() - began
    releasing.join()
    assert response.status_code == 302 and "/valutazione/" in response.headers["Location"]
    assert waited >= 0.7


def test_a_lock_held_past_the_busy_timeout_says_busy_not_unavailable(database_file, caplog):
    app = _app(database_file, busy_timeout=0.2)
    client = app.test_client()
    with app.app_context():
        questionnaire = questionnaire_of(latest_version("dma-sme"))
    body = {"questionnaire": "dma-sme", "profile": profile(), "answers": answers_for(questionnaire)}
    other = OtherWriter(database_file)
    try:
        with caplog.at_level(logging.WARNING):
            page = client.post("/valutazione", headers={"Referer": "http://localhost/valutazione"})
            api = client.post("/api/v1/assessments", json=body)
    finally:
        other.release().join()
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Troppe richieste in questo momento" in html and "non disponibile" not in html
    assert 'href="/valutazione"' in html  # back to the form, to send again
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["code"] == "database_busy"
    assert "database unavailable" not in caplog.text and "database busy" in caplog.text
    # Nothing was half-saved: once the lock is free the same submission is stored.
    assert client.post("/api/v1/assessments", json=body).status_code == 201
    with app.app_context():
        db.engine.dispose()


def test_a_get_that_writes_runs_again_with_the_lock(app, database_file, caplog):
    """The admin's company page writes an audit line on GET: begun as a read, its write is refused while another
    writer holds the lock (SQLite cannot make a reader that writes wait), so the view runs again, waits, saves."""
    with app.app_context():
        admin = User(email="locking-admin@example.org", name="Admin", role=Role.admin, password_hash="x")
        db.session.add(admin)
        company, _assessment, _token = submit_company()
        db.session.commit()
        admin_session, company_id = admin.get_id(), company.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin_session
        session["_fresh"] = True
    other = OtherWriter(database_file)
    releasing: list[threading.Thread] = []

    class ReleaseOnRetry(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:  # the first run failed: let the second one through
            if "held the write lock" in record.getMessage() and not releasing:
                releasing.append(other.release(after=0.3))

    handler = ReleaseOnRetry(logging.INFO)
    app.logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            response = client.get(f"/admin/imprese/{company_id}")
    finally:
        app.logger.removeHandler(handler)
        if not releasing:
            releasing.append(other.release())
        for thread in releasing:
            thread.join()
    assert "wrote while another request held the write lock" in caplog.text
    assert response.status_code == 200
    with app.app_context():
        viewed = db.session.execute(sa.select(sa.func.count(AuditEntry.id)).filter_by(
            action="view", company_id=company_id)).scalar()
    assert viewed == 1  # once: the first run left nothing behind


def test_begin_modes(app):
    class Connection:
        def __init__(self, **options):
            self.options = options

        def get_execution_options(self):
            return self.options

    with app.test_request_context("/valutazione", method="GET"):
        assert begin_mode(Connection()) == "DEFERRED"
        assert begin_mode(Connection(sqlite_begin="IMMEDIATE")) == "IMMEDIATE"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with app.test_request_context("/valutazione", method=method):
            assert begin_mode(Connection()) == "IMMEDIATE"
    with app.app_context():  # the command line, jobs: they write
        assert begin_mode(Connection()) == "IMMEDIATE"
        assert begin_mode(Connection(sqlite_begin="DEFERRED")) == "DEFERRED"


def test_postgresql_engines_are_left_alone(app):
    engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connected
    listeners = (list(engine.pool.dispatch.connect), list(engine.dispatch.begin), list(engine.dispatch.commit))
    configure_sqlite(app, engine)
    assert (list(engine.pool.dispatch.connect), list(engine.dispatch.begin), list(engine.dispatch.commit)) == listeners
    sqlite_engine = sa.create_engine("sqlite://")
    configure_sqlite(app, sqlite_engine)  # the same call on SQLite does add them: the comparison above can fail
    assert list(sqlite_engine.dispatch.begin)
