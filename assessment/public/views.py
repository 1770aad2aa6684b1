"""Public pages: home, language switch, health check."""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import text

from ..app import LANGUAGE_COOKIE
from ..extensions import db
from ..services.assessments import find_by_token
from ..services.profiles import PRIVACY_NOTICE_VERSION
from ..urls import safe_next
from .forms import EmptyForm

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html", started=started_here(), forget_form=EmptyForm())


# A workshop's shared computer offers the last company's link to the next person: only for a few hours after
# its last use, and "not you?" forgets it at once.
REMEMBERED_HOURS = 8


def remember_here(token: str) -> None:
    """Keep the assessment's link in this browser's session (which ends with the browser), for the home page."""
    session["resume_token"] = token
    session["resume_at"] = int(time.time())


def used_here(token: str) -> None:
    """The remembered assessment is in use: its REMEMBERED_HOURS count again from now (a session cookie is
    rewritten only when this changes it, once a minute at most)."""
    now = int(time.time())
    if session.get("resume_token") == token and now - session.get("resume_at", 0) > 60:
        session["resume_at"] = now


@bp.post("/dimentica")
def forget_here():
    if not EmptyForm().validate_on_submit():
        abort(400)
    session.pop("resume_token", None)
    session.pop("resume_at", None)
    flash(_("Fatto: questo dispositivo non propone più quella valutazione. Il link personale funziona ancora."),
          "success")
    return redirect(url_for("public.home"))


def started_here():
    """The assessment begun in this browser, to offer it back instead of a new empty one; None when there is
    none, it has expired, or it was last used here more than REMEMBERED_HOURS ago."""
    token = session.get("resume_token")
    if token and time.time() - session.get("resume_at", 0) > REMEMBERED_HOURS * 3600:
        session.pop("resume_token", None)
        session.pop("resume_at", None)
        return None
    assessment = find_by_token(token) if token else None
    return (assessment, token) if assessment is not None else None


@bp.get("/privacy")
def privacy():
    """The privacy notice the owner accepts on the profile step, in the version the consent records."""
    return render_template("public/privacy.html", version=PRIVACY_NOTICE_VERSION,
                           controller=current_app.config["PRIVACY_CONTROLLER"],
                           contact=current_app.config["PRIVACY_CONTACT"],
                           retention_days=current_app.config["DRAFT_RETENTION_DAYS"])


@bp.get("/lang/<code>")
def set_language(code: str):
    target = safe_next(request.args.get("next")) or url_for("public.home")
    return with_language(redirect(target), code)


def with_language(response, code: str):
    """The response, remembering the language chosen in this browser for a year."""
    if code in ("it", "en"):
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/healthz")
def healthz():
    version = current_app.config["VERSION"]
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unavailable", never a 500
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable", version=version), 503
    return jsonify(status="ok", database="ok", version=version)
