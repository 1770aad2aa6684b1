"""Admin pages of training editions: create with sessions, edit, copy, cancel with mails; access by role."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from assessment.extensions import db
from assessment.models import EditionStatus, Registration, RegistrationStatus, TrainingEdition
from tests.training_factories import mails, make_edition, make_track, registration_form


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _form(track, **overrides) -> dict:
    day = date.today() + timedelta(days=40)
    data = {"track_id": track.id, "title": "Vendere online, edizione di Ivrea", "description": "",
            "place": "Ivrea, Via Jervis 22", "online_url": "", "capacity": "12", "trainer_user_id": "0",
            "trainer_name": "Laura Bianchi", "registration_deadline_on": "", "min_attendance_percent": "70",
            "sessions-0-on_date": day.isoformat(), "sessions-0-start_time": "09:00",
            "sessions-0-end_time": "13:00", "sessions-1-on_date": (day + timedelta(days=7)).isoformat(),
            "sessions-1-start_time": "14:00", "sessions-1-end_time": "18:00"}
    data.update(overrides)
    return data


def test_admin_creates_an_edition_with_its_sessions(client, db_session, login_as):
    login_as("admin")
    track = make_track(db_session)
    db_session.commit()
    response = client.post("/admin/formazione/nuova", data=_form(track))
    assert response.status_code == 302
    edition = db.session.execute(db.select(TrainingEdition).filter_by(track_id=track.id)).scalar_one()
    assert (edition.capacity, edition.trainer_name, edition.min_attendance_percent) == (12, "Laura Bianchi", 70)
    assert [(s.start_time, s.end_time) for s in edition.sessions] == [(time(9), time(13)), (time(14), time(18))]
    assert all(len(s.check_in_code) == 6 for s in edition.sessions)
    page = client.get(f"/admin/formazione/{edition.id}").get_data(as_text=True)
    assert "Vendere online, edizione di Ivrea" in page and "14:00" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sessions-0-end_time": "08:00"}, "La fine deve venire dopo l&#39;inizio"),
    ({"trainer_user_id": "COACH"}, "non entrambi"),
    ({"place": "", "online_url": ""}, "link per seguire online"),
    ({"min_attendance_percent": "120"}, "min_attendance_percent"),
    ({"sessions-0-on_date": "", "sessions-0-start_time": "", "sessions-0-end_time": "",
      "sessions-1-on_date": "", "sessions-1-start_time": "", "sessions-1-end_time": ""}, "almeno un incontro"),
])
def test_wrong_edition_is_a_form_error(client, db_session, login_as, make_user, overrides, message):
    login_as("admin")
    track = make_track(db_session)
    coach = make_user("coach")
    db_session.commit()
    if overrides.get("trainer_user_id") == "COACH":
        overrides = {**overrides, "trainer_user_id": str(coach.id)}
    response = client.post("/admin/formazione/nuova", data=_form(track, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True) or 'id="min_attendance_percent-error"' in \
        response.get_data(as_text=True)
    assert db.session.execute(db.select(TrainingEdition).filter_by(track_id=track.id)).first() is None


def test_more_seats_promote_the_waiting_list(client, db_session, login_as, outbox):
    edition = make_edition(db_session, capacity=1)
    client.post(f"/formazione/{edition.id}", data=registration_form(email="a@example.org"))
    client.post(f"/formazione/{edition.id}", data=registration_form(email="b@example.org"))
    login_as("admin")
    form = client.get(f"/admin/formazione/{edition.id}").get_data(as_text=True)
    listed = form.split('id="people-title"', 1)[1]
    assert listed.index("a@example.org") < listed.index("b@example.org") and "in lista d" in listed
    data = _form(edition.track, title=edition.title, capacity="2", trainer_name="")
    for i, session in enumerate(edition.sessions):
        data.update({f"sessions-{i}-session_id": str(session.id), f"sessions-{i}-on_date": session.on_date.isoformat(),
                     f"sessions-{i}-start_time": "09:00", f"sessions-{i}-end_time": "13:00"})
    assert client.post(f"/admin/formazione/{edition.id}", data=data).status_code == 302
    statuses = sorted(r.status.value for r in db.session.execute(
        db.select(Registration).filter_by(edition_id=edition.id)).scalars())
    assert statuses == ["confirmed", "confirmed"]
    assert mails(outbox)[-1]["To"] == "b@example.org" and "liberato" in mails(outbox)[-1]["Subject"]
    assert len(db.session.get(TrainingEdition, edition.id).sessions) == 2  # the same sessions, not new ones


def test_cancelling_an_edition_mails_everyone_registered(client, db_session, login_as, outbox):
    edition = make_edition(db_session, capacity=1)
    client.post(f"/formazione/{edition.id}", data=registration_form(email="a@example.org"))
    client.post(f"/formazione/{edition.id}", data=registration_form(email="b@example.org"))
    login_as("admin")
    response = client.post(f"/admin/formazione/{edition.id}/annulla")
    assert response.status_code == 302
    assert db.session.get(TrainingEdition, edition.id).status == EditionStatus.cancelled
    told = [m for m in mails(outbox) if "annullata" in m["Subject"]]
    assert sorted(m["To"] for m in told) == ["a@example.org", "b@example.org"]
    assert b"STATUS:CANCELLED" in told[0].get_payload()[1].get_payload(decode=True)
    assert client.get(f"/formazione/{edition.id}").status_code == 404
    assert edition.title not in client.get("/formazione").get_data(as_text=True)


def test_copying_an_edition_moves_its_sessions_to_the_new_first_date(client, db_session, login_as):
    source = make_edition(db_session, sessions=3, registration_deadline_on=date.today() + timedelta(days=20))
    client.post(f"/formazione/{source.id}", data=registration_form())
    login_as("admin")
    new_first = source.sessions[0].on_date + timedelta(days=100)
    response = client.post(f"/admin/formazione/{source.id}/copia", data={"first_on": new_first.isoformat()})
    assert response.status_code == 302
    copy = db.session.execute(db.select(TrainingEdition).where(
        TrainingEdition.track_id == source.track_id, TrainingEdition.id != source.id)).scalar_one()
    assert [s.on_date for s in copy.sessions] == [s.on_date + timedelta(days=100) for s in source.sessions]
    assert copy.registration_deadline_on == source.registration_deadline_on + timedelta(days=100)
    assert copy.title == source.title and copy.capacity == source.capacity
    assert {s.check_in_code for s in copy.sessions}.isdisjoint({s.check_in_code for s in source.sessions})
    assert db.session.execute(db.select(Registration).filter_by(edition_id=copy.id)).first() is None


@pytest.mark.parametrize("url", ["/admin/formazione", "/admin/formazione/nuova"])
def test_admin_pages_are_for_admins(client, db_session, login_as, url):
    assert client.get(url).status_code == 302  # to the login
    login_as("coach")
    assert client.get(url).status_code == 403


def test_admin_list_queries_do_not_grow_with_editions(client, db_session, login_as, count_queries):
    login_as("admin")
    make_edition(db_session)
    with count_queries() as one:
        client.get("/admin/formazione")
    for _ in range(20):
        make_edition(db_session)
    with count_queries() as many:
        assert client.get("/admin/formazione").status_code == 200
    assert many.count == one.count


def test_unknown_edition_is_404(client, db_session, login_as):
    login_as("admin")
    assert client.get("/admin/formazione/999999").status_code == 404
    assert client.get("/formazione/999999").status_code == 404
    assert RegistrationStatus.confirmed  # the enum is importable from models


def test_a_new_time_sends_everyone_registered_the_updated_calendar(client, db_session, login_as, outbox):
    from icalendar import Calendar

    from tests.training_factories import ics_of

    edition = make_edition(db_session, capacity=1, sessions=1)
    client.post(f"/formazione/{edition.id}", data=registration_form(email="a@example.org"))
    client.post(f"/formazione/{edition.id}", data=registration_form(email="b@example.org"))
    first_sequence = Calendar.from_ical(ics_of(mails(outbox)[0])).walk("VEVENT")[0]["SEQUENCE"]
    login_as("admin")
    session = edition.sessions[0]
    data = _form(edition.track, title=edition.title, capacity="1", trainer_name="",
                 **{"sessions-0-session_id": str(session.id), "sessions-0-on_date": session.on_date.isoformat(),
                    "sessions-0-start_time": "10:00", "sessions-0-end_time": "13:00", "sessions-1-on_date": "",
                    "sessions-1-start_time": "", "sessions-1-end_time": ""})
    assert client.post(f"/admin/formazione/{edition.id}", data=data).status_code == 302
    updated = {m["To"]: m for m in mails(outbox) if "Calendario aggiornato" in m["Subject"]}
    assert sorted(updated) == ["a@example.org", "b@example.org"]
    event = Calendar.from_ical(ics_of(updated["a@example.org"])).walk("VEVENT")[0]
    from zoneinfo import ZoneInfo

    assert event.decoded("DTSTART").astimezone(ZoneInfo("Europe/Rome")).time() == time(10)
    assert event["SEQUENCE"] >= first_sequence
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(Calendar.from_ical(ics_of(updated["b@example.org"])).walk("VEVENT")[0]["STATUS"]) == "TENTATIVE"
    count = len(mails(outbox))
    assert client.post(f"/admin/formazione/{edition.id}", data=data).status_code == 302  # nothing changed
    assert len(mails(outbox)) == count


def _edit_data(edition, **overrides) -> dict:
    """The edit form as the page fills it for `edition`, with overrides."""
    data = _form(edition.track, title=edition.title, capacity=str(edition.capacity), trainer_name="",
                 **{"sessions-1-on_date": "", "sessions-1-start_time": "", "sessions-1-end_time": ""})
    for i, session in enumerate(edition.sessions):
        data.update({f"sessions-{i}-session_id": str(session.id), f"sessions-{i}-on_date": session.on_date.isoformat(),
                     f"sessions-{i}-start_time": session.start_time.strftime("%H:%M"),
                     f"sessions-{i}-end_time": session.end_time.strftime("%H:%M")})
    data.update(overrides)
    return data


@pytest.mark.parametrize("field", ["sessions-0-on_date", "registration_deadline_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-30"])
def test_a_day_outside_the_programmes_calendar_is_a_form_error(client, db_session, login_as, field, day):
    login_as("admin")
    track = make_track(db_session)
    db_session.commit()
    response = client.post("/admin/formazione/nuova", data=_form(track, **{field: day}))
    assert response.status_code == 200 and "Data fuori dal calendario del programma" in response.get_data(as_text=True)
    assert db.session.execute(db.select(TrainingEdition).filter_by(track_id=track.id)).first() is None
    assert client.get("/admin/formazione").status_code == 200


@pytest.mark.parametrize(("first_on", "message"), [
    ("9999-12-30", "Data fuori dal calendario"), ("0001-01-01", "Data fuori dal calendario"),
    ("2020-01-01", "comincia oggi o più avanti"), ("", "obbligatorio"), ("abc", "Non è una data valida")])
def test_a_copy_to_an_impossible_or_past_day_is_a_form_error(client, db_session, login_as, first_on, message):
    source = make_edition(db_session, sessions=2)
    login_as("admin")
    response = client.post(f"/admin/formazione/{source.id}/copia", data={"first_on": first_on})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert db.session.execute(db.select(TrainingEdition).where(
        TrainingEdition.track_id == source.track_id, TrainingEdition.id != source.id)).first() is None


def test_a_cancelled_edition_is_no_longer_changed_nor_cancelled_twice(client, db_session, login_as, outbox):
    edition = make_edition(db_session, sessions=1)
    client.post(f"/formazione/{edition.id}", data=registration_form(email="a@example.org"))
    login_as("admin")
    client.post(f"/admin/formazione/{edition.id}/annulla")
    sent = len(mails(outbox))
    data = _edit_data(edition, **{"sessions-0-start_time": "10:00"})
    response = client.post(f"/admin/formazione/{edition.id}", data=data)
    assert response.status_code == 200 and "Edizione annullata: non si modifica più" in response.get_data(as_text=True)
    assert db.session.get(TrainingEdition, edition.id).sessions[0].start_time == time(9)
    page = client.post(f"/admin/formazione/{edition.id}/annulla", follow_redirects=True).get_data(as_text=True)
    assert "era già annullata" in page
    assert len(mails(outbox)) == sent  # nobody told again, no calendar brought back



def test_seats_cannot_fall_below_the_people_confirmed(client, db_session, login_as):
    edition = make_edition(db_session, capacity=3, sessions=1)
    for n in range(2):
        client.post(f"/formazione/{edition.id}", data=registration_form(email=f"p{n}@example.org"))
    login_as("admin")
    db_session.commit()  # the admin's account outlives the view's rollback of a refused form
    response = client.post(f"/admin/formazione/{edition.id}", data=_edit_data(edition, capacity="1"))
    assert response.status_code == 200 and "Ci sono più persone con posto confermato" in response.get_data(as_text=True)
    assert db.session.get(TrainingEdition, edition.id).capacity == 3
    assert client.post(f"/admin/formazione/{edition.id}", data=_edit_data(edition, capacity="2")).status_code == 302


def test_a_session_with_attendance_is_not_moved(client, db_session, login_as, outbox):
    from tests.web.training_data import add_person, attend, register

    edition = make_edition(db_session, sessions=2)
    attend(register(add_person(), edition), edition.sessions[:1])
    login_as("admin")
    db_session.commit()
    response = client.post(f"/admin/formazione/{edition.id}", data=_edit_data(edition, **{
        "sessions-0-start_time": "10:30"}))
    assert response.status_code == 200 and "ha già presenze registrate" in response.get_data(as_text=True)
    assert db.session.get(TrainingEdition, edition.id).sessions[0].start_time == time(9)
    # The other session, without records, still moves.
    moved = _edit_data(edition, **{"sessions-1-start_time": "10:00"})
    assert client.post(f"/admin/formazione/{edition.id}", data=moved).status_code == 302


def test_every_save_of_an_edition_raises_the_calendars_sequence(client, db_session, login_as, outbox):
    from icalendar import Calendar

    from tests.training_factories import ics_of

    edition = make_edition(db_session, capacity=5, sessions=1)
    client.post(f"/formazione/{edition.id}", data=registration_form(email="a@example.org"))
    login_as("admin")
    db_session.commit()
    session = edition.sessions[0]

    def save(start: str) -> None:  # the same minute each time: the old SEQUENCE did not move
        data = _form(edition.track, title=edition.title, capacity="5", trainer_name="",
                     **{"sessions-0-session_id": str(session.id), "sessions-0-on_date": session.on_date.isoformat(),
                        "sessions-0-start_time": start, "sessions-0-end_time": "13:00", "sessions-1-on_date": "",
                        "sessions-1-start_time": "", "sessions-1-end_time": ""})
        assert client.post(f"/admin/formazione/{edition.id}", data=data).status_code == 302

    save("10:00")
    save("11:00")
    assert client.post(f"/admin/formazione/{edition.id}/annulla").status_code == 302
    sequences = [Calendar.from_ical(ics_of(m)).walk("VEVENT")[0]["SEQUENCE"] for m in mails(outbox)]
    assert len(sequences) == 4 and sequences == sorted(set(sequences))  # registration, two updates, cancellation


def test_an_edition_already_held_is_not_cancelled(client, db_session, login_as, outbox):
    """Its registers are the funder's evidence and its completions count: cancelling it voided every attestato
    and took its people out of the people trained."""
    from tests.web.training_data import add_person, attend, register

    edition = make_edition(db_session, sessions=2)
    attend(register(add_person(), edition), edition.sessions[:1])
    login_as("admin")
    db_session.commit()
    form = client.get(f"/admin/formazione/{edition.id}").get_data(as_text=True)
    assert "si è già svolta, almeno in parte" in form and "Annulla l&#39;edizione e avvisa" not in form
    page = client.post(f"/admin/formazione/{edition.id}/annulla", follow_redirects=True).get_data(as_text=True)
    assert "si è già svolta, almeno in parte" in page
    assert db.session.get(TrainingEdition, edition.id).status != EditionStatus.cancelled
    assert not any("annullata" in (m["Subject"] or "").lower() for m in mails(outbox))
    # its sessions still to come can be cancelled one by one
    remaining = _edit_data(edition, **{"sessions-1-is_cancelled": "y"})
    assert client.post(f"/admin/formazione/{edition.id}", data=remaining).status_code == 302


def test_once_attestati_are_issued_the_sessions_are_fixed(client, db_session, login_as, outbox):
    from assessment.models import Certificate
    from assessment.services.certificates import issue_due_certificates
    from tests.web.training_data import add_person, attend, register

    edition = make_edition(db_session, sessions=1)
    attend(register(add_person(), edition), edition.sessions)
    assert issue_due_certificates(edition.id)
    login_as("admin")
    db_session.commit()
    later = (edition.sessions[0].on_date + timedelta(days=14)).isoformat()
    added = _edit_data(edition, **{"sessions-1-on_date": later, "sessions-1-start_time": "09:00",
                                   "sessions-1-end_time": "13:00"})
    response = client.post(f"/admin/formazione/{edition.id}", data=added)
    assert response.status_code == 200 and "sono già stati rilasciati attestati" in response.get_data(as_text=True)
    assert len(db.session.get(TrainingEdition, edition.id).sessions) == 1
    assert db.session.execute(db.select(Certificate)).scalar_one() is not None
    # the rest of the edition (its title, its place) is still edited
    assert client.post(f"/admin/formazione/{edition.id}", data=_edit_data(edition, title="Nuovo titolo")
                       ).status_code == 302


def test_registrations_close_by_the_last_session(client, db_session, login_as):
    track = make_track(db_session)
    login_as("admin")
    db_session.commit()
    last = date.today() + timedelta(days=47)
    response = client.post("/admin/formazione/nuova", data=_form(track, registration_deadline_on=(
        last + timedelta(days=1)).isoformat()))
    assert response.status_code == 200 and "entro l&#39;ultimo incontro" in response.get_data(as_text=True)
    assert client.post("/admin/formazione/nuova", data=_form(track, registration_deadline_on=last.isoformat())
                       ).status_code == 302
