"""The trainer's pages: their editions, and the attendance register of a session (a phone in the room).
Admins keep the same register from their own section (admin.session_register)."""
from __future__ import annotations

from datetime import time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..clock import local_today
from ..domain.errors import InvalidField
from ..extensions import db
from ..jobs import send_certificates
from ..models import TrainingEdition
from ..public.forms import EmptyForm
from ..services import attendance, certificates, training
from .views import bp


def _time(value: str | None) -> time | None:
    value = (value or "").strip()
    return time.fromisoformat(value[:5]) if value else None


def _entries(rows) -> tuple[list[attendance.RegisterEntry], dict[int, str]]:
    entries, errors = [], {}
    for registration, _record in rows:
        rid = registration.id
        is_present = request.form.get(f"present-{rid}") == "1"
        try:
            arrived, left = _time(request.form.get(f"arrived-{rid}")), _time(request.form.get(f"left-{rid}"))
        except ValueError:
            errors[rid] = _("Scrivi gli orari come 09:30.")
            continue
        entries.append(attendance.RegisterEntry(rid, is_present, arrived, left))
    return entries, errors


def session_register_page(session_id: int, endpoint: str):
    """GET shows, POST saves the register of a session; 404 for whoever may not keep it."""
    session = attendance.session_for_register(session_id)
    if session is None or not attendance.can_keep_register(current_user, session.edition):
        abort(404)
    form = EmptyForm()
    rows = attendance.register_rows(session)
    errors: dict[int, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        entries, errors = _entries(rows)
        if not errors:
            try:
                changed = attendance.save_register(session, entries, current_user)
                issued = certificates.issue_due_certificates(session.edition_id)  # completion reached: attestato
            except InvalidField as error:
                db.session.rollback()
                errors[int(error.field.rsplit("-", 1)[1])] = _("L'uscita deve venire dopo l'arrivo.")
            else:
                db.session.commit()
                send_certificates(current_app.config["REDIS_URL"], [c.id for c in issued])
                flash(ngettext_saved(changed), "success")
                return redirect(url_for(endpoint, session_id=session_id))
    return render_template("coach/session_register.html", session=session, rows=rows, form=form, errors=errors,
                           endpoint=endpoint), (400 if errors else 200)


def ngettext_saved(changed: int) -> str:
    from flask_babel import ngettext

    return ngettext("Registro salvato: %(num)d presenza aggiornata.", "Registro salvato: %(num)d presenze aggiornate.",
                    changed)


@bp.route("/formazione/incontri/<int:session_id>", methods=["GET", "POST"])
def session_register(session_id: int):
    return session_register_page(session_id, "coach.session_register")


@bp.get("/formazione")
def my_editions():
    editions = db.session.execute(
        db.select(TrainingEdition).where(TrainingEdition.trainer_user_id == current_user.id)
        .options(selectinload(TrainingEdition.sessions)).order_by(TrainingEdition.id.desc())).scalars().all()
    return render_template("coach/my_editions.html", summaries=training.summarise(list(editions), local_today()))
