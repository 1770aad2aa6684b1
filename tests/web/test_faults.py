"""Faults an owner must survive: the database going away, a restart, a double submit, a broken recommender or
PDF renderer. Each app here is a separate create_app() on a scratch database of its own, like a real server."""
from __future__ import annotations

import re
import threading
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from assessment import create_app
from assessment.extensions import db
from assessment.models import Answer, Assessment, AssessmentStatus, Company
from assessment.services.questionnaires import (
    latest_version,
    questionnaire_of,
    sync_questionnaires,
)
from tests.factories import answers_for, profile, vat_number


class ScratchDatabase:
    """A migrated database that a test can take away and give back.

    PostgreSQL: a database of its own on the suite's server; "down" refuses new connections and ends the open
    ones, as when the server restarts. SQLite: a file whose directory is renamed away; an open SQLite file
    keeps working after a rename, so "down" also empties the pool, as a recycled worker would.
    """

    def __init__(self, base_url: str, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.is_postgres = base_url.startswith("postgres")
        if self.is_postgres:
            url = make_url(base_url).set(drivername="postgresql+psycopg")
            self.name = f"bussola_faults_{uuid.uuid4().hex[:10]}"
            self.url = url.set(database=self.name).render_as_string(hide_password=False)
            self._admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            self._sql(f'CREATE DATABASE "{self.name}"')
        else:
            self.folder = tmp_path / "scratch-db"
            self.folder.mkdir()
            self.url = f"sqlite:///{self.folder / 'faults.sqlite'}"
        self.apps: list = []
        with self.new_app().app_context():
            upgrade()
            sync_questionnaires()
            db.session.commit()

    def _sql(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))

    def new_app(self):
        """A fresh server process, as far as the app can tell: its own app object and connection pool."""
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": "faults-secret", "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False, "INSTANCE_DIR": str(self.tmp_path),
            "MAIL_OUTBOX_DIR": str(self.tmp_path / "outbox"),
        })
        self.apps.append(app)
        return app

    def down(self) -> None:
        if self.is_postgres:
            self._sql(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
            self._sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'")
        else:
            self.folder.rename(self.folder.with_name("scratch-db-away"))
            for app in self.apps:
                with app.app_context():
                    db.engine.dispose()

    def up(self) -> None:
        if self.is_postgres:
            self._sql(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')
        elif not self.folder.exists():
            self.folder.with_name("scratch-db-away").rename(self.folder)

    def drop(self) -> None:
        for app in self.apps:
            with app.app_context():
                db.engine.dispose()
        if self.is_postgres:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin.dispose()


@pytest.fixture(scope="module")
def scratch(database_url, tmp_path_factory):
    database = ScratchDatabase(database_url, tmp_path_factory.mktemp("faults"))
    try:
        yield database
    finally:
        database.up()
        database.drop()


@pytest.fixture(scope="module")
def scratch_questionnaire(scratch):
    with scratch.apps[0].app_context():
        return questionnaire_of(latest_version("dma-sme"))


def _start(client) -> str:
    response = client.post("/valutazione")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return re.search(r"/valutazione/([^/]+)/1$", response.headers["Location"]).group(1)


def _profile_form(**overrides) -> dict:
    data = profile(**overrides)
    form = {k: v for k, v in data.items() if k not in ("privacy_accepted", "coach_contact", "email")}
    form.update(annual_turnover_eur="2000000", privacy_accepted="y", action="next")
    return form


def _page_answers(raw: dict, dimension) -> dict:
    return {**{q.key: raw[q.key] for q in dimension.questions if q.key in raw}, "action": "next"}


def _fill_all_but_last(client, questionnaire, token: str, raw: dict, vat: str) -> None:
    assert client.post(f"/valutazione/{token}/1", data=_profile_form(vat_number=vat)).status_code == 302
    for step, dimension in enumerate(questionnaire.dimensions[:-1], start=2):
        response = client.post(f"/valutazione/{token}/{step}", data=_page_answers(raw, dimension))
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]


def _assert_friendly_503(response) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "Servizio momentaneamente non disponibile" in html
    assert "Traceback" not in html and "OperationalError" not in html and "psycopg" not in html


def test_database_outage_gives_friendly_503_and_the_app_recovers_by_itself(scratch):
    app = scratch.new_app()
    client = app.test_client()
    assert client.get("/valutazione").status_code == 200
    assert client.get("/healthz").get_json()["database"] == "ok"

    scratch.down()
    try:
        _assert_friendly_503(client.get("/valutazione"))
        _assert_friendly_503(client.post("/valutazione"))
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"] == "unavailable"
        _assert_friendly_503(client.get("/valutazione"))  # still down: still friendly, never a 500
    finally:
        scratch.up()

    # No restart, no manual step: the next requests simply work again.
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok",
                                                 "version": app.config["VERSION"]}
    assert client.get("/valutazione").status_code == 200
    assert client.post("/valutazione").status_code == 302


