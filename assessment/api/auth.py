"""Bearer tokens of coaches and admins on the staff endpoints: 401 without a live token, 403 when an admin
token is needed; the view finds the token in g.api_token."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from ..errors import json_error
from ..extensions import db
from ..models import ApiToken
from ..services.api_tokens import authenticate
from .openapi import AUTH_ATTR


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def unauthorized():
    presented = bearer_token() is not None
    response, status = json_error(401, "unauthorized", "a valid staff API token is required (Bearer)")
    challenge = 'Bearer realm="api"' + (', error="invalid_token"' if presented else "")
    response.headers["WWW-Authenticate"] = challenge
    return response, status


def token_required(*, admin_only: bool = False) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = authenticate(bearer_token())
            if token is None:
                return unauthorized()
            db.session.commit()  # keeps last_used_at even when the view answers 4xx
            if admin_only and not token.user.is_admin:
                return json_error(403, "forbidden", "this operation needs an admin token")
            g.api_token = token
            return view(*args, **kwargs)

        setattr(wrapper, AUTH_ATTR, "admin" if admin_only else "staff")
        return wrapper

    return decorate


def current_token() -> ApiToken:
    return g.api_token
