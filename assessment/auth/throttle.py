"""Guessing a staff password is slowed per account, not only per address, without locking its owner out.

Failed logins for one account share one budget (ACCOUNT_LIMIT), whichever addresses they come from: a botnet
spreading its guesses over many addresses gets no more tries at an account than one machine. A lock on the
account alone would let anyone keep its owner out by failing on purpose, so a browser where the account
logged in before carries a signed cookie (OWASP's "device cookie"): its attempts are counted in a budget of
its own, and the owner's usual browser still logs in during an attack. From a new browser the owner waits
until the window ends (at most 15 minutes) and then the correct password goes through.
Only failures count: a successful login never uses the budget up.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

ACCOUNT_LIMIT = "5 per 15 minutes"
DEVICE_COOKIE = "known_device"
DEVICE_DAYS = 180


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="known-device")


def _account(email: str) -> str:
    """The account an attempt is for, as typed (normalised as logins compare it), hashed: never kept in clear."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def login_attempt_key() -> str:
    """The budget a login attempt counts in: its browser's own, when that browser logged in to this account
    before; else the account's, shared by every other attempt at it."""
    account = _account(request.form.get("email", ""))
    try:
        known = _signer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        known = None
    if isinstance(known, dict) and known.get("account") == account and isinstance(known.get("device"), str):
        return f"login-device:{known['device']}"
    return f"login-account:{account}"


def is_failed_login(response: Response) -> bool:
    """A login that did not go through (the form again, or refused): a success redirects."""
    return response.status_code != 302


def remember_device(response: Response, email: str) -> None:
    """After a successful login: this browser is one the account uses."""
    value = _signer().dumps({"account": _account(email), "device": secrets.token_urlsafe(12)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
