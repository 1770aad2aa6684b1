"""Security: CSRF on every state-changing route, headers on every response, cookies, safe redirects."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from assessment import create_app
from assessment.security import CONTENT_SECURITY_POLICY


@pytest.fixture
def csrf_app(app, database_url):
    csrf_app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "csrf-test",
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "RATELIMIT_ENABLED": False})
    return csrf_app


def _sample_path(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else (
            sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "xxxxxxxx")
    return rule.build(values, append_unknown=False)[1]


def _post_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")]


def test_there_are_post_routes_to_check(csrf_app):
    assert len(_post_rules(csrf_app)) >= 10


# RFC 8058 one-click unsubscribe: the mail reader posts without a page to take a token from; the secret in the
# address is what authenticates it (an unknown one is a 404).
CSRF_EXEMPT = {"public.alerts_one_click"}


def test_every_post_without_csrf_token_is_refused(csrf_app, db_session):
    client = csrf_app.test_client()
    for rule in _post_rules(csrf_app):
        response = client.post(_sample_path(rule), data={"x": "1"})
        expected = 404 if rule.endpoint in CSRF_EXEMPT else 400
        assert response.status_code == expected, f"{rule.rule} accepted a POST without a CSRF token"


def test_an_expired_form_says_nothing_was_saved_and_leads_back_to_a_fresh_copy(csrf_app, db_session):
    import re

    from assessment.extensions import db
    from assessment.models import Assessment

    client = csrf_app.test_client()
    start = client.get("/valutazione").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', start).group(1)
    token = re.search(r"/valutazione/([^/]+)/1$", client.post("/valutazione", data={"csrf_token": csrf})
                      .headers["Location"]).group(1)
    draft = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    before = dict(draft.draft_profile)
    client.delete_cookie("session")  # the browser closed: the session, and the form's token with it, are gone
    response = client.post(f"/valutazione/{token}/1", data={"csrf_token": csrf, "company_name": "Forno Scaduto"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pagina scaduta" in html and "non è stato salvato" in html
    assert f'href="/valutazione/{token}/1"' in html  # back to a fresh copy of the same form
    db.session.refresh(draft)
    assert draft.draft_profile == before and "Forno Scaduto" not in str(draft.draft_profile)
    # A button posting to a POST-only route leads back to the page it was on, when that page is ours.
    ours = client.post("/logout", headers={"Referer": "http://localhost/coach/imprese/7"}).get_data(as_text=True)
    assert 'href="/coach/imprese/7"' in ours
    foreign = client.post("/logout", headers={"Referer": "https://evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in foreign and 'href="/"' in foreign


def test_api_posts_do_not_use_cookies_for_auth(client):
    # The API is CSRF-exempt because it never trusts the session cookie: a JSON body is validated instead.
    response = client.post("/api/v1/assessments", json={})
    assert response.status_code == 422


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/healthz", "/does-not-exist", "/static/css/app.css", "/api/v1/questionnaires/nope"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
        # Personal pages and files are never kept by a cache or on a shared disk; static files are.
        assert (headers.get("Cache-Control") == "no-store") == (not path.startswith("/static/")), path


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from assessment.config import load_config

    production = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 32,
                              "DATABASE_URL": "postgresql://u@h/db", "PUBLIC_BASE_URL": "https://b.example"})
    assert production["SESSION_COOKIE_SECURE"] is True and production["REMEMBER_COOKIE_SECURE"] is True


def test_no_inline_scripts_or_styles_in_pages(client):
    for path in ("/", "/valutazione", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html
        assert "<script src=" in html or "<script" not in html


def test_login_is_rate_limited(rate_limited_app, db_session):
    client = rate_limited_app.test_client()
    statuses = [client.post("/login", data={"email": "a@example.org", "password": "wrong-password"}).status_code
                for _ in range(12)]
    assert statuses[0] == 200 and statuses[-1] == 429


def test_resume_links_are_rate_limited(rate_limited_app, db_session):
    client = rate_limited_app.test_client()
    statuses = [client.get("/riprendi/guess-" + str(i)).status_code for i in range(65)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_owners_sharing_one_address_are_not_stopped_by_the_guessing_limit(rate_limited_app, db_session):
    # A workshop: many owners behind one address open their own links far more than 60 times a minute.
    client = rate_limited_app.test_client()
    token = re.search(r"/valutazione/([^/]+)/1$", client.post("/valutazione").headers["Location"]).group(1)
    statuses = {client.get(f"/valutazione/{token}/{1 + i % 3}").status_code for i in range(120)}
    assert statuses == {200}
    statuses = [client.get("/riprendi/guess-" + str(i)).status_code for i in range(61)]
    assert statuses[0] == 404 and statuses[-1] == 429
