"""Buttons that act at once and cannot be undone ask first, in a real browser: saying no sends nothing."""
from __future__ import annotations

import uuid

import pytest

from assessment.extensions import db
from assessment.models import ApiToken
from assessment.services.api_tokens import issue_token
from assessment.services.users import create_user
from tests.browser.conftest import click_and_wait

pytestmark = pytest.mark.browser
PASSWORD = "conferma-prima-2026"


@pytest.fixture(scope="module")
def admin_with_token(app):
    with app.app_context():
        admin, _ = create_user(f"confirm-admin-{uuid.uuid4().hex[:8]}@example.org", "admin", password=PASSWORD)
        token, _secret = issue_token(admin, "Gestionale camerale")
        db.session.commit()
        found = (admin.email, token.id)
        db.session.remove()
    return found


def test_revoking_a_token_asks_first(live_server, page, app, admin_with_token):
    email, token_id = admin_with_token
    page.goto(live_server + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    click_and_wait(page.get_by_role("button", name="Entra"))  # signed in before going on
    page.goto(live_server + "/admin/token-api")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    revoke = page.get_by_role("button", name="Revoca Gestionale camerale")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    revoke.click()
    page.wait_for_timeout(300)
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None  # "no" sent nothing
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    with page.expect_navigation():
        revoke.click()
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert questions == ["Revocare il token «Gestionale camerale»? I sistemi che lo usano smettono subito di "
                         "funzionare."] * 2
