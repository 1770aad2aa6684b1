"""Training editions: list, create, edit, copy and cancel (registrants are told by mail)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..clock import local_today
from ..domain.errors import InvalidField
from ..extensions import db
from ..models import TrainingEdition
from ..public.forms import EmptyForm
from ..services import registrations, training
from ..services.training_mail import mail_all, mail_edition_cancelled, mail_promoted, mail_schedule_changed
from .training_forms import CopyEditionForm, EditionForm
from .views import bp, page_number

_REASONS = {  # the services' reasons, in the page's language
    "track_id": lambda: _("Scegli un laboratorio o un corso online."),
    "trainer_name": lambda: _("Un coach o un formatore esterno, non entrambi."),
    "trainer_user_id": lambda: _("Account sconosciuto."),
    "place": lambda: _("Indica il luogo o il link per seguire online."),
    "sessions": lambda: _("Un incontro con presenze registrate non si può togliere: segnalo come annullato."),
    "edition": lambda: _("Edizione annullata: non si modifica più (le persone iscritte sono già state avvisate). "
                         "Per riproporla, copiala."),
    "certified": lambda: _("Per questa edizione sono già stati rilasciati attestati: gli incontri non si aggiungono, "
                           "non si tolgono e non si annullano più (cambierebbero le ore attestate). Per altri "
                           "incontri crea una nuova edizione."),
    "registration_deadline_on": lambda: _("Le iscrizioni devono chiudersi entro l'ultimo incontro."),
    "capacity": lambda: _("Ci sono più persone con posto confermato: i posti non possono essere meno di loro. "
                          "Annulla prima qualche iscrizione dalla pagina dei partecipanti."),
}
_SESSION_REASONS = {  # a row of the sessions table
    "must be after the start time": lambda: _("La fine deve venire dopo l'inizio."),
    "a session with attendance cannot be moved": lambda: _(
        "Questo incontro ha già presenze registrate: data e orari non si cambiano. Annullalo e aggiungine un altro."),
}


def _edition_form() -> EditionForm:
    form = EditionForm()
    form.track_id.choices = [(t.id, f"{t.code} · {t.title_it}") for t in training.training_tracks()]
    form.trainer_user_id.choices = [(0, _("— nessun coach —"))] + [
        (u.id, f"{u.name} ({u.email})") for u in training.trainer_coaches()]
    return form


def _attach(form: EditionForm, error: InvalidField) -> None:
    if error.field.startswith("sessions-"):  # sessions-<row>-end_time
        _prefix, row, name = error.field.split("-", 2)
        field = form.sessions[int(row)][name]
        field.errors = [*field.errors, _SESSION_REASONS.get(error.reason, lambda: error.reason)()]
        return
    reason = _REASONS.get(error.field, lambda: error.reason)()
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, reason]
    else:
        form.form_errors.append(reason)


@bp.get("/formazione")
def editions():
    pagination = training.admin_editions(page_number())
    summaries = training.summarise(list(pagination.items), local_today())
    return render_template("admin/editions.html", pagination=pagination, summaries=summaries)


@bp.route("/formazione/nuova", methods=["GET", "POST"])
@bp.route("/formazione/<int:edition_id>", methods=["GET", "POST"])
def edition_edit(edition_id: int | None = None):
    edition = training.edition_for_page(edition_id) if edition_id else None
    if edition_id and edition is None:
        abort(404)
    form = _edition_form()
    if request.method == "GET" and edition is not None:
        form.load(edition)
    sessions = form.session_inputs() if form.validate_on_submit() else None
    if sessions is not None:
        before = training.schedule(edition) if edition is not None else None
        try:
            edition = training.save_edition(edition, form.values(), sessions)
            promoted = registrations.fill_seats(registrations.lock_edition(edition.id))  # more seats: the queue moves
        except InvalidField as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            mail_all(promoted, mail_promoted)
            told = training.active_registrations(edition) if before not in (None, training.schedule(edition)) else []
            mail_all([r for r in told if r not in promoted], mail_schedule_changed)
            flash(ngettext("Edizione salvata; %(num)d persona iscritta ha ricevuto il calendario aggiornato.",
                           "Edizione salvata; %(num)d persone iscritte hanno ricevuto il calendario aggiornato.",
                           len(told)) if told else _("Edizione salvata."), "success")
            return redirect(url_for("admin.edition_edit", edition_id=edition.id))
    summary = training.summarise([edition], local_today())[0] if edition is not None else None
    people = training.edition_registrations(edition.id) if edition is not None else []
    held = edition is not None and training.has_register_records(edition.id)
    return render_template("admin/edition_edit.html", form=form, edition=edition, summary=summary,
                           button_form=EmptyForm(), people=people, held=held)


@bp.post("/formazione/<int:edition_id>/annulla")
def edition_cancel(edition_id: int):
    edition = db.get_or_404(TrainingEdition, edition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if edition.is_cancelled:
        flash(_("L'edizione era già annullata."), "warning")
        return redirect(url_for("admin.edition_edit", edition_id=edition_id))
    try:
        told = training.cancel_edition(registrations.lock_edition(edition.id))
    except InvalidField:
        db.session.rollback()
        flash(_("Questa edizione si è già svolta, almeno in parte: il registro delle presenze ne è la prova e chi "
                "l'ha completata resta formato. Non si annulla: annulla solo gli incontri che non si terranno."),
              "error")
        return redirect(url_for("admin.edition_edit", edition_id=edition_id))
    db.session.commit()
    failed = mail_all(told, mail_edition_cancelled)
    flash(ngettext_told(len(told) - failed, failed), "success" if not failed else "warning")
    return redirect(url_for("admin.edition_edit", edition_id=edition_id))


def ngettext_told(sent: int, failed: int) -> str:
    message = ngettext("Edizione annullata: %(num)d persona avvisata per e-mail.",
                       "Edizione annullata: %(num)d persone avvisate per e-mail.", sent)
    if failed:
        message += " " + ngettext("%(num)d e-mail non è partita.", "%(num)d e-mail non sono partite.", failed)
    return message


@bp.route("/formazione/<int:edition_id>/copia", methods=["GET", "POST"])
def edition_copy(edition_id: int):
    edition = training.edition_for_page(edition_id)
    if edition is None:
        abort(404)
    form = CopyEditionForm()
    if form.validate_on_submit():
        copy = training.copy_edition(edition, form.first_on.data)
        db.session.commit()
        flash(_("Edizione copiata e già aperta alle iscrizioni: controlla date, luogo e posti."), "success")
        return redirect(url_for("admin.edition_edit", edition_id=copy.id))
    return render_template("admin/edition_copy.html", form=form, edition=edition)


@bp.route("/formazione/incontri/<int:session_id>", methods=["GET", "POST"])
def session_register(session_id: int):
    from ..coach.training_views import session_register_page

    return session_register_page(session_id, "admin.session_register")


@bp.get("/formazione/<int:edition_id>/partecipanti")
def edition_participants(edition_id: int):
    from ..coach.training_report_views import participants_page

    return participants_page(edition_id, "admin")


@bp.post("/formazione/<int:edition_id>/attestati")
def edition_certificates(edition_id: int):
    from ..coach.training_report_views import issue_certificates

    return issue_certificates(edition_id, "admin")


@bp.post("/formazione/<int:edition_id>/iscrizioni/<int:registration_id>/annulla")
def edition_registration_cancel(edition_id: int, registration_id: int):
    from ..coach.training_report_views import cancel_for_the_person

    return cancel_for_the_person(edition_id, registration_id, "admin")


@bp.get("/formazione/<int:edition_id>/registro.<fmt>")
def edition_register(edition_id: int, fmt: str):
    from ..coach.training_report_views import register_download

    return register_download(edition_id, fmt)
