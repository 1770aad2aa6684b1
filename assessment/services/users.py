"""Staff accounts: loading for Flask-Login, creation, passwords and one-time password links."""
from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from ..domain.password_rules import MIN_PASSWORD_LENGTH, password_problem
from ..extensions import db
from ..models import CoachProfile, Role, User, utcnow
from .audit import record
from .passwords import hash_password, new_token, token_hash, verify_password

PASSWORD_PROBLEMS = {
    "too_short": f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
    "too_long": "the password is too long",
    "one_character": "the password repeats one character: choose a phrase of several words",
    "common": "the password is one of the commonest: choose another (a phrase of several words works well)",
}


class UserError(Exception):
    """Why an account cannot be created or changed; `code` lets a page say it in the user's language."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def load_user(session_id: str) -> User | None:
    """The user a session names (User.get_id), while the account is on and that session was not ended."""
    user_id, _dot, generation = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_generation != int(generation):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every session of the account ends, on every device: their next request is anonymous. The one mechanism
    behind logout, a new password and switching an account off."""
    user.session_generation = User.session_generation + 1  # in SQL: two at once both count
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    user = db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()
    if user is None or not user.is_enabled or not user.password_hash:
        verify_password(None, password)  # same work either way: no timing hint that the e-mail exists
        return None
    return user if verify_password(user.password_hash, password) else None


def create_user(email: str, role: str, name: str = "", password: str | None = None) -> tuple[User, str | None]:
    """A new account; without a password it gets a one-time link token (returned) to set one."""
    email = staff_email(email)
    if role not in (Role.coach.value, Role.admin.value):
        raise UserError(f"role must be coach or admin, not {role!r}", "invalid_role")
    if db.session.execute(db.select(User.id).filter_by(email=email)).first():
        raise UserError(f"an account for {email} already exists", "exists")
    user = User(email=email, name=name or email.split("@")[0], role=Role(role))
    if role == Role.coach.value:
        # Paused until a programme manager fills in the profile and makes the coach available: an empty
        # profile would otherwise receive proposals from the whole territory before the coach can even log in.
        user.coach_profile = CoachProfile(is_available=False)
    token = None
    if password is not None:
        set_password(user, password)  # before the account is added: a refused password leaves nothing behind
    else:
        token = issue_password_link(user)
    db.session.add(user)
    db.session.flush()
    record("account_created", None, account_id=user.id, role=role)
    return user, token


def staff_email(email: str) -> str:
    """The address of a staff account, lower case, or UserError: the one rule the login form, the account form
    and `users create` apply, so no account is created with an address its owner could not log in with."""
    email = (email or "").strip()
    try:
        checked = validate_email(email, check_deliverability=False).normalized  # as WTForms' Email() checks
    except EmailNotValidError:
        raise UserError(f"not a valid e-mail address: {email!r}", "invalid_email") from None
    if len(checked) > 254:
        raise UserError(f"not a valid e-mail address: {email!r}", "invalid_email")
    return checked.lower()


def set_password(user: User, password: str) -> None:
    """The one place a password is set (password link, account creation, command line), after the one rule."""
    problem = password_problem(password)
    if problem is not None:
        raise UserError(PASSWORD_PROBLEMS[problem], problem)
    user.password_hash = hash_password(password)
    user.password_token_hash = None
    user.password_token_expires_at = None
    if user.id is not None:  # a new password ends the sessions opened with the old one
        end_sessions(user)


def issue_password_link(user: User) -> str:
    token = new_token()
    user.password_token_hash = token_hash(token)
    user.password_token_expires_at = utcnow() + timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])
    return token


def user_for_password_token(token: str) -> User | None:
    """The account a one-time link belongs to, while it has not expired nor been used."""
    if not token or len(token) > 100:
        return None
    user = db.session.execute(
        db.select(User).filter_by(password_token_hash=token_hash(token))
    ).scalar_one_or_none()
    if user is None or user.password_token_expires_at is None or user.password_token_expires_at < utcnow():
        return None
    return user


def staff_accounts() -> list[User]:
    """Every staff account, programme managers first; a programme holds tens of them, not thousands."""
    return list(db.session.execute(db.select(User).order_by(User.role, User.name, User.email)).scalars())


def password_link_state(user: User) -> str:
    """'set' (the person has a password), 'pending' (a link is valid) or 'expired' (a new link is needed)."""
    if user.password_hash:
        return "set"
    expires = user.password_token_expires_at
    return "pending" if expires is not None and expires >= utcnow() else "expired"


def rename_account(user: User, name: str) -> None:
    """The name lists, mails and the audit log show, mended after the account was created."""
    user.name = name
    record("account_renamed", None, account_id=user.id)
    db.session.flush()


def renew_password_link(user: User) -> str:
    """A new one-time link (its token returned); any earlier one stops working."""
    token = issue_password_link(user)
    record("password_link_issued", None, account_id=user.id)
    db.session.flush()
    return token
