"""The owners' grant pages in a real Chromium at phone width: axe finds no serious violation, nothing scrolls
sideways, the filters work from the keyboard-reachable form, and the checklist shows from a result link."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from assessment.extensions import db
from assessment.models import Grant
from tests.browser.conftest import click_and_wait
from tests.browser.test_accessibility import NARROW, _context, check_page
from tests.factories import submit_company

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def calls(app):
    """Two calls and an assessed company, committed: the live server has to see them."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        today = date.today()
        grant = Grant(source="browser", external_id=f"FP-{tag}", title=f"Voucher a fondo perduto {tag}",
                      content_hash="0" * 64, closes_on=today + timedelta(days=20), sizes=["small"],
                      aid_forms=["Contributo/Fondo perduto"], regions=["Piemonte"], aid_max_eur=10_000,
                      granting_body="Camera di commercio di Torino, un nome lungo per vedere se va a capo")
        loan = Grant(source="browser", external_id=f"LO-{tag}", title=f"Prestito agevolato {tag}",
                     content_hash="0" * 64, closes_on=None, aid_forms=["Prestito/Anticipo rimborsabile"])
        db.session.add_all([grant, loan])
        _company, _assessment, token = submit_company(company_name="Falegnameria Stretta")
        db.session.commit()
        ids = {"grant": grant.id, "tag": tag, "token": token}
        db.session.remove()
    return ids


def test_grant_pages_fit_a_phone_and_pass_axe(browser, live_server, calls):
    context = _context(browser, viewport=NARROW)
    page = context.new_page()
    problems: list[str] = []
    page.goto(live_server + "/bandi")
    check_page(page, "grants", problems)
    assert page.get_by_text(f"Prestito agevolato {calls['tag']}").is_visible()
    page.get_by_label("Solo fondo perduto").check()
    click_and_wait(page.get_by_role("button", name="Mostra"))
    assert "fondo_perduto=y" in page.url
    assert page.get_by_text(f"Voucher a fondo perduto {calls['tag']}").is_visible()
    assert page.get_by_text(f"Prestito agevolato {calls['tag']}").count() == 0
    check_page(page, "grants filtered", problems)
    click_and_wait(page.get_by_role("link", name=f"Voucher a fondo perduto {calls['tag']}"))
    check_page(page, "grant", problems)
    page.goto(f"{live_server}/bandi/{calls['grant']}?risultato={calls['token']}")
    assert page.get_by_role("heading", name="I requisiti per Falegnameria Stretta").is_visible()
    assert page.get_by_text("Non previsto per le microimprese").is_visible()
    check_page(page, "grant with checklist", problems)
    context.close()
    assert not problems, "\n".join(problems)
