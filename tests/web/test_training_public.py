"""Public training pages: the list by area, registration with seat or waiting list, mails with the calendar,
the cancel link and promotion, no enumeration of people or firms."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar

from assessment.extensions import db
from assessment.models import Participant, Registration, RegistrationStatus
from tests.factories import submit_company, vat_number
from tests.training_factories import body_of, ics_of, mails, make_edition, make_track, registration_form


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _register(client, edition, **overrides):
    data = registration_form(**overrides)
    return client.post(f"/formazione/{edition.id}", data=data), data


def _cancel_link(message) -> str:
    return re.search(r"/formazione/annulla/[\w-]+", body_of(message)).group(0)


def test_list_groups_editions_by_area_upcoming_first(client, db_session):
    digital = make_track(db_session, "digital_innovation")
    green = make_track(db_session, "green_transition")
    later = make_edition(db_session, track=digital, title="Edizione di maggio", first_on=date.today() + timedelta(60))
    sooner = make_edition(db_session, track=digital, title="Edizione di marzo", first_on=date.today() + timedelta(10))
    make_edition(db_session, track=green, title="Edizione verde")
    make_edition(db_session, track=digital, title="Edizione passata", first_on=date.today() - timedelta(60))
    html = client.get("/formazione").get_data(as_text=True)
    assert html.index(sooner.title) < html.index(later.title)
    assert "Edizione verde" in html and "Edizione passata" not in html
    assert html.index("Area digital_innovation") < html.index(sooner.title)


def test_registration_confirms_a_seat_and_mails_the_calendar_and_cancel_link(client, db_session, outbox):
    edition = make_edition(db_session, capacity=2)
    response, data = _register(client, edition)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/formazione/{edition.id}/grazie")
    registration = db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).scalar_one()
    assert registration.status == RegistrationStatus.confirmed
    assert registration.participant.email == data["email"] and registration.participant.privacy_consent_at
    [message] = mails(outbox)
    assert message["To"] == data["email"] and "confermata" in message["Subject"]
    calendar = Calendar.from_ical(ics_of(message))
    events = calendar.walk("VEVENT")
    assert len(events) == 2 and str(events[0]["SUMMARY"]) == edition.title
    first = edition.sessions[0]
    start = events[0].decoded("DTSTART")
    assert start.utcoffset() is not None  # an instant, not a floating time
    assert start.astimezone().date() == first.on_date
    assert client.get(_cancel_link(message)).status_code == 200


def test_full_edition_puts_people_on_the_waiting_list_and_a_cancellation_promotes_the_first(
        client, db_session, outbox):
    edition = make_edition(db_session, capacity=1)
    _register(client, edition, email="prima@example.org")
    _register(client, edition, email="seconda@example.org")
    _register(client, edition, email="terza@example.org")
    statuses = {r.participant.email: r.status for r in db.session.execute(
        db.select(Registration).filter_by(edition_id=edition.id)).scalars()}
    assert statuses == {"prima@example.org": RegistrationStatus.confirmed,
                        "seconda@example.org": RegistrationStatus.waiting,
                        "terza@example.org": RegistrationStatus.waiting}
    sent = mails(outbox)
    assert "attesa" in sent[1]["Subject"] and "posizione 1" in body_of(sent[1])
    assert "posizione 2" in body_of(sent[2])
    link = _cancel_link(sent[0])
    assert client.post(link).status_code == 302
    statuses = {r.participant.email: r.status for r in db.session.execute(
        db.select(Registration).filter_by(edition_id=edition.id)).scalars()}
    assert statuses["prima@example.org"] == RegistrationStatus.cancelled
    assert statuses["seconda@example.org"] == RegistrationStatus.confirmed
    assert statuses["terza@example.org"] == RegistrationStatus.waiting
    promoted = mails(outbox)[-1]
    assert promoted["To"] == "seconda@example.org" and "liberato" in promoted["Subject"]
    assert client.post(link).status_code == 200  # a second click changes nothing
    assert len(mails(outbox)) == 4


def test_someone_marked_present_cannot_cancel_with_their_link(client, db_session, outbox):
    """The register keeps what happened: a completed person cancelling afterwards voided their attestato and
    left the people trained."""
    from assessment.models import Attendance

    edition = make_edition(db_session, capacity=1)
    _register(client, edition, email="presente@example.org")
    link = _cancel_link(mails(outbox)[0])
    registration = db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).scalar_one()
    db_session.add(Attendance(registration_id=registration.id, session_id=edition.sessions[0].id, is_present=True))
    db_session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "Risulti presente nel registro" in page and "Annulla l&#39;iscrizione</button>" not in page
    assert client.post(link).status_code == 200
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.confirmed


def test_nobody_is_promoted_into_an_edition_already_over(client, db_session, outbox, frozen_today):
    edition = make_edition(db_session, capacity=1, sessions=1)
    _register(client, edition, email="posto@example.org")
    _register(client, edition, email="attesa@example.org")
    link = _cancel_link(mails(outbox)[0])
    frozen_today(edition.sessions[0].on_date + timedelta(days=30))
    assert client.post(link).status_code == 302
    statuses = {r.participant.email: r.status for r in db.session.execute(
        db.select(Registration).filter_by(edition_id=edition.id)).scalars()}
    assert statuses["attesa@example.org"] == RegistrationStatus.waiting
    assert not any("liberato" in m["Subject"] for m in mails(outbox))


def test_unknown_cancel_link_is_404(client, db_session):
    assert client.get("/formazione/annulla/not-a-real-token").status_code == 404


def test_same_page_whether_the_firm_or_the_person_is_known(client, db_session, outbox):
    company, _assessment, _token = submit_company()
    edition = make_edition(db_session)
    known, _data = _register(client, edition, vat_number=company.vat_number, email="a@example.org")
    unknown, _data = _register(client, edition, vat_number=vat_number(), email="b@example.org")
    again, _data = _register(client, edition, vat_number=vat_number(), email="a@example.org")
    assert known.headers["Location"] == unknown.headers["Location"] == again.headers["Location"]
    thanks = client.get(known.headers["Location"]).get_data(as_text=True)
    assert company.name not in thanks
    people = {p.email: p for p in db.session.execute(db.select(Participant).where(
        Participant.email.in_(["a@example.org", "b@example.org"]))).scalars()}
    assert people["a@example.org"].company_id == company.id
    new_firm = people["b@example.org"].company  # a firm new to the programme: a company without assessment
    assert new_firm is not None and not new_firm.has_profile and new_firm.assessments == []
    assert db.session.execute(db.select(db.func.count()).select_from(Registration).filter_by(
        edition_id=edition.id)).scalar() == 2
    to_a = [m for m in mails(outbox) if m["To"] == "a@example.org"]
    assert len(to_a) == 2 and all("confermata" in m["Subject"] for m in to_a)  # told in the mail, not the page


def test_registering_again_issues_a_new_cancel_link_and_the_old_one_stops(client, db_session, outbox):
    edition = make_edition(db_session)
    _register(client, edition, email="due@example.org")
    _register(client, edition, email="due@example.org")
    first, second = mails(outbox)
    assert client.get(_cancel_link(first)).status_code == 404
    assert client.get(_cancel_link(second)).status_code == 200


def test_registering_again_without_a_mail_keeps_the_old_link(client, db_session, outbox, monkeypatch):
    import assessment.public.training as views

    edition = make_edition(db_session)
    _register(client, edition, email="tre@example.org")
    monkeypatch.setattr(views, "_mailbox_has_room", lambda email: False)  # the per-address mail limit reached
    response, _data = _register(client, edition, email="tre@example.org")
    assert response.status_code == 302
    [first] = mails(outbox)  # no second mail
    assert client.get(_cancel_link(first)).status_code == 200


def test_registering_again_when_the_mail_fails_keeps_the_old_link(client, db_session, outbox, monkeypatch):
    import assessment.services.training_mail as training_mail

    edition = make_edition(db_session)
    _register(client, edition, email="quattro@example.org")
    monkeypatch.setattr(training_mail, "send_mail", lambda *args, **kwargs: False)  # the mail server refuses it
    _register(client, edition, email="quattro@example.org")
    [first] = mails(outbox)
    assert client.get(_cancel_link(first)).status_code == 200


def test_wrong_partita_iva_is_a_form_error(client, db_session):
    edition = make_edition(db_session)
    response, _data = _register(client, edition, vat_number="12345678901")
    assert response.status_code == 200 and "cifra di controllo" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_privacy_consent_is_required(client, db_session):
    edition = make_edition(db_session)
    response, _data = _register(client, edition, privacy="")
    assert response.status_code == 200
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_closed_edition_takes_no_registration(client, db_session):
    edition = make_edition(db_session, registration_deadline_on=date.today() - timedelta(days=1))
    page = client.get(f"/formazione/{edition.id}").get_data(as_text=True)
    assert "Le iscrizioni a questa edizione sono chiuse" in page
    _register(client, edition)
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_list_queries_do_not_grow_with_editions(client, db_session, count_queries):
    track = make_track(db_session)
    make_edition(db_session, track=track)
    with count_queries() as one:
        client.get("/formazione")
    for _ in range(49):
        make_edition(db_session, track=make_track(db_session, "area_b"))
    with count_queries() as fifty:
        assert client.get("/formazione").status_code == 200
    assert fifty.count == one.count


def test_registration_and_check_in_are_rate_limited(rate_limited_app):
    client = rate_limited_app.test_client()
    statuses = [client.post("/formazione/999999", data={}).status_code for _ in range(11)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429
    statuses = [client.post("/formazione/presenza", data={}).status_code for _ in range(61)]
    assert statuses[-1] == 429 and 429 not in statuses[:60]  # a classroom of 30 on one Wi-Fi gets in


def test_guessing_cancel_links_is_rate_limited(rate_limited_app):
    client = rate_limited_app.test_client()
    statuses = [client.get(f"/formazione/annulla/guess-{n}").status_code for n in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[-1] == 429


def test_the_public_form_never_renames_a_known_person(client, db_session, outbox):
    edition = make_edition(db_session)
    other = make_edition(db_session)
    _register(client, edition, email="vera@example.org", name="Vera Bianchi", firm_name="Bianchi Srl")
    _register(client, other, email="vera@example.org", name="Qualcun Altro", firm_name="Altra Impresa")
    person = db.session.execute(db.select(Participant).filter_by(email="vera@example.org")).scalar_one()
    assert (person.name, person.firm_name) == ("Vera Bianchi", "Bianchi Srl")
    assert len(person.registrations) == 2 and mails(outbox)[-1]["To"] == "vera@example.org"
