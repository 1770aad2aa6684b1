"""The coach's day: answer proposals, move an accompaniment along, notes, enrolments, re-assessment."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import subqueryload

from ..clock import local_today
from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    Assessment,
    AssessmentStatus,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    Company,
    Enrolment,
    EnrolmentStatus,
    Note,
    Track,
    User,
    utcnow,
)
from ..templating import on_day
from .access import _VISIBLE_TO_COACH
from .audit import record


class CoachingError(Exception):
    """A step that is not allowed now; the message is for the user."""


# Allowed moves of an assignment, and the timestamp each one sets.
_TRANSITIONS = {
    AssignmentStatus.accepted: ((AssignmentStatus.proposed,), "accepted_at"),
    AssignmentStatus.declined: ((AssignmentStatus.proposed,), "declined_at"),
    AssignmentStatus.in_progress: ((AssignmentStatus.accepted,), "started_at"),
    AssignmentStatus.completed: ((AssignmentStatus.accepted, AssignmentStatus.in_progress), "completed_at"),
    AssignmentStatus.withdrawn: ((AssignmentStatus.proposed, AssignmentStatus.accepted,
                                  AssignmentStatus.in_progress), "withdrawn_at"),
}


def coach_assignments(coach: User) -> list[CoachAssignment]:
    """Everything on a coach's dashboard, with what each row shows loaded in a fixed number of queries."""
    return list(db.session.execute(
        db.select(CoachAssignment)
        .where(CoachAssignment.coach_id == coach.id, CoachAssignment.status.in_(_VISIBLE_TO_COACH))
        .options(subqueryload(CoachAssignment.company).subqueryload(Company.consents),
                 subqueryload(CoachAssignment.company).subqueryload(Company.comune),
                 subqueryload(CoachAssignment.company).subqueryload(Company.assessments)
                 .subqueryload(Assessment.dimension_scores))
        .order_by(CoachAssignment.proposed_at.desc())
    ).scalars())


def latest_submitted(company: Company) -> Assessment | None:
    submitted = [a for a in company.assessments if a.status == AssessmentStatus.submitted]
    return max(submitted, key=lambda a: a.submitted_at) if submitted else None


def is_following(assignment: CoachAssignment | None) -> bool:
    """An accompaniment going on: accepted and not completed. Enrolments and invitations belong to it."""
    return assignment is not None and assignment.status in (AssignmentStatus.accepted, AssignmentStatus.in_progress)


def has_accompanied(coach: User, company_id: int) -> bool:
    """The coach accepted this company once (now, or in an accompaniment that ended)."""
    return db.session.execute(
        db.select(CoachAssignment.id).where(CoachAssignment.coach_id == coach.id,
                                            CoachAssignment.company_id == company_id,
                                            CoachAssignment.accepted_at.is_not(None)).limit(1)
    ).first() is not None


def assignment_for(coach: User, company_id: int) -> CoachAssignment | None:
    return db.session.execute(
        db.select(CoachAssignment)
        .where(CoachAssignment.coach_id == coach.id, CoachAssignment.company_id == company_id,
               CoachAssignment.status.in_(_VISIBLE_TO_COACH))
        .order_by(CoachAssignment.proposed_at.desc()).limit(1)
    ).scalar_one_or_none()


def move(assignment: CoachAssignment, to: AssignmentStatus, *, reason: str | None = None) -> None:
    allowed_from, stamp = _TRANSITIONS[to]
    # Read the status again under a row lock (PostgreSQL; SQLite's writing requests run one after the other):
    # of two clicks sent at the same moment, the second sees what the first did instead of doing it again.
    db.session.refresh(assignment, with_for_update=True)
    if assignment.status not in allowed_from:
        raise CoachingError(_("Questa operazione non è possibile nello stato attuale."))
    if to == AssignmentStatus.declined:
        if not reason or not reason.strip():
            raise CoachingError(_("Indica il motivo del rifiuto."))
        assignment.decline_reason = reason.strip()[:2000]
    if to == AssignmentStatus.accepted:
        _check_capacity(assignment)
    assignment.status = to
    setattr(assignment, stamp, utcnow())
    record(f"assignment_{to.value}", assignment.company_id, assignment_id=assignment.id)
    db.session.flush()


