"""Redirect targets: only paths on this site, so a link can never send a user elsewhere."""
from __future__ import annotations

from urllib.parse import urlsplit


def same_site_referrer() -> str | None:
    """The page (path and query) that sent this request, when it is one of ours: where to go back to after a
    form posted to an address that answers POST only."""
    from flask import request

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails, API answers and the CLI, on PUBLIC_BASE_URL. Never on the request's Host
    header, which the sender chooses: a mailed secret link would otherwise point at the sender's server (only in
    development, with PUBLIC_BASE_URL unset, the request's host is used)."""
    from flask import current_app, has_request_context, url_for

    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
        return url_for(endpoint, _external=True, **values)
