"""Shared fixtures: one migrated database per run, each test inside a transaction that is rolled back."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from assessment import create_app
from assessment.config import sqlalchemy_url
from assessment.extensions import db
from tests.fake_solr import fake_solr  # noqa: F401 - the fixture, for every test that syncs grants

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
# The limiter is one object shared by every app a test creates: keep it off unless a test turns it on.
os.environ["RATELIMIT_ENABLED"] = "false"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return sqlalchemy_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ.setdefault("INSTANCE_PATH", str(instance))
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": None,
        "INSTANCE_DIR": str(instance),
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
    })
    with application.app_context():
        upgrade()
        from assessment.services.questionnaires import sync_questionnaires

        sync_questionnaires()
        db.session.commit()
    return application


@pytest.fixture
def db_session(app) -> Iterator:
    """Everything a test writes (commits included) lives in one outer transaction rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        engines = db.engines
        original_engine = engines[None]
        # Flask-SQLAlchemy ignores a session-level bind: point its engine map at the test connection.
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session.configure(join_transaction_mode="conditional_savepoint")
            engines[None] = original_engine
            outer.rollback()
            connection.close()


@pytest.fixture
def rate_limited_app(app):
    """An app with rate limits on; the shared limiter is switched off and emptied afterwards."""
    from assessment.extensions import limiter

    limited = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "rate-limits",
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "RATELIMIT_ENABLED": True})
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled = False


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app, db_session):
    """`with count_queries() as counter: ...` then `counter.count` is the number of SQL statements."""

    @contextmanager
    def _counter():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def _before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.count += 1
                counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", _before)

    return _counter


@pytest.fixture
def make_user(db_session):
    from assessment.models import CoachProfile, Role, User
    from assessment.services.passwords import hash_password

    counter = iter(range(1, 10_000))

    def _make(role: str = "coach", email: str | None = None, password: str = "correct horse battery",
              **profile):
        n = next(counter)
        user = User(email=email or f"{role}{n}@example.org", name=f"{role.title()} {n}", role=Role(role),
                    password_hash=hash_password(password))
        db_session.add(user)
        if role == "coach":
            user.coach_profile = CoachProfile(**profile)
        db_session.flush()
        return user

    return _make


@pytest.fixture
def login_as(client, make_user):
    def _login(role_or_user="coach"):
        user = make_user(role_or_user) if isinstance(role_or_user, str) else role_or_user
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return _login


@pytest.fixture(scope="session")
def questionnaire_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "questionnaires"


@pytest.fixture
def tmp_file():
    def _write(content: str | bytes, suffix: str) -> Path:
        mode = "wb" if isinstance(content, bytes) else "w"
        handle = tempfile.NamedTemporaryFile(mode, suffix=suffix, delete=False)
        with handle:
            handle.write(content)
        return Path(handle.name)

    return _write


def pytest_collection_modifyitems(config, items):
    """Browser tests commit through a live server: run them last so they never disturb the others."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
