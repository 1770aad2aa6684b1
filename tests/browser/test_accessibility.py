"""Accessibility in a real Chromium: axe-core finds no serious or critical violation on the owner's pages and the
staff dashboards, every page fits a 320 px screen, and the whole questionnaire works with the keyboard alone.

axe-core is vendored (tests/browser/vendor/axe.min.js, MPL-2.0, see LICENSE there) and injected by Playwright;
the contexts bypass the Content-Security-Policy only so that this test script can be injected."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from assessment.extensions import db
from assessment.services.questionnaires import latest_version, questionnaire_of
from assessment.services.users import create_user
from tests.browser.conftest import click_and_wait
from tests.factories import answers_for, propose, submit_company, vat_number

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "accessibile-2026"
NARROW = {"width": 320, "height": 640}
FOCUSED = """() => { const e = document.activeElement;
  return {tag: e.tagName, name: e.getAttribute('name') || '', value: e.value || '',
          text: (e.innerText || '').trim()}; }"""


@pytest.fixture(scope="module")
def questionnaire(app):
    with app.app_context():
        return questionnaire_of(latest_version("dma-sme"))


@pytest.fixture(scope="module")
def staff(app):
    """A coach with a proposed company and an admin, committed: the live server has to see them."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        coach, _ = create_user(f"a11y-coach-{tag}@example.org", "coach", password=PASSWORD)
        admin, _ = create_user(f"a11y-admin-{tag}@example.org", "admin", password=PASSWORD)
        company, _, _ = submit_company(coach_contact=True, company_name="Tessitura Accessibile")
        propose(company, coach)
        db.session.commit()
        accounts = {"coach": coach.email, "admin": admin.email}
        db.session.remove()
    return accounts


def _context(browser, **options):
    return browser.new_context(locale="it-IT", bypass_csp=True, **options)


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_page(page, label: str, problems: list[str]) -> None:
    """axe on the page as it is, and no horizontal scrolling at the context's width."""
    for violation in serious_violations(page):
        problems.append(f"{label} {page.url}: {violation}")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        problems.append(f"{label} {page.url}: {width} px wide on a {viewport} px screen")


def _answer(page, dimension, raw) -> None:
    for question in dimension.questions:
        if question.key not in raw:
            continue
        values = raw[question.key] if isinstance(raw[question.key], list) else [raw[question.key]]
        for value in values:
            page.locator(f'input[name="{question.key}"][value="{value}"]').check()


def test_owner_pages_pass_axe_and_fit_320px(browser, live_server, questionnaire):
    context = _context(browser, viewport=NARROW)
    page = context.new_page()
    problems: list[str] = []
    page.goto(live_server + "/")
    check_page(page, "home", problems)
    page.goto(live_server + "/valutazione")
    check_page(page, "start", problems)
    click_and_wait(page.get_by_role("button", name="Inizia ora"))
    check_page(page, "profile", problems)
    click_and_wait(page.get_by_role("button", name="Salva e continua"))  # empty: the page with its errors
    check_page(page, "profile with errors", problems)
    page.get_by_label("Ragione sociale").fill("Sartoria Stretta")
    page.get_by_label("Partita IVA").fill(vat_number())
    page.get_by_label("Codice ATECO dell'attività principale").fill("14.21.20")
    page.get_by_label("Comune della sede").fill("Ivrea (TO)")
    page.get_by_label("Numero di addetti (titolari e dipendenti)").fill("3")
    page.get_by_label("Fatturato annuo").select_option("2000000")
    page.get_by_label("Ho letto l'informativa privacy e accetto il trattamento dei dati").check()
    click_and_wait(page.get_by_role("button", name="Salva e continua"))
    raw = answers_for(questionnaire, "mid")
    for step, dimension in enumerate(questionnaire.dimensions, start=2):
        assert re.search(rf"/valutazione/[^/]+/{step}$", page.url), page.url
        check_page(page, f"section {step}", problems)
        if step == 2:
            click_and_wait(page.get_by_role("button", name="Salva e continua"))  # unanswered: errors shown
            check_page(page, "section 2 with errors", problems)
        _answer(page, dimension, raw)
        last = dimension is questionnaire.dimensions[-1]
        click_and_wait(page.get_by_role("button", name="Invia e vedi il risultato" if last else "Salva e continua"))
    assert "/risultato/" in page.url, page.url
    check_page(page, "result", problems)
    for path, label in (("/privacy", "privacy notice"), ("/api/v1/docs", "API docs"), ("/no-such-page", "404")):
        page.goto(live_server + path)
        check_page(page, label, problems)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role, landing", [("coach", "/coach/"), ("admin", "/admin/")])
