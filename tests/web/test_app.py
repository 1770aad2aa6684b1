"""The foundation: home page, language switch, health check, error pages, configuration."""
from __future__ import annotations

import pytest

from assessment import create_app
from assessment.config import ConfigError, load_config


def test_home_is_italian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="it">' in html
    assert "Quanto è digitale la tua impresa?" in html


def test_language_switch_is_remembered(client):
    response = client.get("/lang/en?next=/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "How digital is your business?" in html


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


def test_healthz_503_when_database_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_friendly_404_in_both_languages(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.get_data(as_text=True)
    client.get("/lang/en")
    assert "Page not found" in client.get("/does-not-exist").get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"APP_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                     "DATABASE_URL": "postgresql://x@localhost/db"})


def test_rate_limits_are_shared_in_redis_in_production_and_never_fail_a_request(tmp_path):
    production = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path),
                              "DATABASE_URL": "postgresql://u@h/db", "REDIS_URL": "redis://cache.example:6379/2",
                              "PUBLIC_BASE_URL": "https://b.example"})
    assert production["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/2"
    assert production["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] and production["RATELIMIT_SWALLOW_ERRORS"]
    chosen = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path),
                          "DATABASE_URL": "postgresql://u@h/db", "RATELIMIT_STORAGE_URI": "redis://limits:6379/1",
                          "PUBLIC_BASE_URL": "https://b.example"})
    assert chosen["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/1"
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_programme_day_is_taken_in_its_time_zone(app, tmp_path, monkeypatch):
    from datetime import timedelta

    from assessment.clock import local_today

    assert load_config({"INSTANCE_PATH": str(tmp_path)})["TIMEZONE"] == "Europe/Rome"
    with pytest.raises(ConfigError, match="TIMEZONE"):
        load_config({"INSTANCE_PATH": str(tmp_path), "TIMEZONE": "Europe/Canavese"})
    # UTC+14 and UTC-11 are never on the same calendar day: the configured zone decides what "today" is.
    with app.app_context():
        monkeypatch.setitem(app.config, "TIMEZONE", "Pacific/Kiritimati")
        ahead = local_today()
        monkeypatch.setitem(app.config, "TIMEZONE", "Pacific/Pago_Pago")
        behind = local_today()
    assert ahead - behind in (timedelta(days=1), timedelta(days=2))


def test_stored_instants_are_shown_on_the_programme_clock(app):
    from datetime import datetime

    from flask import g
    from flask_babel import force_locale

    from assessment.templating import format_day, format_moment, local_day

    half_past_midnight_in_rome = datetime(2026, 11, 25, 23, 30)  # stored as naive UTC
    with app.test_request_context("/"):
        g.lang = "it"
        assert format_day(half_past_midnight_in_rome) == "26/11/2026"
        assert format_moment(half_past_midnight_in_rome) == "26/11/2026 00:30"
        assert format_moment(datetime(2026, 7, 1, 10, 0)) == "01/07/2026 12:00"  # summer time
        assert local_day(half_past_midnight_in_rome).day == 26
    with app.test_request_context("/"), force_locale("en"):
        g.lang = "en"
        assert format_day(half_past_midnight_in_rome) == "26 Nov 2026"


def test_money_is_written_as_each_language_writes_it(app):
    from flask import g
    from flask_babel import force_locale

    from assessment.templating import euros

    for lang, expected in (("it", "150.000\xa0€"), ("en", "€150,000")):  # a space that never breaks
        with app.test_request_context("/"), force_locale(lang):
            g.lang = lang
            assert euros(150_000.0) == expected


def test_development_secret_key_is_generated_once(tmp_path):
    first = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_default_database_is_sqlite_under_instance(tmp_path):
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'bussola.sqlite'}"


def test_static_assets_are_served_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "/static/css/app.css" in html and "http" not in html.split("<body")[0].replace("http-equiv", "")
    assert client.get("/static/css/app.css").status_code == 200



def test_wsgi_entry_point_serves_the_app_with_ranking_loaded(tmp_path):
    # What production runs (`gunicorn 'assessment.wsgi:app'`): the app, with scikit-learn already imported so
    # the first submission of each worker does not pay for it. A fresh interpreter, so nothing was imported yet.
    import os
    import subprocess
    import sys

    # The start-up heap is frozen out of the garbage collector's full collections (thousands of objects).
    probe = ("import gc, sys, flask; import assessment.wsgi as w; "
             "print(isinstance(w.app, flask.Flask), 'sklearn.feature_extraction.text' in sys.modules, "
             "w.app.url_map.bind('localhost').match('/valutazione')[0], gc.get_freeze_count() > 100000)")
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "wsgi-test", "APP_ENV": "development"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "public.start", "True"]


def test_the_language_switch_on_a_page_answering_a_post_returns_to_the_page_of_the_form(client):
    page = client.post("/login", data={"email": "", "password": ""},
                       headers={"Referer": "http://localhost/login?next=/coach/"}).get_data(as_text=True)
    # Not the address the form posted to (it may answer POST only): the page the form was on.
    assert '/lang/en?next=/login?next%3D/coach/"' in page
    page = client.post("/login", data={"email": ""}, headers={"Referer": "https://elsewhere.example/x"})
    assert '/lang/en?next=/"' in page.get_data(as_text=True)


def test_behind_a_proxy_each_visitor_has_their_own_rate_limit(tmp_path):
    from assessment import create_app

    def logins(app, forwarded_for: str) -> list[int]:
        client = app.test_client()
        # One account each: the attempts at one account share a budget of their own, whatever the address.
        return [client.post("/login", data={"email": f"x{n}@example.org", "password": "wrong"},
                            headers={"X-Forwarded-For": f"{forwarded_for}{n}"}).status_code for n in range(12)]

    from assessment.extensions import limiter

    overrides = {"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"}
    try:
        direct = create_app({**overrides, "PROXY_COUNT": 0})
        assert 429 in logins(direct, "203.0.113.")  # without a proxy the header is nobody's word: one bucket
        behind = create_app({**overrides, "PROXY_COUNT": 1})
        assert 429 not in logins(behind, "198.51.100.")  # twelve visitors, one attempt each
    finally:  # the limiter is shared by every app of the process: off again for the other tests
        limiter.reset()
        limiter.enabled = False
    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        load_config({"INSTANCE_PATH": str(tmp_path), "PROXY_COUNT": "one"})


def test_a_day_after_a_verb_takes_the_article_italian_wants(app):
    from datetime import date

    from assessment.app import use_language
    from assessment.templating import on_day

    with app.test_request_context():
        use_language("it")
        assert on_day(date(2026, 7, 12)) == "il 12/07/2026"
        assert on_day(date(2026, 7, 11)) == "l'11/07/2026" and on_day(date(2026, 7, 8)) == "l'08/07/2026"
        assert on_day(date(2026, 7, 1)) == "il 01/07/2026"  # il primo
        use_language("en")
        assert on_day(date(2026, 7, 11)) == "on 11 Jul 2026"
