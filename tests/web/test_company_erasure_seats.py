"""A firm erased on request frees the seats its people held in editions not yet begun: the first of each
waiting list gets the seat and the mail that says so, as when a person cancels."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import Registration, RegistrationStatus
from tests.factories import submit_company
from tests.training_factories import mails, make_edition
from tests.web.training_data import add_person, register


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _full_edition_held_by(company, db_session):
    edition = make_edition(db_session, capacity=1)  # in the future: nothing held yet
    held = register(add_person("Anna Bianchi", company=company), edition)
    waiting = register(add_person("Bruno Neri", email="bruno@example.org"), edition, status=RegistrationStatus.waiting)
    db_session.commit()
    return held, waiting


def test_the_owner_erasing_the_firm_promotes_and_mails_the_waiting_list(client, db_session, outbox):
    company, _, token = submit_company(email="")
    held, waiting = _full_edition_held_by(company, db_session)
    client.get(f"/risultato/{token}/cancella")
    assert client.post(f"/risultato/{token}/cancella", data={"confirm": "y"}).status_code == 302
    assert db.session.get(Registration, held.id).status == RegistrationStatus.cancelled
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.confirmed
    [mail] = mails(outbox)
    assert mail["To"] == "bruno@example.org" and "liberato" in mail["Subject"]


def test_the_admin_erasing_the_firm_does_the_same(client, login_as, db_session, outbox):
    company, _, _ = submit_company(email="")
    held, waiting = _full_edition_held_by(company, db_session)
    login_as("admin")
    response = client.post(f"/admin/imprese/{company.id}/cancella", data={"confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.confirmed
    assert [m["To"] for m in mails(outbox)] == ["bruno@example.org"]
