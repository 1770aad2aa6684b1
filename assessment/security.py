"""Security headers added to every response."""
from __future__ import annotations

from flask import Response, request

# No inline script anywhere: every script is a file served by the app itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages and files are personal (a result, a company's data, a staff list): no copy kept by a proxy, or on
        # a shared computer's disk. Only the static files are cached.
        headers.setdefault("Cache-Control", "no-store")
    return response


def no_referrer(response: Response) -> Response:
    """For a page whose address holds a secret link: the pages it links to never receive that address."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