def withdraw_active_assignments(company_id: int) -> int:
    """The company's proposal or accompaniment ends because its owner withdrew consent or asked for erasure:
    the coach's place frees up for another company."""
    return _withdraw(CoachAssignment.company_id == company_id)


def company_assignments(company: Company) -> list[CoachAssignment]:
    """Every proposal and accompaniment of the company, newest first, with its coach: the programme
    manager's view (decline reasons included)."""
    return list(db.session.execute(
        db.select(CoachAssignment).where(CoachAssignment.company_id == company.id)
        .options(subqueryload(CoachAssignment.coach)).order_by(CoachAssignment.proposed_at.desc())
    ).scalars())


def withdraw_assignment(assignment: CoachAssignment) -> int:
    """The programme manager takes back a proposal left unanswered (or ends an accompaniment): the company
    waits for another coach and the coach's place frees up."""
    return _withdraw(CoachAssignment.id == assignment.id)


def withdraw_coach_assignments(coach_id: int) -> int:
    """The coach leaves the programme: their proposals and accompaniments end, and the companies wait for
    another coach. Returns how many."""
    return _withdraw(CoachAssignment.coach_id == coach_id)


def _withdraw(condition) -> int:
    now = utcnow()
    ended = 0
    for assignment in db.session.execute(
        db.select(CoachAssignment).where(condition, CoachAssignment.status.in_(ACTIVE_STATUSES))
    ).scalars():
        assignment.status = AssignmentStatus.withdrawn
        assignment.withdrawn_at = now
        record("assignment_withdrawn", assignment.company_id, assignment_id=assignment.id,
               coach_id=assignment.coach_id)
        ended += 1
    return ended


def _check_capacity(assignment: CoachAssignment) -> None:
    """Capacity is the most companies a coach follows at once: proposals within it are planned that way, but
    an admin's override can propose more, and those wait until an accompaniment ends."""
    # The coach's profile row is locked until commit (PostgreSQL), so two accepts sent at the same moment are
    # counted one after the other instead of both fitting in the last free place.
    profile = db.session.execute(
        db.select(CoachProfile).where(CoachProfile.user_id == assignment.coach_id).with_for_update()
    ).scalar_one_or_none()
    capacity = profile.capacity if profile else 0
    if capacity == 0:
        raise CoachingError(_("La tua capacità è di 0 imprese: per accettare, chiedi al gestore del programma di "
                              "aumentarla."))
    following = db.session.execute(
        db.select(func.count(CoachAssignment.id))
        .where(CoachAssignment.coach_id == assignment.coach_id, CoachAssignment.id != assignment.id,
               CoachAssignment.status.in_((AssignmentStatus.accepted, AssignmentStatus.in_progress)))
    ).scalar_one()
    if following >= capacity:
        raise CoachingError(ngettext(
            "Segui già %(num)d impresa, quante ne prevede la tua capacità: concludi un accompagnamento o chiedi al "
            "gestore del programma di aumentarla.",
            "Segui già %(num)d imprese, quante ne prevede la tua capacità: concludi un accompagnamento o chiedi al "
            "gestore del programma di aumentarla.", following))


def add_note(company: Company, author: User, body: str) -> Note:
    body = (body or "").strip()
    if not body:
        raise CoachingError(_("La nota è vuota."))
    note = Note(company_id=company.id, author_id=author.id, body=body[:10_000])
    db.session.add(note)
    record("note_added", company.id)
    db.session.flush()
    return note


def company_notes(company: Company) -> list[Note]:
    return list(db.session.execute(
        db.select(Note).where(Note.company_id == company.id).options(subqueryload(Note.author))
        .order_by(Note.created_at.desc())
    ).scalars())


def seats_taken(track_ids: list[int]) -> dict[int, int]:
    """People enrolled (and not withdrawn) per track, in one grouped query."""
    rows = db.session.execute(
        db.select(Enrolment.track_id, func.coalesce(func.sum(Enrolment.participants), 0))
        .where(Enrolment.track_id.in_(track_ids), Enrolment.status != EnrolmentStatus.withdrawn)
        .group_by(Enrolment.track_id)
    ).all()
    return {track_id: int(total) for track_id, total in rows}


