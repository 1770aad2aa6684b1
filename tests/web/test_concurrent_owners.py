"""Owners submitting at the same moment: every submission stored, none told the service is down.

The app runs on a database of its own (a SQLite file, or a scratch PostgreSQL database when the suite runs on
PostgreSQL), served over real HTTP: by Werkzeug's threaded server (what `make run` uses) in this process, and by
`gunicorn -w 2` (two processes, what production runs). Clients post complete assessments to the API and walk the
questionnaire's form pages (CSRF tokens included) to a result page action, while programme managers log in, open
a company's page (which writes an audit line on GET) and save a note: all released at the same instant.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from assessment import create_app
from assessment.extensions import db
from assessment.models import Assessment, AssessmentStatus, AuditEntry, Company, Note
from assessment.services.questionnaires import latest_version, questionnaire_of, sync_questionnaires
from assessment.services.users import create_user
from tests.factories import answers_for, profile, submit_company, vat_number

API_OWNERS = 12
FORM_OWNERS = 6
MANAGERS = 2
PASSWORD = "concurrent owners password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture(scope="module")
def scratch_url(database_url, tmp_path_factory):
    """A migrated database of this module's own: the servers below commit for real."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('concurrent') / 'owners.sqlite'}"
        admin = name = None
    else:
        name = f"concurrent_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    app = _app(url, tmp_path_factory.mktemp("concurrent-instance"))
    with app.app_context():
        upgrade()
        sync_questionnaires()
        for n in range(MANAGERS):
            create_user(f"manager{n}@example.org", "admin", f"Manager {n}", password=PASSWORD)
        db.session.commit()
        db.engine.dispose()
    yield url
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(url: str, instance: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "concurrent-owners", "RATELIMIT_ENABLED": False,
                       "INSTANCE_DIR": str(instance), "MAIL_OUTBOX_DIR": str(instance / "outbox")})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Owner:
    """One person's browser: its own cookies, redirects not followed (a form's answer is its redirect)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())
        self.statuses: list[tuple[str, int]] = []

    def send(self, method: str, path: str, data: bytes | None = None,
             content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str, str]:
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": content_type} if data is not None else {})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            status, headers, body = error.code, error.headers, error.read()
        self.statuses.append((f"{method} {path}", status))
        return status, headers.get("Location", ""), body.decode("utf-8", "replace")

    def page(self, path: str) -> str:
        status, _location, html = self.send("GET", path)
        assert status == 200, (path, status, html[:300])
        match = CSRF.search(html)
        return match.group(1) or match.group(2)

    def post_form(self, path: str, fields: dict, csrf: str) -> str:
        status, location, html = self.send("POST", path, urlencode({**fields, "csrf_token": csrf}, doseq=True).encode())
        assert status == 302, (path, status, html[:300])
        return location


def _submit_through_the_api(owner: Owner, questionnaire, vat: str) -> None:
    body = {"questionnaire": "dma-sme", "profile": profile(vat_number=vat), "answers": answers_for(questionnaire)}
    status, _location, text = owner.send("POST", "/api/v1/assessments", json.dumps(body).encode(), "application/json")
    assert status == 201, (status, text[:300])


def _submit_through_the_form(owner: Owner, questionnaire, vat: str) -> None:
    raw = answers_for(questionnaire, "mid")
    location = owner.post_form("/valutazione", {}, owner.page("/valutazione"))
    token = re.search(r"/valutazione/([^/]+)/1$", location).group(1)
    base = f"/valutazione/{token}"
    data = profile(vat_number=vat)
    fields = {key: data[key] for key in ("company_name", "vat_number", "ateco_code", "comune_istat", "employees")}
    fields.update(annual_turnover_eur="2000000", privacy_accepted="y", action="next")
    location = owner.post_form(f"{base}/1", fields, owner.page(f"{base}/1"))
    for step, dimension in enumerate(questionnaire.dimensions, start=2):
        assert location.endswith(f"{base}/{step}"), location
        answers = {q.key: raw[q.key] for q in dimension.questions if q.key in raw}
        location = owner.post_form(f"{base}/{step}", {**answers, "action": "next"}, owner.page(f"{base}/{step}"))
    assert location.endswith(f"/risultato/{token}"), location
    location = owner.post_form(f"/risultato/{token}/nuova-valutazione", {}, owner.page(f"/risultato/{token}"))
    assert re.search(r"/valutazione/[^/]+/1$", location), location


def _manage(owner: Owner, company_id: int, email: str) -> None:
    location = owner.post_form("/login", {"email": email, "password": PASSWORD}, owner.page("/login"))
    assert "/login" not in location, location
    csrf = owner.page(f"/admin/imprese/{company_id}")  # a GET that writes: the audit line of the view
    owner.post_form(f"/admin/imprese/{company_id}/note", {"body": f"Nota di {email}"}, csrf)


def _all_at_once(base: str, questionnaire, company_id: int) -> tuple[list[str], list[Owner], list[str]]:
    """The owners and the managers released together; returns the owners' partite IVA, everyone, the failures."""
    vats = [vat_number() for _ in range(API_OWNERS + FORM_OWNERS)]
    jobs = [(_submit_through_the_api, questionnaire, vat) for vat in vats[:API_OWNERS]]
    jobs += [(_submit_through_the_form, questionnaire, vat) for vat in vats[API_OWNERS:]]
    jobs += [(_manage, company_id, f"manager{n}@example.org") for n in range(MANAGERS)]
    people = [Owner(base) for _ in jobs]
    start = threading.Barrier(len(jobs))
    failures: list[str] = []

    def run(person: Owner, act, *args) -> None:
        start.wait()
        try:
            act(person, *args)
        except Exception as error:  # noqa: BLE001 - every failure is reported with its person's requests
            failures.append(f"{args[-1]}: {error!r} after {person.statuses[-3:]}")

    threads = [threading.Thread(target=run, args=(person, *job)) for person, job in zip(people, jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return vats, people, failures


def _assert_everything_stored(url: str, instance: Path, company_id: int, vats: list[str], owners: list[Owner],
                              failures: list[str]) -> None:
    refused = [(request, status) for owner in owners for request, status in owner.statuses if status >= 500]
    assert refused == [], refused
    assert failures == []
    app = _app(url, instance)
    with app.app_context():
        stored = db.session.execute(
            sa.select(sa.func.count(Assessment.id)).join(Company, Assessment.company_id == Company.id)
            .where(Company.vat_number.in_(vats), Assessment.status == AssessmentStatus.submitted)).scalar()
        notes = db.session.execute(sa.select(Note.body).filter_by(company_id=company_id)).scalars().all()
        views = db.session.execute(sa.select(sa.func.count(AuditEntry.id)).filter_by(
            action="view", company_id=company_id)).scalar()
        db.session.remove()
        db.engine.dispose()
    assert stored == len(vats)
    assert sorted(notes) == [f"Nota di manager{n}@example.org" for n in range(MANAGERS)]
    assert views == MANAGERS


def _before_the_rush(url: str, instance: Path):
    """The questionnaire the owners answer, and a new company for the managers to open."""
    app = _app(url, instance)
    with app.app_context():
        found = questionnaire_of(latest_version("dma-sme"))
        company_id = submit_company()[0].id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return found, company_id


def test_owners_at_once_on_the_threaded_server(scratch_url, tmp_path):
    app = _app(scratch_url, tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        questionnaire, company_id = _before_the_rush(scratch_url, tmp_path)
        vats, owners, failures = _all_at_once(f"http://127.0.0.1:{server.server_port}", questionnaire, company_id)
    finally:
        server.shutdown()
        serving.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
    _assert_everything_stored(scratch_url, tmp_path, company_id, vats, owners, failures)


def test_owners_at_once_on_gunicorn_with_two_workers(scratch_url, tmp_path):
    log_path = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": scratch_url, "APP_ENV": "development", "RATELIMIT_ENABLED": "false",
           "SECRET_KEY": "concurrent-owners", "INSTANCE_PATH": str(tmp_path),
           "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", "127.0.0.1:0",
                                   "assessment.wsgi:app"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = _wait_for_gunicorn(server, log_path)
        questionnaire, company_id = _before_the_rush(scratch_url, tmp_path)
        vats, owners, failures = _all_at_once(base, questionnaire, company_id)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert "database unavailable" not in log_path.read_text()
    _assert_everything_stored(scratch_url, tmp_path, company_id, vats, owners, failures)


def _wait_for_gunicorn(server: subprocess.Popen, log_path: Path) -> str:
    """The address gunicorn bound (port 0: the system's pick), once both workers answer."""
    deadline = time.monotonic() + 60
    base = None
    while time.monotonic() < deadline and server.poll() is None:
        log = log_path.read_text()
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log)
        if found and len(re.findall(r"Booting worker", log)) >= 2:
            base = found.group(1)
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
