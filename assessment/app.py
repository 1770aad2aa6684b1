"""The application factory: configuration, extensions, blueprints, errors and CLI; no writes, no network."""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import __version__
from .config import PROJECT_ROOT, load_config
from .database import configure_sqlite, dispatch_retrying_reads
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .urls import safe_next, same_site_referrer

LANGUAGE_COOKIE = "lang"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = App(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(Path(load_config()["INSTANCE_DIR"]).resolve()),
        instance_relative_config=False,
    )
    app.config.from_mapping(load_config())
    if overrides:
        app.config.update(overrides)
    app.config.setdefault("QUESTIONNAIRE_DIR", str(PROJECT_ROOT / "questionnaires"))
    app.config["VERSION"] = __version__
    # Every <int:...> in a URL is a row id: one no column can hold is a 404 here, not an error in the database.
    app.url_map.converters["int"] = RowId
    if app.config["PROXY_COUNT"]:
        # Behind that many proxies, the client's address and scheme are the ones they forward: each visitor
        # gets their own rate limits (else all share the proxy's), and HTTPS is seen (HSTS, secure links).
        count = app.config["PROXY_COUNT"]
        # The scheme is the one the proxy nearest to us heard (an outer one's is overwritten by it, not added).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=1)

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def settle_heap() -> None:
    """Once the app is built, before serving: the objects loaded so far (modules, templates, questionnaires,
    scikit-learn) live as long as the process, yet every full collection of the garbage collector walks them
    all, some 250,000, a pause of 50-150 ms in whichever request triggers it (a page that reads thousands of
    rows, the dashboard, triggers it often). Frozen, they are skipped; what requests make is still collected."""
    gc.collect()
    gc.freeze()


class App(Flask):
    """Flask, but a reading request whose view wrote and found SQLite's write lock taken runs it once more."""

    def dispatch_request(self):
        return dispatch_retrying_reads(super().dispatch_request)


class RowId(IntegerConverter):
    """A row id: ASCII digits only (werkzeug's \\d also takes "１" and other Unicode digits), within a column."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    languages = ("it", "en")
    chosen = g.get("lang_override") or request.cookies.get(LANGUAGE_COOKIE) or session.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    if request.path.startswith("/api/"):  # a program says which language it reads; a person picks on the page
        return request.accept_languages.best_match(languages) or "it"
    return "it"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PROJECT_ROOT / "assessment" / "translations"))
    login_manager.init_app(app)
    limiter.init_app(app)
    with app.app_context():  # on SQLite: WAL, busy timeout, the write lock up front for writers
        configure_sqlite(app, db.engine)

    from .auth.sessions import load_session_user

    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(ask_to_log_in)


def ask_to_log_in():
    """To the login page, then back. After a form sent with an expired session the way back is the page the
    form was on: the form's own address answers POST only."""
    back = request.full_path.rstrip("?") if request.method == "GET" else same_site_referrer()
    flash(_("Accedi per continuare: la sessione è scaduta o non hai ancora effettuato l'accesso."), "info")
    return redirect(url_for("auth.login", next=safe_next(back)))


def register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .auth.views import bp as auth_bp
    from .coach import training_report_views as _coach_reports  # noqa: F401  (the same)
    from .coach import training_views as _coach_training  # noqa: F401  (its routes register on coach_bp)
    from .coach.views import bp as coach_bp
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(coach_bp, url_prefix="/coach")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_error_handlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from .security import add_security_headers

    app.after_request(add_security_headers)


def register_template_helpers(app: Flask) -> None:
    from .templating import register

    register(app)

    @app.before_request
    def _remember_language() -> None:
        # Flask-Babel and Flask-Login cache the locale and the user on the app context, which a request
        # shares when one is already pushed (tests, scripts): every request starts from its own cookies.
        g.pop("lang_override", None)
        refresh()
        g.pop("_login_user", None)
        g.lang = select_locale()


def use_language(code: str) -> None:
    """Switch the rest of this request to another language (what the page renders, the messages it flashes)."""
    g.lang_override = code
    refresh()
    g.lang = select_locale()


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
