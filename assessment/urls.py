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
    """An absolute link for e-mails and the CLI: the request's host, else PUBLIC_BASE_URL."""
    from flask import current_app, has_request_context, url_for

    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
