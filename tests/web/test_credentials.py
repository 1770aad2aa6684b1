"""Staff credentials: one password rule and one e-mail rule, whichever way an account is made or a password set
(the password link, the admin's account form, `users create`)."""
from __future__ import annotations

import pytest

from assessment.domain.password_rules import password_problem
from assessment.extensions import db
from assessment.models import User
from assessment.services.users import issue_password_link


@pytest.mark.parametrize("password, problem", [
    ("1111111111", "one_character"), ("aaaaaaaaaaaa", "one_character"), ("password123", "common"),
    ("qwertyuiop", "common"), ("Password2024!", "common"), ("iloveyou12345", "common"), ("corto", "too_short"),
    ("una frase lunga e mia", None), ("Bussola-Canavese-7", None),
])
def test_the_password_rule(password, problem):
    assert password_problem(password) == problem


def test_the_password_link_refuses_common_and_repeated_passwords(client, make_user, db_session):
    user = make_user("coach")
    token = issue_password_link(user)
    db_session.commit()
    for weak, message in (("1111111111", "ripete un solo carattere"), ("Password2024!", "tra le più usate")):
        page = client.post(f"/password/{token}", data={"password": weak, "confirm": weak})
        assert page.status_code == 200 and message in page.get_data(as_text=True)
    good = "una frase lunga e mia"
    assert client.post(f"/password/{token}", data={"password": good, "confirm": good}).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": good}).status_code == 302


def _create(runner, email: str, password: str | None = None):
    args = ["users", "create", "--role", "coach", "--email", email]
    if password is not None:
        args.append("--password-stdin")
    return runner.invoke(args=args, input=(password + "\n") if password is not None else None)


def test_users_create_refuses_an_address_the_login_form_refuses(client, runner):
    result = _create(runner, "coacha@hsec.test", "una frase lunga e mia")
    assert result.exit_code != 0 and "not a valid e-mail address" in result.output
    assert db.session.execute(db.select(User).filter_by(email="coacha@hsec.test")).first() is None
    page = client.post("/login", data={"email": "coacha@hsec.test", "password": "una frase lunga e mia"})
    assert "indirizzo e-mail valido" in page.get_data(as_text=True)  # the same rule, the same answer


@pytest.mark.parametrize("weak", ["1111111111", "password123"])
def test_users_create_refuses_a_weak_password(runner, weak):
    result = _create(runner, "nuovo-coach@example.org", weak)
    assert result.exit_code != 0 and "password" in result.output
    assert db.session.execute(db.select(User).filter_by(email="nuovo-coach@example.org")).first() is None


def test_an_account_made_on_the_command_line_can_log_in(client, runner):
    result = _create(runner, "Coach.Riga@Example.org", "una frase lunga e mia")
    assert result.exit_code == 0, result.output
    assert client.post("/login", data={"email": "coach.riga@example.org",
                                       "password": "una frase lunga e mia"}).status_code == 302


def test_the_account_form_uses_the_same_address_rule(client, login_as):
    login_as("admin")
    page = client.post("/admin/account/nuovo", data={"email": "coacha@hsec.test", "role": "coach"})
    assert page.status_code in (200, 422) and "indirizzo e-mail valido" in page.get_data(as_text=True)
    assert db.session.execute(db.select(User).filter_by(email="coacha@hsec.test")).first() is None
