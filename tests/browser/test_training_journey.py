"""The whole of a training on phone-sized screens: one person registers for two editions, the trainer marks
presence on the register, the certificate arrives and verifies, and the dashboard counts the person once."""
from __future__ import annotations

import re
import uuid
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from assessment.extensions import db
from assessment.models import (
    Certificate,
    Registration,
    ThematicArea,
    Track,
    TrackFormat,
    TrainingEdition,
    TrainingSession,
)
from assessment.services.users import create_user
from tests.browser.conftest import click_and_wait
from tests.factories import vat_number
from tests.training_factories import body_of, mails

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "it-IT"}
PASSWORD = "formatrice-2026"


@pytest.fixture
def two_editions(app):
    """Two one-session editions of two tracks, a month ahead, kept by the same trainer."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        if db.session.get(ThematicArea, "browser_training") is None:
            db.session.add(ThematicArea(key="browser_training", name_it="Formazione di prova",
                                        name_en="Test training"))
        trainer, _ = create_user(f"formatrice-{tag}@example.org", "coach", password=PASSWORD)
        editions = []
        for n in (1, 2):
            track = Track(code=f"JRN-{tag}-{n}", title_it=f"Percorso {n}", title_en=f"Track {n}",
                          thematic_area_key="browser_training", format=TrackFormat.workshop)
            edition = TrainingEdition(track=track, title=f"Edizione {n} {tag}", capacity=5, place="Ivrea",
                                      trainer_user_id=trainer.id)
            edition.sessions = [TrainingSession(on_date=date.today() + timedelta(days=30 + n), start_time=time(9),
                                                end_time=time(12), check_in_code=f"J{tag[:5]}{n}".upper())]
            editions.append(edition)
        db.session.add_all(editions)
        db.session.commit()
        found = trainer.email, [(e.id, e.title, e.sessions[0].id) for e in editions]
        db.session.remove()
    return found


def people_trained(app) -> int:
    from assessment.services.training_figures import training_figures

    with app.app_context():
        figure = training_figures(date.today()).people_trained
        db.session.remove()
        return figure


def test_register_mark_presence_verify_the_certificate_and_count_once(live_server, browser, app, two_editions):
    trainer_email, editions = two_editions
    email = f"giulia-{uuid.uuid4().hex[:8]}@example.org"
    firm = vat_number()
    before = people_trained(app)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    for _id, title, _session in editions:  # the same person, the same firm, both editions
        page.goto(live_server + "/formazione")
        click_and_wait(page.get_by_role("link", name=title))
        page.get_by_label("Nome e cognome").fill("Giulia Ferraris")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Ruolo nell'impresa").fill("titolare")
        page.get_by_label("Impresa (ragione sociale)").fill("Ferraris Snc")
        page.get_by_label("Partita IVA dell'impresa").fill(firm)
        page.get_by_label("Ho letto l'informativa privacy", exact=False).check()
        click_and_wait(page.get_by_role("button", name="Iscriviti"))
        assert page.get_by_role("heading", name="Richiesta ricevuta").is_visible()
    context.close()

    with app.app_context():  # the day of the sessions has come
        for _id, _title, session_id in editions:
            db.session.get(TrainingSession, session_id).on_date = date.today() - timedelta(days=1)
        db.session.commit()
        db.session.remove()

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill(trainer_email)
    page.get_by_label("Password").fill(PASSWORD)
    click_and_wait(page.get_by_role("button", name="Entra"))
    for _id, _title, session_id in editions:
        page.goto(f"{live_server}/coach/formazione/incontri/{session_id}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        person = page.get_by_role("group", name=re.compile("Giulia Ferraris"))
        person.get_by_label("Presente").check()
        click_and_wait(page.get_by_role("button", name="Salva il registro"))
        assert page.get_by_text("Registro salvato: 1 presenza aggiornata.").is_visible()
    context.close()

    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    with app.app_context():
        codes = db.session.execute(db.select(Certificate.verification_code).join(Certificate.registration).where(
            Registration.edition_id.in_([e[0] for e in editions]))).scalars().all()
        db.session.remove()
    assert len(codes) == 2  # one per completed edition
    sent = [m for m in mails(outbox) if m["To"] == email and "/attestati/" in body_of(m)]
    link = re.search(r"https?://\S+/attestati/\S+", body_of(sent[0])).group(0)
    assert link.rsplit("/", 1)[1] in codes

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(live_server + "/attestati/" + link.rsplit("/", 1)[1])
    assert page.get_by_text("Attestato autentico.").is_visible()
    assert page.get_by_text("Giulia Ferraris").is_visible()
    context.close()
    assert people_trained(app) == before + 1  # two editions completed, one person trained
