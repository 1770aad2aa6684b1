"""Friendly error pages in both languages; JSON errors under /api; never a traceback outside debug."""
from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from .database import is_lock_timeout
from .extensions import db, login_manager
from .urls import same_site_referrer


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body: dict = {"error": {"status": status, "code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def without_the_user() -> None:
    """The rest of this request is anonymous: an error page for a database that is down never asks it for the
    logged-in user again, neither loading them nor refreshing the one the rollback expired (the menu and the
    language read as a visitor's; the session itself is kept for when the database returns)."""
    g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request cache: the loader is not called


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not db.session.is_active:  # a write failed before the error: end that transaction before the page
            db.session.rollback()     # reads the user and the language
        status = error.code or 500
        if wants_json():
            response = json_error(status, (error.name or "error").lower().replace(" ", "_"), error.description or "")[0]
        else:
            template = f"errors/{status}.html" if status in (400, 403, 404, 429, 500, 503) else "errors/generic.html"
            response = make_response(render_template(template, error=error, status=status))
        # The error's own headers: Allow on a 405, Retry-After on a 429, WWW-Authenticate on a 401.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        response.status_code = status
        return response

    @app.errorhandler(CSRFError)
    def _form_expired(error: CSRFError):
        # Usually a form left open while its session ended: nothing was saved, so say so and offer the way back
        # to a fresh copy of the form (its saved answers included), rather than a bare "bad request".
        if wants_json():
            return json_error(400, "csrf_failed", error.description or "")
        rule = request.url_rule
        back = request.path if rule is not None and "GET" in (rule.methods or ()) else same_site_referrer()
        return render_template("errors/expired.html", status=400, back=back), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_unavailable(error: Exception):
        # The pool is reset so the app recovers by itself when the database returns.
        db.session.rollback()
        without_the_user()
        if is_lock_timeout(error):
            return _busy()
        app.logger.warning("database unavailable: %s", error.__class__.__name__)
        if wants_json():
            return json_error(503, "database_unavailable", _("Il servizio è momentaneamente non disponibile."))
        return render_template("errors/503.html", status=503), 503

    def _busy():
        # SQLite's write lock stayed taken by other writers for the whole busy timeout: the database is there and
        # nothing of this request was kept, so the answer says "busy, send again", not "the service is down".
        app.logger.warning("database busy: no write lock within %s s", app.config["SQLITE_BUSY_TIMEOUT"])
        if wants_json():
            message = _("Troppe richieste nello stesso momento: quanto inviato non è stato salvato, invia di nuovo "
                        "tra qualche secondo.")
            response = json_error(503, "database_busy", message)[0]
        else:
            rule = request.url_rule
            back = request.path if rule is not None and "GET" in (rule.methods or ()) else same_site_referrer()
            response = make_response(render_template("errors/busy.html", status=503, back=back))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    def _refused_by_database(error: DBAPIError, status: int, code: str, message: str):
        """The database refused this request's write, not the service: roll back, log the reason, answer."""
        db.session.rollback()
        app.logger.warning("%s refused by the database: %s", code, str(error.orig).splitlines()[0][:200])
        if wants_json():
            return json_error(status, code, message)
        return render_template(f"errors/{status}.html", status=status), status

    @app.errorhandler(DataError)
    def _value_refused(error: DataError):
        db.session.rollback()  # first: the message's language may read the user, in a transaction that failed
        # A value the database cannot hold (a number out of range, a malformed date) is the request's fault,
        # not an outage: the forms bound what they can, and this says so for anything that slips through.
        return _refused_by_database(error, 400, "invalid_value", _("Un valore della richiesta non è valido."))

    @app.errorhandler(IntegrityError)
    def _saved_meanwhile(error: IntegrityError):
        db.session.rollback()  # first, as above
        # Two requests saving the same thing at the same moment (the same partita IVA, the same code): the
        # forms check first, so only a race gets here. Nothing of this request was kept; sending again works.
        return _refused_by_database(error, 409, "conflict", _("Gli stessi dati sono stati appena salvati da "
                                                              "un'altra richiesta: invia di nuovo."))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http_error(error)
        app.logger.exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return json_error(500, "internal_error", _("Errore interno: riprova più tardi."))
        return render_template("errors/500.html", status=500), 500
