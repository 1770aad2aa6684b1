"""An edition's participants with their hours and completion, its certificates and its attendance register
(CSV, XLSX, PDF): the same pages for the edition's trainer (coach blueprint) and for admins."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..downloads import attachment
from ..extensions import db
from ..jobs import send_certificates
from ..models import Registration, RegistrationStatus
from ..public.forms import EmptyForm
from ..services import certificates, registrations, training_register
from ..services.attendance import can_keep_register
from ..services.exports import csv_chunks, xlsx_bytes
from ..services.training_mail import mail_all, mail_cancelled_by_staff, mail_promoted
from .views import bp

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_FORMATS = ("csv", "xlsx", "pdf")


def _edition(edition_id: int):
    edition = training_register.edition_for_register(edition_id)
    if edition is None or not can_keep_register(current_user, edition):
        abort(404)
    return edition


def participants_page(edition_id: int, prefix: str):
    edition = _edition(edition_id)
    return render_template("coach/edition_participants.html", edition=edition, prefix=prefix,
                           lines=training_register.register_lines(edition), form=EmptyForm(),
                           waiting=registrations.waiting_list(edition.id))


def cancel_for_the_person(edition_id: int, registration_id: int, prefix: str):
    """Staff cancel a registration the person asked to drop by phone or e-mail (or a duplicate): the seat goes
    to the waiting list; both people are told by mail. Not once the person was marked present: the register
    keeps what happened."""
    edition = _edition(edition_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = redirect(url_for(f"{prefix}.edition_participants", edition_id=edition.id))
    if registration.status == RegistrationStatus.cancelled:
        return back
    if any(a.is_present for a in registration.attendances):
        flash(_("%(name)s risulta presente nel registro: l'iscrizione non si annulla. Correggi prima il registro, "
                "se la presenza è un errore.", name=registration.participant.name or _("La persona")), "error")
        return back
    cancelled, promoted = registrations.commit_registration(lambda: registrations.cancel_by_staff(registration.id))
    mail_all([cancelled], mail_cancelled_by_staff)
    mail_all(promoted, mail_promoted)
    flash(_("Iscrizione annullata; la persona è stata avvisata per e-mail.") + (
        " " + ngettext("%(num)d persona in lista d'attesa ha ottenuto il posto.",
                       "%(num)d persone in lista d'attesa hanno ottenuto il posto.", len(promoted))
        if promoted else ""), "success")
    return back


def issue_certificates(edition_id: int, prefix: str):
    """Issue the certificates due (completion derived from the register), then mail them."""
    edition = _edition(edition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    issued = certificates.issue_due_certificates(edition.id)
    db.session.commit()
    failed = send_certificates(current_app.config["REDIS_URL"], [c.id for c in issued])
    if not issued:
        flash(_("Nessun nuovo attestato: chi ha completato l'edizione lo ha già ricevuto."), "info")
    else:
        message = ngettext("%(num)d attestato rilasciato e inviato per e-mail.",
                           "%(num)d attestati rilasciati e inviati per e-mail.", len(issued))
        if failed:
            message += " " + ngettext("%(num)d e-mail non è partita: la persona lo scarica dal link della sua "
                                      "iscrizione.", "%(num)d e-mail non sono partite: le persone lo scaricano "
                                      "dal link della loro iscrizione.", failed)
        flash(message, "warning" if failed else "success")
    return redirect(url_for(f"{prefix}.edition_participants", edition_id=edition.id))


def register_download(edition_id: int, fmt: str):
    if fmt not in REGISTER_FORMATS:
        abort(404)
    edition = _edition(edition_id)
    lines = training_register.register_lines(edition)
    filename = training_register.register_filename(edition, fmt)
    if fmt == "pdf":
        pdf = training_register.render_register_pdf(edition, lines, g.lang)
        db.session.commit()  # the audit entry
        return attachment(pdf, "application/pdf", filename)
    table = training_register.register_table(edition, lines)
    db.session.commit()  # the audit entry is kept even if the download is interrupted
    if fmt == "xlsx":
        return attachment(xlsx_bytes(table), XLSX_MIMETYPE, filename)
    return attachment(stream_with_context(csv_chunks(table)), "text/csv", filename)


@bp.get("/formazione/<int:edition_id>/partecipanti")
def edition_participants(edition_id: int):
    return participants_page(edition_id, "coach")


@bp.post("/formazione/<int:edition_id>/attestati")
def edition_certificates(edition_id: int):
    return issue_certificates(edition_id, "coach")


@bp.post("/formazione/<int:edition_id>/iscrizioni/<int:registration_id>/annulla")
def edition_registration_cancel(edition_id: int, registration_id: int):
    return cancel_for_the_person(edition_id, registration_id, "coach")


@bp.get("/formazione/<int:edition_id>/registro.<fmt>")
def edition_register(edition_id: int, fmt: str):
    return register_download(edition_id, fmt)
