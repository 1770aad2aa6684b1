"""A person registers for a training edition on a phone-sized screen and gets the mail with a valid calendar."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from assessment.extensions import db
from assessment.models import ThematicArea, Track, TrackFormat, TrainingEdition, TrainingSession
from tests.browser.conftest import click_and_wait
from tests.factories import vat_number
from tests.training_factories import body_of, ics_of, mails

pytestmark = pytest.mark.browser


@pytest.fixture
def edition(app):
    suffix = uuid.uuid4().hex[:8]
    first_on = date.today() + timedelta(days=30)
    with app.app_context():
        if db.session.get(ThematicArea, "browser_training") is None:
            db.session.add(ThematicArea(key="browser_training", name_it="Formazione di prova",
                                        name_en="Test training"))
        track = Track(code=f"BRW-{suffix}", title_it="Percorso di prova", title_en="Test track",
                      thematic_area_key="browser_training", format=TrackFormat.workshop)
        row = TrainingEdition(track=track, title=f"Laboratorio al telefono {suffix}", capacity=5,
                              place="Ivrea, Via Jervis 22")
        row.sessions = [TrainingSession(on_date=first_on, start_time=time(9), end_time=time(12, 30),
                                        check_in_code="BRW001"),
                        TrainingSession(on_date=first_on + timedelta(days=7), start_time=time(14),
                                        end_time=time(17), check_in_code="BRW002")]
        db.session.add(row)
        db.session.commit()
        found = (row.id, row.title, first_on)
        db.session.remove()
    return found


def test_a_person_registers_on_a_phone_and_gets_a_valid_calendar(live_server, browser, app, edition):
    edition_id, title, first_on = edition
    email = f"telefono-{uuid.uuid4().hex[:8]}@example.org"
    context = browser.new_context(locale="it-IT", viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/formazione")
        click_and_wait(page.get_by_role("link", name=title))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
        page.get_by_label("Nome e cognome").fill("Giulia Ferraris")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Ruolo nell'impresa").fill("responsabile acquisti")
        page.get_by_label("Impresa (ragione sociale)").fill("Ferraris Snc")
        page.get_by_label("Partita IVA dell'impresa").fill(vat_number())
        page.get_by_label("Ho letto l'informativa privacy", exact=False).check()
        click_and_wait(page.get_by_role("button", name="Iscriviti"))
        assert page.get_by_role("heading", name="Richiesta ricevuta").is_visible()
    finally:
        context.close()
    [message] = [m for m in mails(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == email]
    assert title in message["Subject"] and "/formazione/annulla/" in body_of(message)
    calendar = Calendar.from_ical(ics_of(message))
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    rome = ZoneInfo(app.config["TIMEZONE"])
    assert [e.decoded("DTSTART").astimezone(rome).replace(tzinfo=None) for e in events] == [
        datetime.combine(first_on, time(9)), datetime.combine(first_on + timedelta(days=7), time(14))]
    assert events[0].decoded("DTEND").astimezone(rome).time() == time(12, 30)
    assert all(str(e["SUMMARY"]) == title for e in events) and len({str(e["UID"]) for e in events}) == 2


def test_training_pages_pass_axe_and_fit_320px(live_server, browser, app, edition):
    from assessment.services.users import create_user
    from tests.browser.test_accessibility import NARROW, check_page

    edition_id, _title, _first_on = edition
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        trainer, _ = create_user(f"trainer-{tag}@example.org", "coach", password="formatore-2026")
        admin, _ = create_user(f"training-admin-{tag}@example.org", "admin", password="formatore-2026")
        row = db.session.get(TrainingEdition, edition_id)
        row.trainer_user_id = trainer.id
        session_id = row.sessions[0].id
        db.session.commit()
        emails = (trainer.email, admin.email)
        db.session.remove()
    problems: list[str] = []
    for email, pages in ((None, ["/formazione", f"/formazione/{edition_id}", "/formazione/presenza"]),
                         (emails[0], ["/coach/formazione", f"/coach/formazione/incontri/{session_id}"]),
                         (emails[1], ["/admin/formazione", f"/admin/formazione/{edition_id}",
                                      f"/admin/formazione/{edition_id}/copia"])):
        context = browser.new_context(locale="it-IT", bypass_csp=True, viewport=NARROW)
        page = context.new_page()
        if email:
            page.goto(live_server + "/login")
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password").fill("formatore-2026")
            click_and_wait(page.get_by_role("button", name="Entra"))
        for path in pages:
            page.goto(live_server + path)
            check_page(page, path, problems)
        if email is None:  # the form sent back with its mistakes
            page.goto(f"{live_server}/formazione/{edition_id}")
            click_and_wait(page.get_by_role("button", name="Iscriviti"))
            check_page(page, "registration with errors", problems)
        context.close()
    assert not problems, "\n".join(problems)
