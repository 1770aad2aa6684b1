"""The attendance register of a session (the trainer coach and admins) and the check-in with the room's code."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from assessment.extensions import db
from assessment.models import Attendance, AttendanceSource, Certificate, Registration
from assessment.services.attendance import registration_completion
from tests.training_factories import make_edition, registration_form


def _registered(client, db_session, edition, n: int = 2) -> list[Registration]:
    for i in range(n):
        client.post(f"/formazione/{edition.id}", data=registration_form(email=f"p{i}@example.org"))
    return list(db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)
                                   .order_by(Registration.id)).scalars())


def _held(db_session, edition) -> None:
    """The sessions' days have come (registration was while they were ahead): the register takes presence only
    from a session's day."""
    shift = edition.sessions[-1].on_date - date.today() + timedelta(days=1)
    for session in edition.sessions:
        session.on_date -= shift
    db_session.commit()


def test_trainer_marks_presence_with_partial_times_and_completion_follows(client, db_session, login_as,
                                                                         make_user):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id, sessions=2)
    first, second = _registered(client, db_session, edition)
    _held(db_session, edition)
    login_as(trainer)
    session = edition.sessions[0]
    page = client.get(f"/coach/formazione/incontri/{session.id}")
    assert page.status_code == 200 and session.check_in_code in page.get_data(as_text=True)
    response = client.post(f"/coach/formazione/incontri/{session.id}", data={
        f"present-{first.id}": "1", f"present-{second.id}": "1", f"arrived-{second.id}": "10:00",
        f"left-{second.id}": "12:00"})
    assert response.status_code == 302
    records = {a.registration_id: a for a in db.session.execute(
        db.select(Attendance).filter_by(session_id=session.id)).scalars()}
    assert records[first.id].is_present and records[first.id].recorded_by_id == trainer.id
    assert (records[second.id].arrived_at, records[second.id].left_at) == (time(10), time(12))
    client.post(f"/coach/formazione/incontri/{edition.sessions[1].id}", data={f"present-{first.id}": "1"})
    db.session.expire_all()
    assert registration_completion(db.session.get(Registration, first.id)).is_completed  # 8 of 8 hours
    partial = registration_completion(db.session.get(Registration, second.id))
    assert (partial.attended_hours, partial.is_completed) == (2.0, False)
    assert edition.title in client.get("/coach/formazione").get_data(as_text=True)


def test_departure_before_arrival_is_refused(client, db_session, login_as, make_user):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id)
    [registration] = _registered(client, db_session, edition, 1)
    _held(db_session, edition)
    login_as(trainer)
    response = client.post(f"/coach/formazione/incontri/{edition.sessions[0].id}", data={
        f"present-{registration.id}": "1", f"arrived-{registration.id}": "11:00", f"left-{registration.id}": "10:00"})
    assert response.status_code == 400 and "dopo l&#39;arrivo" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Attendance).filter_by(registration_id=registration.id)).first() is None


