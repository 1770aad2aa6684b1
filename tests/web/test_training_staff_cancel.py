"""Staff cancel a registration on the person's behalf (asked by phone, or a duplicate) from the participants
page: the seat goes to the waiting list, both people are mailed, the audit log says who did it; never once the
register shows the person present."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import AuditEntry, Registration, RegistrationStatus
from tests.training_factories import mails, make_edition, registration_form


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _full_edition(client, db_session, **values):
    edition = make_edition(db_session, capacity=1, **values)
    for address in ("anna@example.org", "bruno@example.org"):
        client.post(f"/formazione/{edition.id}", data=registration_form(email=address))
    seat, waiting = db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)
                                       .order_by(Registration.id)).scalars().all()
    assert (seat.status, waiting.status) == (RegistrationStatus.confirmed, RegistrationStatus.waiting)
    return edition, seat, waiting


def test_the_admin_cancels_for_the_person_and_the_waiting_list_moves_up(client, db_session, login_as, outbox):
    edition, seat, waiting = _full_edition(client, db_session)
    before = len(mails(outbox))
    login_as("admin")
    page = client.get(f"/admin/formazione/{edition.id}/partecipanti").get_data(as_text=True)
    assert "Lista d'attesa" in page and page.count("Annulla l'iscrizione<") == 2
    response = client.post(f"/admin/formazione/{edition.id}/iscrizioni/{seat.id}/annulla", follow_redirects=True)
    assert "Iscrizione annullata" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, seat.id).status == RegistrationStatus.cancelled
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.confirmed
    sent = mails(outbox)[before:]
    assert [(m["To"], "annullata" in m["Subject"], "liberato" in m["Subject"]) for m in sent] == [
        ("anna@example.org", True, False), ("bruno@example.org", False, True)]
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="registration_cancelled_by_staff")).scalar_one()
    assert entry.details["registration_id"] == seat.id and entry.details["promoted"] == [waiting.id]
    client.post(f"/admin/formazione/{edition.id}/iscrizioni/{seat.id}/annulla")  # again: nothing more happens
    assert len(mails(outbox)) == before + 2


def test_nobody_marked_present_is_cancelled(client, db_session, login_as, make_user, outbox, frozen_today):
    trainer = make_user("coach")
    edition, seat, _waiting = _full_edition(client, db_session, trainer_user_id=trainer.id)
    frozen_today(edition.sessions[0].on_date)  # the day of the session
    login_as(trainer)
    client.post(f"/coach/formazione/incontri/{edition.sessions[0].id}", data={f"present-{seat.id}": "1"})
    response = client.post(f"/coach/formazione/{edition.id}/iscrizioni/{seat.id}/annulla", follow_redirects=True)
    assert "risulta presente nel registro" in response.get_data(as_text=True)
    assert db.session.get(Registration, seat.id).status == RegistrationStatus.confirmed


def test_only_the_trainer_and_admins_with_the_pages_token(app, client, db_session, login_as, make_user, outbox):
    edition, seat, _waiting = _full_edition(client, db_session)
    login_as(make_user("coach"))  # not this edition's trainer
    assert client.post(f"/coach/formazione/{edition.id}/iscrizioni/{seat.id}/annulla").status_code == 404
    other = make_edition(db_session)
    login_as("admin")
    assert client.post(f"/admin/formazione/{other.id}/iscrizioni/{seat.id}/annulla").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/formazione/{edition.id}/iscrizioni/{seat.id}/annulla").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.get(Registration, seat.id).status == RegistrationStatus.confirmed
