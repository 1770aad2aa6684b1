"""Values PostgreSQL refuses (NUL) and other invisible control characters: refused at the form, with a message
naming the field, on SQLite as on PostgreSQL; a grant file's record carrying one is refused by name."""
from __future__ import annotations

from io import BytesIO

import pytest

from assessment.domain.grant_records import InvalidRecord, parse_local_record
from assessment.extensions import db
from assessment.models import Grant, Note
from tests.factories import propose, submit_company

REFUSED = "caratteri invisibili non ammessi"


def _notes(company) -> list[str]:
    return list(db.session.execute(db.select(Note.body).where(Note.company_id == company.id)).scalars())


@pytest.mark.parametrize("bad", ["Telefonato\x00 al titolare", "Telefonato\x07", "a\x1bb"])
def test_a_coach_note_with_a_control_character_comes_back_with_the_reason(client, login_as, make_user, bad):
    coach = make_user("coach")
    company = submit_company(coach_contact=True)[0]
    propose(company, coach, "accepted")
    login_as(coach)
    response = client.post(f"/coach/imprese/{company.id}/note", data={"body": bad})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and REFUSED in html
    assert _notes(company) == []


def test_an_admin_note_with_nul_comes_back_with_the_reason(client, login_as):
    company = submit_company()[0]
    login_as("admin")
    response = client.post(f"/admin/imprese/{company.id}/note", data={"body": "Nota\x00 del gestore"})
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert _notes(company) == []


def test_tabs_and_line_breaks_are_text(client, login_as):
    company = submit_company()[0]
    login_as("admin")
    body = "Primo punto\r\n\tsecondo punto"
    assert client.post(f"/admin/imprese/{company.id}/note", data={"body": body}).status_code == 302
    assert _notes(company) == ["Primo punto\n\tsecondo punto"]  # line breaks as the browser sends them, kept


def test_a_nul_in_the_login_form_is_a_form_error_not_a_server_error(client):
    response = client.post("/login", data={"email": "coach@example.org", "password": "pass\x00word-lunga"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)


def test_a_grant_csv_with_nul_refuses_that_record_by_name_and_imports_the_rest(client, login_as):
    login_as("admin")
    rows = ("source,external_id,title,description\r\n"
            "cciaa-nul,NUL-1,Voucher\x00 digitale,Testo\r\n"
            "cciaa-nul,NUL-2,Voucher pulito,Testo\x00 con NUL\r\n"
            "cciaa-nul,OK-3,Voucher buono,Testo pulito\r\n")
    response = client.post("/admin/bandi/carica", data={"file": (BytesIO(rows.encode()), "locali.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "title: contiene caratteri di controllo invisibili" in html
    assert "description: contiene caratteri di controllo invisibili" in html
    stored = db.session.execute(db.select(Grant.external_id).where(Grant.source == "cciaa-nul")).scalars().all()
    assert stored == ["OK-3"]


def test_the_domain_refuses_a_record_with_a_control_character_in_a_list():
    with pytest.raises(InvalidRecord, match="regions: contains control characters"):
        parse_local_record({"external_id": "X", "title": "T", "source": "s", "regions": ["Piemonte", "Lig\x00uria"]})


def test_an_error_page_after_a_failed_write_rolls_back_before_reading_the_user(database_url, tmp_path):
    """A view that saved, then failed a write, then answers an error: the page reads the logged-in user (the
    menu) only after the failed transaction is rolled back, never a PendingRollbackError and a bare 500."""
    from flask import abort
    from sqlalchemy.exc import IntegrityError

    from assessment.models import Role, User
    from tests.web.test_faults import ScratchDatabase

    scratch = ScratchDatabase(database_url, tmp_path)
    try:
        app = scratch.new_app()
        with app.app_context():
            user = User(email="rollback@example.org", name="Gestore", role=Role.admin)
            db.session.add(user)
            db.session.commit()
            session_id = user.get_id()

        def saves_then_fails():
            db.session.commit()  # an earlier step saved: the user's attributes are expired
            db.session.add(Note(company_id=None, body="orphan"))  # refused by the database (NOT NULL)
            try:
                db.session.flush()
            except IntegrityError:
                abort(404)

        app.add_url_rule("/prova-scrittura-fallita", "failed_write", saves_then_fails)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        response = client.get("/prova-scrittura-fallita")
        assert response.status_code == 404
        assert "Programma" in response.get_data(as_text=True)  # the admin's menu: the user was read after all
    finally:
        scratch.drop()
