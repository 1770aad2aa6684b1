"""The home page in a real browser: Italian first, English on request, and remembered."""
from __future__ import annotations

import pytest

from tests.browser.conftest import click_and_wait

pytestmark = pytest.mark.browser


def test_home_loads_in_italian_and_switches_to_english(live_server, page):
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("heading", level=1).inner_text() == "Quanto è digitale la tua impresa?"
    click_and_wait(page.get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "How digital is your business?"
