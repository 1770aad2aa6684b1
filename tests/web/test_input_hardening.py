"""Hostile input: oversized bodies are refused with a clear answer, and HTML or SQL typed into text fields is
stored as plain text and always shown escaped."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError, IntegrityError

from assessment import create_app
from assessment.extensions import db
from assessment.models import Company, Note
from tests.factories import profile, propose, submit_company

HOSTILE = '<script>alert("x")</script> Forno"); DROP TABLE companies;--'


def test_oversized_bodies_get_413_not_500(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    big = "x" * 20_000
    page = client.post("/valutazione", data={"padding": big})
    assert page.status_code == 413 and page.mimetype == "text/html"
    api = client.post("/api/v1/assessments", data=big, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"]["status"] == 413


def test_html_and_sql_in_text_fields_are_kept_as_text_and_escaped(client, login_as):
    company, _assessment, token = submit_company(company_name=HOSTILE)
    assert db.session.get(Company, company.id).name == HOSTILE  # stored as typed, nothing executed
    assert db.session.execute(db.select(db.func.count(Company.id))).scalar() >= 1  # the table is still there
    result = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "<script>alert" not in result and "&lt;script&gt;alert" in result
    coach = login_as("coach")
    propose(company, coach)
    client.post(f"/coach/imprese/{company.id}/note", data={"body": "<img src=x onerror=alert(1)>"})
    assert db.session.execute(db.select(Note.body).filter_by(company_id=company.id)).scalar_one().startswith("<img")
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page and "<script>alert" not in page
    login_as("admin")
    listing = client.get("/admin/imprese").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;alert" in listing


def test_hostile_profile_through_the_api_is_refused_or_escaped(client):
    answers = {}
    response = client.post("/api/v1/assessments", json={"questionnaire": "dma-sme",
                                                         "profile": profile(vat_number="<b>1</b>"),
                                                         "answers": answers})
    assert response.status_code == 422
    assert "profile.vat_number" in response.get_json()["error"]["fields"]


HUGE = "9" * 23  # beyond any database integer


def test_absurd_page_numbers_and_ids_in_admin_lists_answer_normally(client, login_as):
    login_as("admin")
    for url in ("/admin/imprese", "/admin/audit", "/admin/percorsi", "/admin/territori", "/admin/coach",
                "/admin/bandi"):
        for page in (HUGE, "-5", "0"):
            assert client.get(f"{url}?page={page}").status_code == 200, (url, page)
    filtered = client.get(f"/admin/audit?company_id={HUGE}")
    assert filtered.status_code == 200 and 'class="error"' in filtered.get_data(as_text=True)


@pytest.mark.parametrize("refusal, status, heading, code", [
    # A value the database cannot hold is the request's fault; a write colliding with another is a race.
    (DataError("UPDATE companies SET employees = %(e)s", {"e": 10**20}, ValueError("integer out of range")),
     400, "Richiesta non valida", "invalid_value"),
    (IntegrityError("INSERT INTO companies ...", {}, ValueError("duplicate key value: vat_number")),
     409, "Dati appena cambiati", "conflict"),
])
def test_what_the_database_refuses_is_said_as_such_not_as_an_outage(database_url, tmp_path, refusal, status,
                                                                      heading, code):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "refusals",
                      "RATELIMIT_ENABLED": False, "INSTANCE_DIR": str(tmp_path)})

    def refused():
        raise refusal

    app.add_url_rule("/prova-rifiuto", "refused_page", refused)
    app.add_url_rule("/api/v1/prova-rifiuto", "refused_api", refused)
    client = app.test_client()
    page = client.get("/prova-rifiuto")
    assert page.status_code == status and heading in page.get_data(as_text=True)
    api = client.get("/api/v1/prova-rifiuto")
    assert api.status_code == status and api.get_json()["error"]["code"] == code


@pytest.mark.parametrize("role, url", [
    ("admin", "/admin/percorsi/99999999999999999999"), ("admin", "/admin/imprese/9223372036854775808"),
    ("coach", "/coach/imprese/99999999999999999999"), ("admin", "/admin/account/99999999999999999999/stato"),
])
def test_an_id_no_column_can_hold_is_not_found(client, login_as, role, url):
    login_as(role)
    response = client.post(url) if url.endswith("/stato") else client.get(url)
    assert response.status_code == 404
