"""Browser tests: Playwright drives Debian's Chromium against the app served on a local port."""
from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _find_chromium() -> str | None:
    if Path(CHROMIUM_PATH).is_file():
        return CHROMIUM_PATH
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"No Chromium at {CHROMIUM_PATH}: CI must install Debian's chromium")
        pytest.skip("no Chromium on this machine (set CHROMIUM_PATH); CI installs it and never skips")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The test app on a free loopback port, committing to the suite's database like a real server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="it-IT", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def click_and_wait(locator) -> None:
    """Click something that sends a form or follows a link, and wait until the page it leads to has loaded (a
    page read right after a click may still be the empty document of a navigation under way)."""
    with locator.page.expect_navigation():
        locator.click()