@pytest.mark.parametrize(("arrived", "left"), [("9 e mezza", "12:00"), ("11:00", "10:00")])
def test_a_refused_register_shows_again_what_was_typed(client, db_session, login_as, make_user, arrived, left):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id)
    first, second = _registered(client, db_session, edition)
    _held(db_session, edition)
    login_as(trainer)
    response = client.post(f"/coach/formazione/incontri/{edition.sessions[0].id}", data={
        f"present-{first.id}": "1", f"arrived-{first.id}": arrived, f"left-{first.id}": left,
        f"present-{second.id}": "1", f"arrived-{second.id}": "10:15"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'id="present-{first.id}"[^>]*checked', page)
    assert re.search(rf'id="present-{second.id}"[^>]*checked', page)
    assert f'name="arrived-{first.id}" value="{arrived}"' in page and f'name="left-{first.id}" value="{left}"' in page
    assert f'name="arrived-{second.id}" value="10:15"' in page
    assert db.session.execute(db.select(Attendance).filter_by(session_id=edition.sessions[0].id)).first() is None


@pytest.mark.parametrize(("arrived", "left"), [("07:00", ""), ("", "13:30"), ("13:00", ""), ("08:00", "12:00")])
def test_times_outside_the_session_are_refused_with_the_values_kept(client, db_session, login_as, make_user,
                                                                     arrived, left):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id, start=time(9), end=time(13))
    first, second = _registered(client, db_session, edition)
    _held(db_session, edition)
    login_as(trainer)
    response = client.post(f"/coach/formazione/incontri/{edition.sessions[0].id}", data={
        f"present-{first.id}": "1", f"arrived-{first.id}": arrived, f"left-{first.id}": left,
        f"present-{second.id}": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "arrivo e uscita vanno tra le 09:00 e le 13:00" in page
    assert page.count('class="error"') == 1  # on the row at fault only
    assert f'name="arrived-{first.id}" value="{arrived}"' in page and f'name="left-{first.id}" value="{left}"' in page
    assert db.session.execute(db.select(Attendance).filter_by(session_id=edition.sessions[0].id)).first() is None


def test_the_session_bounds_themselves_are_accepted(client, db_session, login_as, make_user):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id, start=time(9), end=time(13))
    [registration] = _registered(client, db_session, edition, 1)
    _held(db_session, edition)
    login_as(trainer)
    response = client.post(f"/coach/formazione/incontri/{edition.sessions[0].id}", data={
        f"present-{registration.id}": "1", f"arrived-{registration.id}": "09:00", f"left-{registration.id}": "13:00"})
    assert response.status_code == 302


def test_a_late_check_in_left_as_it_was_does_not_block_the_register(client, db_session, login_as, make_user):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id, start=time(9), end=time(13))
    late, other = _registered(client, db_session, edition)
    _held(db_session, edition)
    session = edition.sessions[0]
    db_session.add(Attendance(registration_id=late.id, session_id=session.id, is_present=True,
                              arrived_at=time(13, 10), source=AttendanceSource.check_in))  # in the 15 minutes after
    db_session.commit()
    login_as(trainer)
    response = client.post(f"/coach/formazione/incontri/{session.id}", data={
        f"present-{late.id}": "1", f"arrived-{late.id}": "13:10", f"present-{other.id}": "1"})
    assert response.status_code == 302


def test_no_presence_before_the_sessions_day(client, db_session, login_as, make_user):
    """Presence is evidence: marking a session a week ahead issued and mailed attestati at once."""
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id, sessions=1)
    [registration] = _registered(client, db_session, edition, 1)
    login_as(trainer)
    session = edition.sessions[0]
    assert "non si è ancora svolto" in client.get(f"/coach/formazione/incontri/{session.id}").get_data(as_text=True)
    response = client.post(f"/coach/formazione/incontri/{session.id}", data={f"present-{registration.id}": "1"})
    assert response.status_code == 400 and "le presenze si registrano dal giorno dell" in response.get_data(
        as_text=True)
    assert db.session.execute(db.select(Attendance).filter_by(session_id=session.id)).first() is None
    assert db.session.execute(db.select(Certificate)).first() is None


def test_only_the_trainer_and_admins_keep_the_register(client, db_session, login_as, make_user):
    trainer = make_user("coach")
    edition = make_edition(db_session, trainer_user_id=trainer.id)
    url = f"/coach/formazione/incontri/{edition.sessions[0].id}"
    assert client.get(url).status_code == 302  # not signed in: to the login
    login_as("coach")  # another coach
    assert client.get(url).status_code == 404
    login_as("admin")
    assert client.get(url).status_code == 403  # the coach's section is for coaches
    assert client.get(f"/admin/formazione/incontri/{edition.sessions[0].id}").status_code == 200