def enrol(company: Company, track: Track, participants: int, by: User) -> Enrolment:
    if not track.is_active:
        raise CoachingError(_("Il percorso non è attivo."))
    if participants < 1:
        raise CoachingError(_("Indica almeno una persona."))
    already = db.session.execute(
        db.select(Enrolment.id).where(Enrolment.company_id == company.id, Enrolment.track_id == track.id,
                                      Enrolment.status == EnrolmentStatus.enrolled)
    ).first()
    if already:  # a second click would count the same people twice, in seats and in people trained
        raise CoachingError(_("L'impresa è già iscritta a questo percorso."))
    free = track.seats_per_cohort - seats_taken([track.id]).get(track.id, 0)
    if participants > free:
        raise CoachingError(_("Posti liberi insufficienti: ne restano %(free)s.", free=max(free, 0)))
    enrolment = Enrolment(company_id=company.id, track_id=track.id, participants=participants,
                          enrolled_by_id=by.id)
    db.session.add(enrolment)
    record("enrolled", company.id, track_id=track.id, participants=participants)
    db.session.flush()
    return enrolment


def complete_enrolment(enrolment: Enrolment, when: datetime | None = None) -> None:
    """A completed enrolment's typed participants are shown as "declared": people trained towards the target
    are counted from registrations and attendance (services.training_figures), never from this number."""
    if enrolment.status != EnrolmentStatus.enrolled:
        raise CoachingError(_("Questa iscrizione è già chiusa."))
    starts_on = enrolment.track.starts_on
    if when is None and starts_on and starts_on > local_today():  # people trained count only once trained
        raise CoachingError(_("Il percorso inizia %(day)s: potrai segnarlo come completato quando sarà svolto.",
                              day=on_day(starts_on)))
    enrolment.status = EnrolmentStatus.completed
    enrolment.completed_at = when or utcnow()
    record("enrolment_completed", enrolment.company_id, enrolment_id=enrolment.id)
    db.session.flush()


def company_enrolments(company: Company) -> list[Enrolment]:
    return list(db.session.execute(
        db.select(Enrolment).where(Enrolment.company_id == company.id)
        .options(subqueryload(Enrolment.track)).order_by(Enrolment.enrolled_at.desc())
    ).scalars())


def invite_reassessment(company: Company, coach: User) -> tuple[str, bool]:
    """A new draft linked to the company, in the owner's language; returns its secret link, e-mailed when the
    owner gave an address, and whether the e-mail went."""
    from ..urls import external_url
    from .assessments import new_link, open_draft_of, start_draft
    from .mail import send_mail

    draft = open_draft_of(company)
    if draft is not None:  # invited again: the same draft, answers kept, under a new link (the old one stops)
        token = new_link(draft)
    else:
        questionnaire_key = latest_submitted(company).questionnaire_version.key
        draft, token = start_draft(questionnaire_key, company.language, company=company)
    draft.draft_profile = {**draft.draft_profile, "_from_link": True}
    link = external_url("public.section", token=token, step=1)
    with force_locale(company.language):
        subject = _("Bussola Digitale: misura i tuoi progressi")
        body = _("Buongiorno,\n\n%(coach)s, il tuo coach digitale, ti invita a ripetere l'autovalutazione della "
                 "maturità digitale per misurare i progressi fatti. Il questionario riparte dai dati dell'impresa:"
                 "\n\n%(link)s\n\nPer domande scrivi a %(email)s.\n",
                 coach=coach.name or coach.email, link=link, email=coach.email)
    emailed = bool(company.email) and send_mail(company.email, subject, body)
    if emailed:  # the invitation carries the link: the owner's first save need not mail it again
        draft.draft_profile = {**draft.draft_profile, "_resume_sent_to": company.email}
    record("reassessment_invited", company.id, emailed=emailed)
    db.session.flush()
    return link, emailed
