"""A registered person's own pages, reached by the secret link of their registration: the digital-skills
self-check (at registration and again at completion) with their profile and its change, the export and the
erasure of their data."""
from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.errors import InvalidAnswers
from ..domain.scoring import advice_band
from ..downloads import named
from ..extensions import db
from ..models import Registration
from ..questionnaire_forms import (
    fill_form,
    form_answers,
    help_markup,
    reason_text,
    whole_form_class,
)
from ..services import skills as service
from ..services.audit import record
from ..services.certificates import certificate_of
from ..services.participant_privacy import erase_participant, export_participants
from ..services.registrations import commit_registration, find_by_cancel_token
from ..services.training_mail import mail_all, mail_promoted
from .flow import link_gone, token_limited
from .forms import EmptyForm
from .views import bp


def _registration(token: str) -> Registration:
    registration = find_by_cancel_token(token)
    if registration is None or registration.participant.erased_at is not None:
        link_gone("training")
    return registration


@bp.route("/formazione/iscrizione/<token>/competenze", methods=["GET", "POST"])
@token_limited
def skills_check(token: str):
    registration = _registration(token)
    loaded = service.skills_questionnaire()
    if loaded is None:
        link_gone("training")
    _version, questionnaire = loaded
    page = service.skills_page(registration)
    form = whole_form_class(questionnaire, g.lang)()
    if page.due is not None and request.method == "POST" and form.validate_on_submit():
        raw = form_answers(form, questionnaire.questions)
        try:
            service.save_skills_check(registration, page.due, raw)
        except InvalidAnswers as error:
            db.session.rollback()
            for key, reason in error.errors.items():
                if key in form:
                    form[key].errors = [reason_text(reason)]
        else:
            db.session.commit()
            flash(_("Grazie: ecco il tuo profilo di competenze digitali."), "success")
            return redirect(url_for("public.skills_check", token=token) + "#profile")
    elif request.method == "GET":
        fill_form(form, questionnaire.questions, {})
    helps = {q.key: help_markup(q, g.lang) for q in questionnaire.questions}
    titles = {d.key: d.title for d in questionnaire.dimensions}
    latest = page.checks[-1].scores if page.checks else {}
    advice = [(d, latest[d.key], advice_band(latest[d.key])) for d in questionnaire.dimensions if d.key in latest]
    return render_template("public/skills_check.html", registration=registration, page=page, form=form,
                           questionnaire=questionnaire, helps=helps, titles=titles, token=token, advice=advice,
                           certificate=certificate_of(registration)), (400 if form.errors else 200)


@bp.get("/formazione/iscrizione/<token>/dati.json")
@token_limited
def participant_data(token: str):
    """Everything stored about the person, as a JSON file (the rights of access and portability); the export is
    in the audit log, committed first."""
    participant = _registration(token).participant
    [data] = export_participants([participant])
    record("export", participant.company_id, participant_id=participant.id, via="registration_link")
    db.session.commit()
    return named(jsonify(data), "bussola-digitale-formazione-dati.json")


@bp.route("/formazione/iscrizione/<token>/cancella-dati", methods=["GET", "POST"])
@token_limited
def participant_erase(token: str):
    registration = _registration(token)
    form = EmptyForm()
    if form.validate_on_submit():
        participant = registration.participant
        promoted = commit_registration(lambda: erase_participant(participant))
        mail_all(promoted, mail_promoted)
        return render_template("public/participant_erased.html")
    return render_template("public/participant_erase.html", registration=registration, form=form, token=token)
