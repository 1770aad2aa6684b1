"""The coach's workspace: matched companies, proposals, notes, enrolments, re-assessment."""
from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..extensions import db
from ..models import AssignmentStatus, Company, Enrolment, FeedbackSource, Match, Track
from ..public.forms import EmptyForm
from ..services import coach_alerts, coaching
from ..services.access import can_view_company
from ..services.audit import record
from ..services.company_pages import company_page_data
from ..services.questionnaires import display_names
from ..services.recommendations import given_feedback, record_feedback
from ..templating import on_day
from .forms import DeclineForm, DigestForm, EnrolForm, NoteForm

bp = Blueprint("coach", __name__)


@bp.before_request
@login_required
def require_coach():
    if not current_user.is_coach:
        abort(403)


def _company_or_404(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if not can_view_company(current_user, company):
        abort(404)  # never reveal that a company exists to someone who may not see it
    return company


def _assignment_or_404(company_id: int):
    _company_or_404(company_id)
    assignment = coaching.assignment_for(current_user, company_id)
    if assignment is None:
        abort(404)
    return assignment


@bp.get("/")
def dashboard():
    assignments = coaching.coach_assignments(current_user)
    rows = [(a, coaching.latest_submitted(a.company)) for a in assignments if a.company.is_visible_to_coaches]
    dimension_titles, level_labels = display_names(g.lang)
    return render_template("coach/dashboard.html", rows=rows, form=EmptyForm(),
                           dimension_titles=dimension_titles, level_labels=level_labels)


@bp.get("/imprese/<int:company_id>")
def company(company_id: int):
    company = _company_or_404(company_id)
    record("view", company.id)
    previous_visit = coach_alerts.visit(current_user, company.id)
    db.session.commit()
    return _company_page(company, previous_visit=previous_visit)


@bp.route("/profilo", methods=["GET", "POST"])
def profile():
    form = DigestForm()
    if form.validate_on_submit():
        coach_alerts.set_digest(current_user, form.weekly_digest.data)
        db.session.commit()
        flash(_("Preferenza salvata."), "success")
        return redirect(url_for("coach.profile"))
    if request.method == "GET":
        form.weekly_digest.data = coach_alerts.digest_is_on(current_user)
    return render_template("coach/profile.html", form=form)


def _company_page(company: Company, *, note_form: NoteForm | None = None,
                  decline_form: DeclineForm | None = None, handover: tuple[str, str] | None = None,
                  previous_visit=None):
    """The company page; a form sent back with errors is shown as typed, beside its messages."""
    data = company_page_data(company, g.lang)
    shown = [m.grant for m in (data.result.recommendations.get("grants", []) if data.result else [])]
    form = EnrolForm()
    form.track_id.choices = [(t.id, _track_choice(t, data.free_seats[t.id])) for t in data.active_tracks]
    assignment = coaching.assignment_for(current_user, company.id)
    return render_template("coach/company.html", data=data, company=company, note_form=note_form or NoteForm(),
                           enrol_form=form, decline_form=decline_form or DeclineForm(), form=EmptyForm(),
                           assignment=assignment, following=coaching.is_following(assignment), coach_actions=True,
                           note_endpoint="coach.add_note", handover=handover,
                           new_since_visit=coach_alerts.new_since(shown, previous_visit),
                           feedback_given=given_feedback(data.result.recommendations if data.result else {},
                                                         FeedbackSource.coach))


@bp.post("/imprese/<int:company_id>/<any(accept, start, complete):action>")
def advance(company_id: int, action: str):
    assignment = _assignment_or_404(company_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = {"accept": AssignmentStatus.accepted, "start": AssignmentStatus.in_progress,
              "complete": AssignmentStatus.completed}[action]
    return _move(assignment, target)


@bp.post("/imprese/<int:company_id>/decline")
def decline(company_id: int):
    assignment = _assignment_or_404(company_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _company_page(assignment.company, decline_form=form), 422
    return _move(assignment, AssignmentStatus.declined, form.reason.data)


def _move(assignment, target: AssignmentStatus, reason: str | None = None):
    try:
        coaching.move(assignment, target, reason=reason)
    except coaching.CoachingError as error:
        flash(str(error), "error")
        return redirect(url_for("coach.company", company_id=assignment.company_id))
    db.session.commit()
    flash({AssignmentStatus.accepted: _("Proposta accettata: l'impresa è tra quelle che segui."),
           AssignmentStatus.in_progress: _("Accompagnamento avviato."),
           AssignmentStatus.completed: _("Accompagnamento completato."),
           AssignmentStatus.declined: _("Proposta rifiutata: l'impresa torna in attesa di un altro coach."),
           }[target], "success")
    if target == AssignmentStatus.declined:
        return redirect(url_for("coach.dashboard"))
    return redirect(url_for("coach.company", company_id=assignment.company_id))


@bp.post("/imprese/<int:company_id>/note")
def add_note(company_id: int):
    company = _company_or_404(company_id)
    return save_note(company, "coach.company", lambda form: _company_page(company, note_form=form))


def save_note(company: Company, page_endpoint: str, page_with: Callable[[NoteForm], str]):
    """A private note from the posted NoteForm, back to the company page; coaches' and admins' pages share it.
    A note that cannot be saved comes back on the page as typed, with the reason."""
    form = NoteForm()
    if company.erased_at is not None:  # a note would collect personal data again
        flash(_("I dati dell'impresa sono stati cancellati: non si possono aggiungere note."), "error")
    elif not company.has_profile:  # its first owner would read it in the company's data
        flash(_("L'impresa non ha ancora una valutazione: non si possono aggiungere note."), "error")
    elif form.validate_on_submit():
        coaching.add_note(company, current_user, form.body.data)
        db.session.commit()
        flash(_("Nota salvata."), "success")
    else:
        return page_with(form), 422
    return redirect(url_for(page_endpoint, company_id=company.id) + "#notes")


def _track_choice(track: Track, free: int) -> str:
    """What a coach needs to pick a track for a company: its title, when it starts, how many places are left."""
    parts = [track.title_it if g.lang == "it" else track.title_en]
    if track.starts_on:
        parts.append(_("inizia %(day)s", day=on_day(track.starts_on)))
    parts.append(ngettext("%(num)d posto libero", "%(num)d posti liberi", free))
    return " · ".join(parts)


def _accepted_or_refused(company_id: int) -> Company | None:
    """Enrolling and inviting are part of an accompaniment going on: accepted, and not completed yet."""
    company = _company_or_404(company_id)
    assignment = coaching.assignment_for(current_user, company_id)
    if coaching.is_following(assignment):
        return company
    flash(_("Accetta prima la proposta: iscrizioni e inviti fanno parte dell'accompagnamento.")
          if assignment is not None and assignment.status == AssignmentStatus.proposed
          else _("L'accompagnamento è concluso: iscrizioni e inviti non sono più possibili."), "error")
    return None


@bp.post("/imprese/<int:company_id>/iscrizioni")
def enrol(company_id: int):
    company = _accepted_or_refused(company_id)
    if company is None:
        return redirect(url_for("coach.company", company_id=company_id))
    form = EnrolForm()
    form.track_id.choices = [(t.id, t.code) for t in db.session.execute(
        db.select(Track).filter_by(is_active=True)).scalars()]
    track = db.session.get(Track, form.track_id.data) if form.validate_on_submit() else None
    if track is None:
        flash(_("Scegli un percorso e il numero di persone."), "error")
    else:
        try:
            coaching.enrol(company, track, form.participants.data, current_user)
            db.session.commit()
            flash(_("Iscrizione registrata."), "success")
        except coaching.CoachingError as error:
            flash(str(error), "error")
    return redirect(url_for("coach.company", company_id=company_id) + "#enrolments")


@bp.post("/imprese/<int:company_id>/iscrizioni/<int:enrolment_id>/completa")
def complete_enrolment(company_id: int, enrolment_id: int):
    company = _company_or_404(company_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.company_id != company.id or not EmptyForm().validate_on_submit():
        abort(404)
    # The coach who accompanies (or accompanied: a track may end after the accompaniment) says so, not one who
    # only has the company on proposal.
    if not coaching.has_accompanied(current_user, company_id):
        flash(_("Accetta prima la proposta: iscrizioni e inviti fanno parte dell'accompagnamento."), "error")
        return redirect(url_for("coach.company", company_id=company_id) + "#enrolments")
    try:
        coaching.complete_enrolment(enrolment)
        db.session.commit()
        flash(ngettext("Percorso completato: %(num)d persona dichiarata. Contano tra le persone formate solo "
                       "le persone iscritte alle edizioni che ne completano la frequenza.",
                       "Percorso completato: %(num)d persone dichiarate. Contano tra le persone formate solo "
                       "le persone iscritte alle edizioni che ne completano la frequenza.",
                       enrolment.participants), "success")
    except coaching.CoachingError as error:
        flash(str(error), "error")
    return redirect(url_for("coach.company", company_id=company_id) + "#enrolments")


@bp.post("/imprese/<int:company_id>/invita")
def invite(company_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    company = _accepted_or_refused(company_id)
    if company is None:
        return redirect(url_for("coach.company", company_id=company_id))
    link, emailed = coaching.invite_reassessment(company, current_user)
    db.session.commit()
    if emailed:
        flash(_("Invito inviato a %(email)s.", email=company.email), "success")
        return redirect(url_for("coach.company", company_id=company_id))
    # The link to hand over is shown on this response, not flashed: a flash travels in the session cookie.
    message = (_("Non è stato possibile inviare l'e-mail a %(email)s: consegna tu questo link al titolare:",
                 email=company.email) if company.email
               else _("L'impresa non ha indicato un'e-mail: consegna tu questo link al titolare:"))
    return _company_page(company, handover=(message, link))


@bp.post("/imprese/<int:company_id>/suggerimenti/<int:match_id>")
def feedback(company_id: int, match_id: int):
    company = _company_or_404(company_id)
    match = db.session.get(Match, match_id)
    if match is None or match.company_id != company.id:
        abort(404)
    record_feedback(match, FeedbackSource.coach, request.form.get("relevant") == "1")
    db.session.commit()
    return redirect(url_for("coach.company", company_id=company_id, _anchor=f"match-{match.id}"))
