"""The whole questionnaire in Chromium: complete it, resume in a second browser, download the PDF."""
from __future__ import annotations

import re

import pytest

from assessment.services.questionnaires import latest_version, questionnaire_of
from tests.browser.conftest import click_and_wait
from tests.factories import answers_for, vat_number

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def questionnaire(app):
    with app.app_context():
        return questionnaire_of(latest_version("dma-sme"))


def _fill_profile(page, vat: str) -> None:
    page.get_by_label("Ragione sociale").fill("Cantina Demo Browser")
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("Codice ATECO dell'attività principale").fill("11.02.10")
    page.get_by_label("Comune della sede").fill("Caluso (TO)")
    page.get_by_label("Numero di addetti (titolari e dipendenti)").fill("6")
    page.get_by_label("Fatturato annuo").select_option("2000000")
    page.get_by_label("Ho letto l'informativa privacy e accetto il trattamento dei dati").check()


def _answer_section(page, dimension, raw) -> None:
    for question in dimension.questions:
        if question.key not in raw:
            continue
        values = raw[question.key] if isinstance(raw[question.key], list) else [raw[question.key]]
        for value in values:
            page.locator(f'input[name="{question.key}"][value="{value}"]').check()


def test_complete_resume_and_download(browser, live_server, questionnaire):
    raw = answers_for(questionnaire, "mid")
    first = browser.new_context(locale="it-IT", accept_downloads=True)
    page = first.new_page()
    page.goto(live_server + "/valutazione")
    page.get_by_role("button", name="Inizia ora").click()
    page.wait_for_url(re.compile(r"/valutazione/[^/]+/1$"))  # the POST, its redirect, then the page
    assert "Sezione 1 di" in page.content()
    _fill_profile(page, vat_number())
    page.get_by_role("button", name="Salva e continua").click()
    _answer_section(page, questionnaire.dimensions[0], raw)
    page.get_by_role("button", name="Salva e continua").click()
    resume_link = page.locator("a.resume-link").first.get_attribute("href")
    first.close()

    second = browser.new_context(locale="it-IT", accept_downloads=True)
    page = second.new_page()
    page.goto(resume_link)
    assert re.search(r"/valutazione/[^/]+/3$", page.url), page.url
    for dimension in questionnaire.dimensions[1:]:
        _answer_section(page, dimension, raw)
        last = dimension is questionnaire.dimensions[-1]
        page.get_by_role("button", name="Invia e vedi il risultato" if last else "Salva e continua").click()
    page.wait_for_url(re.compile(r"/risultato/"))
    assert page.get_by_role("heading", name="Punteggio complessivo").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il rapporto PDF").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(4) == b"%PDF"
    second.close()


def test_switching_language_keeps_what_was_ticked_and_typed_but_not_saved(browser, live_server, questionnaire):
    context = browser.new_context(locale="it-IT")
    page = context.new_page()
    page.goto(live_server + "/valutazione")
    # Each page loaded, its scripts included, before typing: a person is slower than a test.
    click_and_wait(page.get_by_role("button", name="Inizia ora"))
    page.get_by_label("Ragione sociale").fill("Forno Bilingue")
    click_and_wait(page.get_by_role("navigation", name="Lingua").get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Company name").input_value() == "Forno Bilingue"
    click_and_wait(page.get_by_role("navigation", name="Language").get_by_role("link", name="Italiano"))
    assert page.get_by_label("Ragione sociale").input_value() == "Forno Bilingue"
    _fill_profile(page, vat_number())
    click_and_wait(page.get_by_role("button", name="Salva e continua"))
    question = questionnaire.dimensions[0].questions[0]
    option = question.options[-1].key
    page.locator(f'input[name="{question.key}"][value="{option}"]').check()
    click_and_wait(page.get_by_role("navigation", name="Lingua").get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(f'input[name="{question.key}"][value="{option}"]').is_checked()
    page.reload(wait_until="load")  # read once: a later visit shows what the draft holds
    assert not page.locator(f'input[name="{question.key}"][value="{option}"]').is_checked()
    context.close()


def test_everyday_words_find_the_ateco_code_in_our_suggestion_list(browser, live_server):
    context = browser.new_context(locale="it-IT", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/valutazione")
    click_and_wait(page.get_by_role("button", name="Inizia ora"))  # suggest.js loaded before typing
    field = page.get_by_role("combobox", name="Codice ATECO dell'attività principale")
    field.press_sequentially("pizzeria", delay=20)
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for()
    # A datalist would hide these (no option contains "pizzeria"); ours shows what the search found.
    assert options.first.inner_text().startswith("56.11.11")
    assert all(re.match(r"\d\d\.\d\d\.\d\d ", text) for text in options.all_inner_texts())  # six digits only
    field.press("ArrowDown")
    field.press("Enter")  # chooses, does not send the form
    assert field.input_value() == "56.11.11" and "/valutazione/" in page.url and page.url.endswith("/1")
    assert field.get_attribute("aria-expanded") == "false"
    page.get_by_role("combobox", name="Comune della sede").press_sequentially("Ivre", delay=20)
    page.get_by_role("option", name=re.compile("Ivrea")).first.click()
    assert page.get_by_role("combobox", name="Comune della sede").input_value() == "Ivrea (TO)"
    context.close()
