"""A staff session ends in the database: logout, a new password and an account switched off end it everywhere;
a session left idle ends by itself. A copy of an ended session's cookie opens nothing."""
from __future__ import annotations

import time

import pytest

from assessment.auth.sessions import SEEN_KEY
from assessment.extensions import db
from assessment.models import Note
from tests.factories import propose, submit_company

PASSWORD = "correct horse battery"


@pytest.fixture
def coach_with_company(db_session, make_user):
    coach = make_user("coach", email="sessione@example.org", password=PASSWORD)
    company = submit_company(coach_contact=True)[0]
    propose(company, coach, "accepted")
    db_session.commit()
    return coach, company


def _log_in(client, email: str = "sessione@example.org") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def _notes(company) -> int:
    return db.session.execute(db.select(db.func.count(Note.id)).where(Note.company_id == company.id)).scalar_one()


def _asks_to_log_in(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_kept_from_before_logout_opens_nothing(client, coach_with_company):
    coach, company = coach_with_company
    _log_in(client)
    assert client.get("/coach/").status_code == 200
    kept = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302

    client.set_cookie("session", kept)  # the attacker's copy, replayed
    assert _asks_to_log_in(client.get("/coach/"))
    assert _asks_to_log_in(client.get(f"/coach/imprese/{company.id}"))
    assert _asks_to_log_in(client.post(f"/coach/imprese/{company.id}/note", data={"body": "Nota da un cookie vecchio"}))
    assert _notes(company) == 0

    _log_in(client)  # the real person simply logs in again
    assert client.post(f"/coach/imprese/{company.id}/note", data={"body": "Nota vera"}).status_code == 302
    assert _notes(company) == 1


def test_switching_an_account_off_ends_its_open_sessions(app, client, coach_with_company, make_user):
    coach, _company = coach_with_company
    _log_in(client)
    coach_cookie = client.get_cookie("session").value
    admin = make_user("admin", email="gestore-sessioni@example.org", password=PASSWORD)
    db.session.commit()
    with app.test_client() as admin_client:
        _log_in(admin_client, admin.email)
        assert admin_client.post(f"/admin/coach/{coach.id}/account").status_code == 302
    client.set_cookie("session", coach_cookie)
    assert _asks_to_log_in(client.get("/coach/"))


def test_a_staff_session_ends_after_the_idle_time(app, client, coach_with_company):
    _log_in(client)
    idle = app.config["STAFF_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - idle + 60  # a minute to go: still open, and the clock restarts
    assert client.get("/coach/").status_code == 200
    with client.session_transaction() as session:
        assert session[SEEN_KEY] >= int(time.time()) - 5
        session[SEEN_KEY] = int(time.time()) - idle - 1
    response = client.get("/coach/")
    assert _asks_to_log_in(response)
    assert "sessione è scaduta" in client.get(response.headers["Location"]).get_data(as_text=True)

