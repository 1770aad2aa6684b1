"""Public training pages: editions by thematic area, registration (seat or waiting list), cancel link, check-in.

Nothing on these pages tells whether an e-mail address is registered or a partita IVA belongs to a known
company: every registration ends on the same page, and what happened is said in the mail to that address."""
from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from limits import parse as parse_limit

from ..clock import local_now, local_today
from ..domain.errors import InvalidField
from ..extensions import db, limiter
from ..jobs import send_certificates
from ..models import RegistrationStatus, TrainingEdition
from ..services import registrations as service
from ..services import training
from ..services.attendance import check_in
from ..services.certificates import issue_due_certificates
from ..services.training_mail import mail_all, mail_promoted, mail_registration
from .flow import token_limited
from .forms import EmptyForm
from .training_forms import CheckInForm, RegistrationForm
from .views import bp

REGISTER_LIMIT = "10 per minute; 60 per hour"  # a workshop's participants may share one network address
MAILS_PER_RECIPIENT = parse_limit("5 per hour")  # repeated registrations never flood someone's mailbox


def _mailbox_has_room(email: str) -> bool:
    key = "training-mail-" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    try:
        return not limiter.enabled or limiter.limiter.hit(MAILS_PER_RECIPIENT, key)
    except Exception:  # noqa: BLE001 - the counter's store unreachable: the per-address page limit still holds
        return True


@bp.get("/formazione")
def training_list():
    groups = training.by_area(training.public_editions(local_today()))
    return render_template("public/training_list.html", groups=groups)


@bp.route("/formazione/<int:edition_id>", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def training_edition(edition_id: int):
    edition = training.edition_for_page(edition_id)
    if edition is None or edition.is_cancelled:
        abort(404)
    summary = training.summarise([edition], local_today())[0]
    form = RegistrationForm()
    if summary.is_open and form.validate_on_submit():
        try:
            outcome = service.commit_registration(lambda: service.register(
                edition_id, name=form.name.data, email=form.email.data, role=form.role.data,
                vat_number=form.vat_number.data, firm_name=form.firm_name.data, language=g.lang,
                today=local_today()))
        except service.RegistrationClosed:
            db.session.rollback()
            flash(_("Le iscrizioni a questa edizione sono chiuse."), "warning")
            return redirect(url_for("public.training_edition", edition_id=edition_id))
        except InvalidField as error:  # the form checked the partita IVA already: only a changed rule gets here
            db.session.rollback()
            form.vat_number.errors = [*form.vat_number.errors, error.reason]
        else:
            if not outcome.was_registered or _mailbox_has_room(outcome.registration.participant.email):
                service.mail_link(outcome, lambda r, token: mail_registration(r, token, service.waiting_position(r)))
            return redirect(url_for("public.training_thanks", edition_id=edition_id))
    return render_template("public/training_edition.html", edition=edition, summary=summary, form=form)


@bp.get("/formazione/<int:edition_id>/grazie")
def training_thanks(edition_id: int):
    edition = db.get_or_404(TrainingEdition, edition_id)
    return render_template("public/training_thanks.html", edition=edition)


@bp.route("/formazione/annulla/<token>", methods=["GET", "POST"])
@token_limited
def training_cancel(token: str):
    registration = service.find_by_cancel_token(token)
    if registration is None:
        return render_template("public/link_gone.html", kind="training"), 404
    form = EmptyForm()
    # Once marked present the register keeps what happened (and a completion counts): no cancelling then.
    attended = any(a.is_present for a in registration.attendances)
    if form.validate_on_submit() and registration.status != RegistrationStatus.cancelled and not attended:
        _cancelled, promoted = service.commit_registration(lambda: service.cancel_registration(registration.id))
        mail_all(promoted, mail_promoted)
        flash(_("Iscrizione annullata. Grazie di avercelo detto: il posto va a chi era in lista d'attesa."),
              "success")
        return redirect(url_for("public.training_cancel", token=token))
    return render_template("public/training_cancel.html", registration=registration, form=form,
                           position=service.waiting_position(registration), attended=attended)


@bp.route("/formazione/presenza", methods=["GET", "POST"])
# A whole classroom checks in from the room's Wi-Fi, one address: 10 a minute turned people away. The code is
# valid only during the session and must go with a registered address, so guessing stays out of reach.
@limiter.limit("60 per minute", methods=["POST"])
def training_check_in():
    form = CheckInForm()
    if form.validate_on_submit():
        attendance = check_in(form.email.data, form.code.data, local_now())
        if attendance is not None:
            issued = issue_due_certificates(attendance.session.edition_id)  # completion reached: attestato
            db.session.commit()
            send_certificates(current_app.config["REDIS_URL"], [c.id for c in issued])
            flash(_("Presenza registrata. Buona formazione!"), "success")
            return redirect(url_for("public.training_check_in"))
        form.code.errors = [*form.code.errors, _("Codice non valido in questo momento, o e-mail non iscritta a "
                                                 "questo incontro. Controlla e riprova, o chiedi al formatore.")]
    return render_template("public/training_check_in.html", form=form)


@bp.app_template_global("editions_of_recommended_tracks")
def editions_of_recommended_tracks(recommendations: dict | None) -> list[training.EditionSummary]:
    """Upcoming editions of the tracks recommended on a result page (one fixed set of queries, none if none)."""
    track_ids = [m.track_id for m in (recommendations or {}).get("tracks", [])]
    return training.public_editions(local_today(), track_ids) if track_ids else []