def test_staff_dashboards_pass_axe_and_fit_320px(browser, live_server, staff, role, landing):
    context = _context(browser, viewport=NARROW)
    page = context.new_page()
    problems: list[str] = []
    page.goto(live_server + "/login")
    check_page(page, "login", problems)
    page.get_by_label("E-mail").fill(staff[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Entra").click()
    page.wait_for_url(live_server + landing)
    if role == "coach":
        assert "Tessitura Accessibile" in page.content()
    check_page(page, f"{role} dashboard", problems)
    if role == "admin":  # every admin page without parameters, with the data the module made
        for path in ("account", "account/nuovo", "assegnazioni", "audit", "bandi", "bandi/carica", "coach",
                     "imprese", "obiettivi", "percorsi", "percorsi/nuovo", "territori", "territori/nuovo",
                     "token-api"):
            page.goto(f"{live_server}/admin/{path}")
            check_page(page, f"admin {path}", problems)
    context.close()
    assert not problems, "\n".join(problems)


def test_a_form_sent_back_with_mistakes_says_so_and_takes_the_focus(browser, live_server, staff):
    context = _context(browser, viewport=NARROW)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill(staff["admin"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Entra").click()
    page.goto(live_server + "/admin/account/nuovo")
    click_and_wait(page.get_by_role("button", name="Crea l'account"))
    # The browser moves the focus to the autofocus element at its next rendering step after the load.
    page.wait_for_function("() => document.activeElement && document.activeElement.classList.contains('error-summary')",
                           timeout=5000)  # announced (role=alert) and in view, even at 320 px
    summary = page.get_by_role("alert")
    assert "Non salvato" in summary.inner_text()
    summary.get_by_role("link").first.click()  # each mistake links to its field
    assert page.evaluate("() => location.hash") == "#email"
    problems: list[str] = []
    check_page(page, "form with mistakes", problems)
    context.close()
    assert not problems, "\n".join(problems)


# Keyboard only from here on: Tab, Space, arrows, Enter and typing; never click() or check().

def _focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, what: str, limit: int = 300) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
    raise AssertionError(f"Tab never reached {what} on {page.url}")


def press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page, name: str, text: str) -> None:
    tab_to(page, lambda f: f["name"] == name, name)
    page.keyboard.type(text)


def keyboard_answer(page, question, wanted: list[str]) -> None:
    order = [option.key for option in question.options]
    if question.type == "multi":
        for value in sorted(wanted, key=order.index):
            tab_to(page, lambda f, v=value: f["name"] == question.key and f["value"] == v, f"{question.key}={value}")
            page.keyboard.press("Space")
        return
    tab_to(page, lambda f: f["name"] == question.key, question.key)  # a radio group is one Tab stop
    page.keyboard.press("Space")
    for _ in range(len(order)):
        if _focused(page)["value"] == wanted[0]:
            break
        page.keyboard.press("ArrowDown")  # moves to the next radio and selects it
    assert page.locator(f'input[name="{question.key}"][value="{wanted[0]}"]').is_checked(), question.key


def test_whole_questionnaire_with_the_keyboard_alone(browser, live_server, questionnaire):
    context = _context(browser)
    page = context.new_page()
    page.goto(live_server + "/valutazione")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Inizia ora", "Inizia ora")
    press_and_wait(page, "Enter")
    assert re.search(r"/valutazione/[^/]+/1$", page.url), page.url

    type_into(page, "company_name", "Liuteria da Tastiera")
    type_into(page, "vat_number", vat_number())
    type_into(page, "ateco_code", "32.20.00")
    type_into(page, "comune_istat", "Ivrea (TO)")
    type_into(page, "employees", "2")
    tab_to(page, lambda f: f["name"] == "annual_turnover_eur", "annual_turnover_eur")
    for _ in range(5):
        if _focused(page)["value"] == "2000000":
            break
        page.keyboard.press("ArrowDown")
    assert _focused(page)["value"] == "2000000"
    tab_to(page, lambda f: f["name"] == "privacy_accepted", "privacy_accepted")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["value"] == "next", "Salva e continua")
    press_and_wait(page, "Enter")

    raw = answers_for(questionnaire, "max")
    for step, dimension in enumerate(questionnaire.dimensions, start=2):
        assert re.search(rf"/valutazione/[^/]+/{step}$", page.url), (page.url, page.content()[:3000])
        for question in dimension.questions:
            if question.key in raw:
                value = raw[question.key]
                keyboard_answer(page, question, value if isinstance(value, list) else [value])
        tab_to(page, lambda f: f["tag"] == "BUTTON" and f["value"] == "next", "the next button")
        press_and_wait(page, "Enter")
    assert "/risultato/" in page.url, (page.url, page.content()[:3000])
    assert "100,0" in page.content()  # the best answer everywhere, entered with the keyboard
    context.close()
