"""In a real browser: an owner asks for grant alerts on the result page, confirms from the mailed link, gets an
alert, and unsubscribes from the link in that alert. The rows it commits are removed at the end."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assessment.extensions import db
from assessment.models import AlertRound, AlertSubscription, Company, ConsentKind, Grant, utcnow
from tests.browser.conftest import click_and_wait
from tests.factories import submit_company

pytestmark = pytest.mark.browser


def _new_mails(outbox: Path, seen: set[Path]) -> list:
    files = sorted(set(outbox.glob("*.eml")) - seen)
    seen |= set(files)
    return [BytesParser(policy=policy.default).parse(f.open("rb")) for f in files]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def owner(app):
    email = f"browser-alerts-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context(), app.test_request_context():
        company, _, token = submit_company(company_name="Forno Avvisi Srl", email=email)
        db.session.commit()
        company_id = company.id
        last_round = db.session.execute(db.select(db.func.max(AlertRound.id))).scalar() or 0
        db.session.remove()
    yield company_id, token, email
    with app.app_context():
        db.session.execute(db.delete(AlertRound).where(AlertRound.id > last_round))
        db.session.execute(db.delete(Grant).where(Grant.external_id.like("BROWSER-ALERT-%")))
        db.session.execute(db.delete(Company).where(Company.id == company_id))  # cascades to its rows
        db.session.commit()
        db.session.remove()


def test_an_owner_subscribes_confirms_and_unsubscribes_from_the_alert(live_server, page, app, owner):
    from assessment.services.grant_alerts import run_round

    company_id, token, email = owner
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    seen = set(outbox.glob("*.eml"))
    page.goto(f"{live_server}/risultato/{token}")
    click_and_wait(page.get_by_role("button", name="Avvisami quando si apre un bando adatto alla mia impresa e "
                                                   "prima delle scadenze"))
    assert "apri il link nell'e-mail per confermare" in page.content()
    [confirmation] = [m for m in _new_mails(outbox, seen) if m["To"] == email]
    link = re.search(r"(http\S+/avvisi/conferma/[\w-]+)", confirmation.get_body(("plain",)).get_content()).group(1)
    page.goto(live_server + _path(link))
    click_and_wait(page.get_by_role("button", name="Conferma gli avvisi"))
    assert page.get_by_role("heading", name="Avvisi confermati").is_visible()

    with app.app_context():
        subscription = db.session.execute(db.select(AlertSubscription).filter_by(company_id=company_id)).scalar_one()
        subscription.confirmed_at = utcnow() - timedelta(hours=1)
        today = utcnow().date()
        db.session.add(Grant(source="test", external_id=f"BROWSER-ALERT-{uuid.uuid4().hex[:6]}",
                             title="Voucher digitali per il forno", content_hash="0" * 64,
                             opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=60),
                             purposes=["Digitalizzazione"], dimensions=["digital_strategy"],
                             description="Sito web, commercio elettronico e digitalizzazione"))
        db.session.commit()
        run_round()
        db.session.remove()
    [alert] = [m for m in _new_mails(outbox, seen) if m["To"] == email]
    text = alert.get_body(("plain",)).get_content()
    assert "Voucher digitali per il forno" in text
    unsubscribe = re.search(r"(http\S+/avvisi/disiscrivi/[\w-]+)", text).group(1)
    page.goto(live_server + _path(unsubscribe))
    click_and_wait(page.get_by_role("button", name="Annulla l'iscrizione"))
    assert page.get_by_role("heading", name="Iscrizione annullata").is_visible()
    with app.app_context():
        company = db.session.get(Company, company_id)
        assert not company.has_active_consent(ConsentKind.grant_alerts)
        assert any(c.kind == ConsentKind.grant_alerts and c.withdrawn_at for c in company.consents)
        db.session.remove()
