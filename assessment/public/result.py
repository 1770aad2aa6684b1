"""The owner's result: page, PDF report, re-assessment, and consent withdrawal."""
from __future__ import annotations

from flask import abort, after_this_request, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..clock import local_time
from ..downloads import attachment, company_data_download
from ..extensions import db
from ..models import ConsentKind, FeedbackSource, Match
from ..reports.pdf import render_report_pdf
from ..security import no_referrer
from ..services import assessments as service
from ..services.alert_subscriptions import alert_panel
from ..services.assignment import coach_state
from ..services.calendars import ensure_feed
from ..services.grant_pages import owner_assessment
from ..services.privacy import erase_company
from ..services.recommendations import given_feedback, record_feedback
from ..services.results import build_result
from ..services.training_mail import mail_all, mail_promoted
from .flow import in_its_language, link_gone, token_limited
from .forms import EmptyForm, EraseForm
from .views import bp, remember_here, used_here


def _submitted(token: str):
    assessment = owner_assessment(token)
    if assessment is None:
        link_gone()
    return assessment


def _acted_on(token: str):
    """The submitted assessment a result-page button acts on, once the button's form is known to be ours."""
    assessment = _submitted(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return assessment


def _came_from_link(assessment) -> bool:
    # Progress since the previous result is shown only to whoever re-assessed through the company's link.
    return bool(assessment.draft_profile.get("_from_link"))


@bp.get("/risultato/<token>")
@token_limited
def result(token: str):
    assessment = _submitted(token)
    in_its_language(assessment)
    used_here(token)
    after_this_request(no_referrer)  # the secret link is in this address: no page it leads to may learn it
    if ensure_feed(assessment.company):  # a company assessed before addresses were made with each submission
        db.session.commit()
    panel = alert_panel(assessment.company)
    view = build_result(assessment, g.lang, show_previous=_came_from_link(assessment))
    return render_template("public/result.html", view=view, token=token, form=EmptyForm(),
                           company=assessment.company, coach=coach_state(assessment.company), alerts=panel,
                           feedback_given=given_feedback(view.recommendations, FeedbackSource.owner))


@bp.get("/risultato/<token>/rapporto.pdf")
@token_limited
def report_pdf(token: str):
    assessment = _submitted(token)
    in_its_language(assessment)
    view = build_result(assessment, g.lang, show_previous=_came_from_link(assessment))
    try:
        pdf = render_report_pdf(view, g.lang)
    except Exception:  # noqa: BLE001 - a renderer failure must not hide the result: say what is missing
        flash(_("Il rapporto PDF non è disponibile in questo momento. I tuoi risultati sono salvati: "
                "riprova più tardi."), "error")
        return redirect(url_for("public.result", token=token))
    return attachment(pdf, "application/pdf", f"bussola-digitale-{local_time(assessment.submitted_at):%Y-%m-%d}.pdf")


@bp.post("/risultato/<token>/nuova-valutazione")
@token_limited
def reassess(token: str):
    assessment = _acted_on(token)
    draft, new_token = service.start_draft(assessment.questionnaire_version.key, g.lang,
                                           company=assessment.company)
    draft.draft_profile = {**draft.draft_profile, "_from_link": True}
    db.session.commit()
    remember_here(new_token)  # the home page of this browser offers it back
    return redirect(url_for("public.section", token=new_token, step=1))


@bp.post("/risultato/<token>/ritira-consenso")
@token_limited
def withdraw_contact(token: str):
    assessment = _acted_on(token)
    service.withdraw_consent(assessment.company, ConsentKind.coach_contact)
    db.session.commit()
    flash(_("Hai ritirato il consenso a essere contattato da un coach."), "success")
    return redirect(url_for("public.result", token=token))


@bp.post("/risultato/<token>/coach")
@token_limited
def ask_for_a_coach(token: str):
    assessment = _acted_on(token)
    service.ask_for_a_coach_again(assessment.company)
    db.session.commit()
    flash(_("Richiesta registrata: il gestore del programma ti affiderà a un coach."), "success")
    return redirect(url_for("public.result", token=token))


@bp.post("/risultato/<token>/suggerimenti/<int:match_id>")
@token_limited
def feedback(token: str, match_id: int):
    assessment = _submitted(token)
    match = db.session.get(Match, match_id)
    if match is None or match.company_id != assessment.company_id or not EmptyForm().validate_on_submit():
        abort(404)
    record_feedback(match, FeedbackSource.owner, request.form.get("relevant") == "1")
    db.session.commit()
    return redirect(url_for("public.result", token=token, _anchor=f"match-{match.id}"))


@bp.get("/risultato/<token>/dati.json")
@token_limited
def export_data(token: str):
    return company_data_download(_submitted(token).company, "bussola-digitale-dati.json")


@bp.route("/risultato/<token>/cancella", methods=["GET", "POST"])
@token_limited
def erase(token: str):
    assessment = _submitted(token)
    form = EraseForm()
    if form.validate_on_submit():
        promoted = erase_company(assessment.company)
        db.session.commit()
        mail_all(promoted, mail_promoted)  # the seats its people freed went to the waiting lists
        flash(_("I dati della tua impresa sono stati cancellati. Restano, senza nome né partita IVA, i punteggi "
                "con settore, comune e dimensione, per le statistiche del programma."), "success")
        return redirect(url_for("public.home"))
    return render_template("public/erase.html", form=form, token=token, company=assessment.company)