def test_server_started_while_database_is_down_serves_once_it_returns(scratch):
    scratch.down()
    try:
        app = scratch.new_app()
        client = app.test_client()
        _assert_friendly_503(client.get("/valutazione"))
        assert client.get("/healthz").status_code == 503
    finally:
        scratch.up()
    assert client.get("/healthz").status_code == 200
    assert client.get("/valutazione").status_code == 200


def test_draft_survives_a_server_restart(scratch, scratch_questionnaire):
    questionnaire = scratch_questionnaire
    raw = answers_for(questionnaire, "mid")
    first = scratch.new_app()
    client = first.test_client()
    token = _start(client)
    assert client.post(f"/valutazione/{token}/1",
                       data=_profile_form(company_name="Forno Riavvio")).status_code == 302
    dimension = questionnaire.dimensions[0]
    assert client.post(f"/valutazione/{token}/2", data=_page_answers(raw, dimension)).status_code == 302
    with first.app_context():
        db.engine.dispose()  # the old server is gone: no connection, no session, no cookie survives

    second = scratch.new_app()
    other = second.test_client()
    response = other.get(f"/riprendi/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/valutazione/{token}/3")
    assert 'value="Forno Riavvio"' in other.get(f"/valutazione/{token}/1").get_data(as_text=True)
    page = other.get(f"/valutazione/{token}/2").get_data(as_text=True)
    answered = next(q for q in dimension.questions if q.key in raw)
    values = raw[answered.key] if isinstance(raw[answered.key], list) else [raw[answered.key]]
    for value in values:
        assert re.search(rf'<input[^>]*checked[^>]*value="{value}"|<input[^>]*value="{value}"[^>]*checked',
                         _question_block(page, answered.key)), (answered.key, value)
    for step, dim in enumerate(questionnaire.dimensions[1:], start=3):
        response = other.post(f"/valutazione/{token}/{step}", data=_page_answers(raw, dim))
        assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/risultato/{token}")
    assert other.get(f"/risultato/{token}").status_code == 200


def _question_block(html: str, key: str) -> str:
    start = html.index(f'data-question="{key}"')
    end = html.find('data-question="', start + 10)
    return html[start:end if end > 0 else len(html)]


def test_double_submit_creates_one_assessment(scratch, scratch_questionnaire):
    """Two POSTs of the last page (double click, or two tabs): one assessment, one company, one answer set.
    The two arrive at the same time, from two threads."""
    questionnaire = scratch_questionnaire
    raw = answers_for(questionnaire, "max")
    app = scratch.new_app()
    client = app.test_client()
    token = _start(client)
    vat = vat_number()
    _fill_all_but_last(client, questionnaire, token, raw, vat)
    last_step = len(questionnaire.dimensions) + 1
    last_page = _page_answers(raw, questionnaire.dimensions[-1])
    responses: list = []

    def post_last_page() -> None:
        responses.append(app.test_client().post(f"/valutazione/{token}/{last_step}", data=last_page))

    threads = [threading.Thread(target=post_last_page) for _ in range(2)]  # SQLite: the second waits for the lock
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [302, 302]
    assert all(r.headers["Location"].endswith(f"/risultato/{token}") for r in responses)
    with app.app_context():
        company = db.session.execute(db.select(Company).filter_by(vat_number=vat)).scalar_one()
        submitted = db.session.execute(db.select(Assessment).filter_by(
            company_id=company.id, status=AssessmentStatus.submitted)).scalars().all()
        assert len(submitted) == 1
        stored = db.session.execute(db.select(db.func.count(Answer.id)).filter_by(
            assessment_id=submitted[0].id)).scalar()
        assert stored == len(raw)
        db.session.remove()


