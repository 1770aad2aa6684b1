"""Guessing one account's password from many addresses is slowed per account; its owner's usual browser still
logs in during the attack, and from a new browser the correct password goes through after the wait."""
from __future__ import annotations

import pytest

from assessment import create_app
from assessment.extensions import db, limiter
from assessment.models import Role, User
from assessment.services.passwords import hash_password
from tests.web.test_faults import ScratchDatabase

PASSWORD = "una frase lunga e mia"


@pytest.fixture
def limited(database_url, tmp_path):
    scratch = ScratchDatabase(database_url, tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch.url, "SECRET_KEY": "throttle", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "PROXY_COUNT": 1,
                      "INSTANCE_DIR": str(tmp_path)})
    scratch.apps.append(app)
    with app.app_context():
        db.session.add_all([User(email=f"{name}@example.org", name=name, role=Role.coach,
                                 password_hash=hash_password(PASSWORD)) for name in ("bersaglio", "vicino")])
        db.session.commit()
    try:
        yield app
    finally:
        limiter.reset()
        limiter.enabled = False
        scratch.drop()


def _login(client, email: str, password: str, address: str) -> int:
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address}).status_code


def test_guesses_from_many_addresses_share_one_budget_and_the_owner_still_gets_in(limited):
    owner = limited.test_client()
    assert _login(owner, "bersaglio@example.org", PASSWORD, "192.0.2.1") == 302  # the owner's usual browser
    owner.post("/logout", headers={"X-Forwarded-For": "192.0.2.1"})

    attackers = [limited.test_client() for _ in range(8)]
    statuses = [_login(c, "Bersaglio@Example.org", f"guess-{n}-password", f"203.0.113.{n}")
                for n, c in enumerate(attackers)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3  # one address each: only the account limit
    assert _login(limited.test_client(), "bersaglio@example.org", PASSWORD, "203.0.113.99") == 429

    assert _login(owner, "bersaglio@example.org", PASSWORD, "192.0.2.1") == 302  # not locked out
    assert _login(limited.test_client(), "vicino@example.org", PASSWORD, "198.51.100.7") == 302  # other accounts


def test_successful_logins_never_use_the_budget_up(limited):
    for n in range(8):
        client = limited.test_client()
        assert _login(client, "vicino@example.org", PASSWORD, f"198.51.100.{n}") == 302
