"""The trainer's pages: their editions, and the attendance register of a session (a phone in the room).
Admins keep the same register from their own section (admin.session_register)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..clock import local_today
from ..domain.errors import InvalidField
from ..extensions import db
from ..jobs import send_certificates
from ..models import Company, RegistrationStatus, TrainingEdition
from ..public.forms import EmptyForm
from ..services import attendance, certificates, registrations, training
from ..services.recommendations import recommended_track_ids
from ..services.training_mail import mail_registration
from ..templating import format_day
from .training_forms import OnBehalfForm
from .views import _accepted_or_refused, bp


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


def _shown(rows, typed: bool) -> dict[int, dict]:
    """The values of each row of the page: what was typed when the register was refused (nothing lost), else
    the stored record."""
    if typed:
        return {r.id: {"present": request.form.get(f"present-{r.id}") == "1",
                       "arrived": (request.form.get(f"arrived-{r.id}") or "")[:20],
                       "left": (request.form.get(f"left-{r.id}") or "")[:20]} for r, _record in rows}
    return {r.id: {"present": bool(record and record.is_present),
                   "arrived": record.arrived_at.strftime("%H:%M") if record and record.arrived_at else "",
                   "left": record.left_at.strftime("%H:%M") if record and record.left_at else ""}
            for r, record in rows}


def session_register_page(session_id: int, endpoint: str):
    """GET shows, POST saves the register of a session; 404 for whoever may not keep it."""
    session = attendance.session_for_register(session_id)
    if session is None or not attendance.can_keep_register(current_user, session.edition):
        abort(404)
    form = EmptyForm()
    rows = attendance.register_rows(session)
    errors: dict[int, str] = {}
    not_yet = not attendance.takes_presence(session, local_today())
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if not_yet:
            return render_template("coach/session_register.html", session=session, rows=rows, form=form,
                                   errors={}, shown=_shown(rows, typed=True), endpoint=endpoint,
                                   not_yet=True, refused=True), 400
        entries, errors = _entries(rows)
        # Every row is checked, even when another's time was not understood: all the errors at once.
        errors |= {rid: _problem(session, error)
                   for rid, error in attendance.register_problems(session, entries).items()}
        if not errors:
            changed = attendance.save_register(session, entries, current_user)
            issued = certificates.issue_due_certificates(session.edition_id)  # completion reached: attestato
            db.session.commit()
            send_certificates(current_app.config["REDIS_URL"], [c.id for c in issued])
            flash(ngettext_saved(changed), "success")
            return redirect(url_for(endpoint, session_id=session_id))
    return render_template("coach/session_register.html", session=session, rows=rows, form=form, errors=errors,
                           shown=_shown(rows, typed=bool(errors)), endpoint=endpoint,
                           not_yet=not_yet), (400 if errors else 200)


def _problem(session, error: InvalidField) -> str:
    if error.reason == "outside the session":
        return _("Orario fuori dall'incontro: arrivo e uscita vanno tra le %(start)s e le %(end)s.",
                 start=session.start_time.strftime("%H:%M"), end=session.end_time.strftime("%H:%M"))
    return _("L'uscita deve venire dopo l'arrivo.")


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


def on_behalf_form(company_id: int, editions) -> OnBehalfForm:
    form = OnBehalfForm(prefix="training")
    form.edition_id.choices = [(s.edition.id, f"{s.edition.title} · {format_day(s.first_on)}") for s in editions
                               if s.is_open]
    return form


@bp.post("/imprese/<int:company_id>/formazione")
def register_on_behalf(company_id: int):
    company = _accepted_or_refused(company_id)  # 404 unless the coach may see it; only while following it
    if company is None or not company.vat_number:
        return redirect(url_for("coach.company", company_id=company_id) + "#training")
    # Only the editions the page offers: those of the company's recommended tracks.
    form = on_behalf_form(company_id, training.public_editions(
        local_today(), recommended_track_ids(company.id)))
    if not form.validate_on_submit():
        flash(_("Iscrizione non registrata: scegli l'edizione, scrivi nome, e-mail e ruolo e conferma il "
                "consenso della persona."), "error")
        return redirect(url_for("coach.company", company_id=company_id) + "#training")
    try:
        outcome = registrations.commit_registration(lambda: registrations.register(
            form.edition_id.data, name=form.name.data, email=form.email.data, role=form.role.data,
            vat_number=company.vat_number, firm_name=company.name or "", language=company.language,
            today=local_today(), registered_by=current_user))
    except registrations.PersonOfAnotherFirm:
        db.session.rollback()
        flash(_("Iscrizione non registrata: questo indirizzo e-mail è già iscritto per un'altra impresa. La persona "
                "può iscriversi da sé dalla pagina dell'edizione."), "error")
    except InvalidField:
        db.session.rollback()
        flash(_("Le iscrizioni a questa edizione sono chiuse."), "error")
    else:
        registrations.mail_link(outcome, lambda r, token: mail_registration(
            r, token, registrations.waiting_position(r)))
        flash(_("Iscrizione registrata: la persona riceve l'e-mail di conferma con il calendario.")
              if outcome.registration.status == RegistrationStatus.confirmed
              else _("Edizione al completo: la persona è in lista d'attesa e riceve un'e-mail."), "success")
    return redirect(url_for("coach.company", company_id=company_id) + "#training")


@dataclass(frozen=True)
class TrainingSection:
    recommended: list  # EditionSummary of the editions of the company's recommended tracks
    registrations: list
    form: OnBehalfForm | None


@bp.app_template_global("coach_training_section")
def coach_training_section(company: Company, recommendations: dict | None, with_form: bool) -> TrainingSection:
    """The training part of a company's page (a fixed number of queries): the editions of its recommended
    tracks, its people's registrations, and for its coach the form to register someone."""
    track_ids = [m.track_id for m in (recommendations or {}).get("tracks", [])]
    editions = training.public_editions(local_today(), track_ids)  # none recommended: an empty IN, still one query
    form = on_behalf_form(company.id, editions) if with_form and company.vat_number else None
    return TrainingSection(recommended=editions, registrations=registrations.company_registrations(company.id),
                           form=form)