# The two tests below run on the suite's own database and client: no outage involved.

@pytest.fixture
def questionnaire(app, db_session):
    return questionnaire_of(latest_version("dma-sme"))


def _complete(client, questionnaire, pick: str = "mid") -> tuple[str, dict]:
    raw = answers_for(questionnaire, pick)
    token = _start(client)
    _fill_all_but_last(client, questionnaire, token, raw, vat_number())
    last = client.post(f"/valutazione/{token}/{len(questionnaire.dimensions) + 1}",
                       data=_page_answers(raw, questionnaire.dimensions[-1]))
    assert last.status_code == 302 and last.headers["Location"].endswith(f"/risultato/{token}")
    return token, raw


def _assert_scores_shown(html: str, assessment: Assessment) -> None:
    assert "Punteggio complessivo" in html
    for stored in assessment.dimension_scores:
        assert f"{stored.score:.1f}".replace(".", ",") in html


def test_recommender_crash_keeps_answers_and_result_says_what_is_missing(client, questionnaire, monkeypatch):
    def broken(assessment):
        raise RuntimeError("recommender exploded")

    monkeypatch.setattr("assessment.services.recommendations.refresh_for_assessment", broken)
    token, raw = _complete(client, questionnaire)
    assessment = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    assert assessment.status == AssessmentStatus.submitted
    assert {a.question_key for a in assessment.answers} == set(raw)
    assert len(assessment.dimension_scores) == len(questionnaire.dimensions)
    assert assessment.recommendation_error == "RuntimeError"

    response = client.get(f"/risultato/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    _assert_scores_shown(html, assessment)
    assert "suggerimenti di percorsi e bandi non sono disponibili" in html
    assert "recommender exploded" not in html


def test_pdf_renderer_crash_keeps_the_result_and_says_the_report_is_missing(client, questionnaire, monkeypatch):
    token, raw = _complete(client, questionnaire)

    def broken(view, lang):
        raise OSError("no fonts")

    monkeypatch.setattr("assessment.public.result.render_report_pdf", broken)
    response = client.get(f"/risultato/{token}/rapporto.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/risultato/{token}")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assessment = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    assert {a.question_key for a in assessment.answers} == set(raw)
    _assert_scores_shown(html, assessment)
    assert "Il rapporto PDF non è disponibile in questo momento" in html
    assert "no fonts" not in html


@pytest.fixture
def app_with_rate_limits_unreachable(app):
    """Rate limits on, stored in a Redis that refuses connections (nothing listens on port 1)."""
    settings = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "limits-down",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    limited = create_app({**settings, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    try:
        yield limited
    finally:
        # The limiter is shared: give it back its in-memory storage, switched off, as the suite's app has it.
        create_app({**settings, "RATELIMIT_ENABLED": False})


def test_rate_limit_store_down_keeps_the_pages_up_and_the_limits_on(app_with_rate_limits_unreachable, db_session):
    # Redis holding the limits is gone: login and the owner's resume links still answer (no 500), and each
    # worker goes on counting in its own memory, so guessing stays limited.
    client = app_with_rate_limits_unreachable.test_client()
    logins = [client.post("/login", data={"email": "a@example.org", "password": "wrong-password"}).status_code
              for _ in range(12)]
    assert logins[0] == 200 and 500 not in logins and logins[-1] == 429
    resumes = [client.get(f"/riprendi/guess-{i}").status_code for i in range(65)]
    assert resumes[0] == 404 and 500 not in resumes and resumes[-1] == 429