@pytest.fixture
def running_session(db_session, monkeypatch):
    """An edition whose first session runs now on the programme's clock (a fixed moment)."""
    now = datetime(2031, 5, 6, 10, 30)
    monkeypatch.setattr("assessment.public.training.local_now", lambda: now)
    monkeypatch.setattr("assessment.public.training.local_today", lambda: now.date() - timedelta(days=10))
    monkeypatch.setattr("assessment.coach.training_views.local_today", lambda: now.date())  # the register's day
    monkeypatch.setattr("assessment.services.attendance.local_today", lambda: now.date())
    edition = make_edition(db_session, first_on=now.date(), sessions=1, start=time(9), end=time(13))
    return edition, now


def test_check_in_with_the_code_during_the_session(client, db_session, running_session):
    edition, _now = running_session
    [registration] = _registered(client, db_session, edition, 1)
    code = edition.sessions[0].check_in_code
    response = client.post("/formazione/presenza", data={"email": "P0@example.org", "code": code.lower()})
    assert response.status_code == 302
    record = db.session.execute(db.select(Attendance).filter_by(registration_id=registration.id)).scalar_one()
    assert record.registration_id == registration.id and record.is_present
    assert record.source == AttendanceSource.check_in and record.arrived_at == time(10, 30)  # late: from now
    from assessment.models import AuditEntry

    [entry] = db.session.execute(db.select(AuditEntry).filter_by(action="attendance_checked_in")).scalars()
    assert entry.details["registration_id"] == registration.id and entry.details["arrived_at"] == "10:30:00"
    client.post("/formazione/presenza", data={"email": "P0@example.org", "code": code})  # again: no change
    assert db.session.execute(db.select(db.func.count(AuditEntry.id)).filter_by(
        action="attendance_checked_in")).scalar_one() == 1


def test_check_in_after_being_marked_absent_counts_from_the_check_in(client, db_session, login_as, make_user,
                                                                      running_session):
    edition, _now = running_session
    [registration] = _registered(client, db_session, edition, 1)
    session = edition.sessions[0]
    login_as("admin")
    db_session.commit()
    client.post(f"/admin/formazione/incontri/{session.id}", data={})  # the register: absent
    record = db.session.execute(db.select(Attendance).filter_by(registration_id=registration.id)).scalar_one()
    assert not record.is_present
    response = client.post("/formazione/presenza", data={"email": "p0@example.org", "code": session.check_in_code})
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.is_present and record.arrived_at == time(10, 30) and record.source == AttendanceSource.check_in
    assert registration_completion(db.session.get(Registration, registration.id)).attended_hours == 2.5


def test_check_in_gives_one_answer_for_a_wrong_code_a_stranger_or_a_closed_window(client, db_session,
                                                                                 running_session, monkeypatch):
    edition, now = running_session
    _registered(client, db_session, edition, 1)
    code = edition.sessions[0].check_in_code
    wrong_code = client.post("/formazione/presenza", data={"email": "p0@example.org", "code": "ZZZZZZ"})
    stranger = client.post("/formazione/presenza", data={"email": "nobody@example.org", "code": code})
    monkeypatch.setattr("assessment.public.training.local_now", lambda: now.replace(hour=13, minute=16))
    too_late = client.post("/formazione/presenza", data={"email": "p0@example.org", "code": code})
    pages = [r.get_data(as_text=True) for r in (wrong_code, stranger, too_late)]
    assert all(r.status_code == 200 for r in (wrong_code, stranger, too_late))
    assert all("Codice non valido in questo momento" in p for p in pages)
    assert db.session.execute(db.select(Attendance).filter_by(session_id=edition.sessions[0].id)).first() is None


def test_the_register_service_itself_refuses_a_session_not_held_yet(db_session, make_user):
    from assessment.domain.errors import InvalidField
    from assessment.services.attendance import RegisterEntry, save_register

    edition = make_edition(db_session, sessions=1)  # a month ahead
    with pytest.raises(InvalidField) as refused:
        save_register(edition.sessions[0], [RegisterEntry(1, True, None, None)], make_user("coach"))
    assert refused.value.field == "session"
