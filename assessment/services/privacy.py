"""Data-protection duties: everything stored about a company as JSON, and erasure of personal data."""
from __future__ import annotations

from sqlalchemy.orm import selectinload

from ..domain.company_profile import validate_vat_number
from ..domain.errors import InvalidField
from ..extensions import db
from ..models import (
    Answer,
    Assessment,
    AssessmentStatus,
    CoachAssignment,
    Company,
    Consent,
    Enrolment,
    Match,
    MatchFeedback,
    Note,
    Registration,
    utcnow,
)
from .alert_subscriptions import erase_grant_alerts, grant_alert_export
from .audit import record
from .coaching import withdraw_active_assignments
from .participant_privacy import company_participants, drop_firm, erase_participant, export_participants
from .passwords import new_token, token_hash


def _iso(value) -> str | None:
    """Instants are stored in UTC without an offset: written with the "Z" the API uses, so that no reader
    takes them for Rome time."""
    return value.isoformat() + "Z" if value else None


def export_company(company: Company) -> dict:
    """Every record about the company, in plain JSON (the owner's right of access and portability)."""
    assessments = db.session.execute(
        db.select(Assessment).where(Assessment.company_id == company.id)
        .options(selectinload(Assessment.answers), selectinload(Assessment.dimension_scores),
                 selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.created_at)
    ).scalars().all()
    # What a record points at is named too (a track or grant title, not only its id): the owner reads this.
    related = {Match: (selectinload(Match.track), selectinload(Match.grant)),
               Enrolment: (selectinload(Enrolment.track),), CoachAssignment: (selectinload(CoachAssignment.coach),)}
    rows = {model: db.session.execute(db.select(model).where(model.company_id == company.id)
                                      .options(*related.get(model, ()))).scalars().all()
            for model in (Consent, CoachAssignment, Note, Enrolment, Match, MatchFeedback)}
    data = {
        "company": {
            "id": company.id, "name": company.name, "vat_number": company.vat_number, "email": company.email,
            "ateco_code": company.ateco_code, "ateco_section": company.ateco_section,
            "comune_istat": company.comune_istat, "employees": company.employees,
            "annual_turnover_eur": company.annual_turnover_eur,
            "size_class": company.size_class.value if company.size_class else None,  # None: without assessment
            "themes": company.themes, "created_at": _iso(company.created_at), "erased_at": _iso(company.erased_at),
        },
        "consents": [{"kind": c.kind.value, "text_version": c.text_version, "given_at": _iso(c.given_at),
                      "withdrawn_at": _iso(c.withdrawn_at)} for c in rows[Consent]],
        "assessments": [{
            "id": a.id, "status": a.status.value, "questionnaire": a.questionnaire_version.key,
            "questionnaire_version": a.questionnaire_version.version, "created_at": _iso(a.created_at),
            "submitted_at": _iso(a.submitted_at), "overall": a.overall_score, "level": a.level_key,
            "dimensions": {d.dimension_key: d.score for d in a.dimension_scores},
            "answers": {ans.question_key: ans.option_keys for ans in a.answers} or a.draft_answers,
        } for a in assessments],
        "coaching": [{"coach_id": c.coach_id, "coach": c.coach.name or None, "status": c.status.value,
                      "proposed_at": _iso(c.proposed_at),
                      "accepted_at": _iso(c.accepted_at), "completed_at": _iso(c.completed_at)}
                     for c in rows[CoachAssignment]],
        "notes": [{"created_at": _iso(n.created_at), "body": n.body} for n in rows[Note]],
        "enrolments": [{"track_id": e.track_id, "track": e.track.title_it, "participants": e.participants,
                        "status": e.status.value, "enrolled_at": _iso(e.enrolled_at)} for e in rows[Enrolment]],
        "recommendations": [{"kind": m.kind.value, "track_id": m.track_id, "grant_id": m.grant_id,
                             "title": m.track.title_it if m.track else m.grant.title if m.grant else None,
                             "explanation": m.explanation, "score": m.score, "rank": m.rank}
                            for m in rows[Match]],
        "feedback": [{"kind": f.kind.value, "source": f.source.value, "is_relevant": f.is_relevant,
                      "created_at": _iso(f.created_at)} for f in rows[MatchFeedback]],
        "training_participants": export_participants(company_participants(company)),
        **grant_alert_export(company),
    }
    record("export", company.id)
    return data


def _unlinked_drafts_naming(vat_number: str | None) -> list[int]:
    """Drafts not joined to any company whose profile holds this partita IVA (someone typed it and stopped,
    or is waiting for the company's joining link): they name the company too."""
    if not vat_number:
        return []
    rows = db.session.execute(
        db.select(Assessment.id, Assessment.draft_profile)
        .where(Assessment.company_id.is_(None), Assessment.status == AssessmentStatus.draft)
    )
    found = []
    for assessment_id, profile in rows:
        try:
            typed = validate_vat_number(str((profile or {}).get("vat_number") or ""))
        except InvalidField:
            continue
        if typed == vat_number:
            found.append(assessment_id)
    return found


def erase_company(company: Company) -> list[Registration]:
    """Remove the data that name the company, its answers, notes and suggestions, also in drafts begun with its
    partita IVA and on the rows of people registered for training before it had an owner; erase the people
    registered since (company_participants); keep the scores with sector, comune and size, which programme
    statistics rest on. Returns the registrations promoted from a waiting list to the seats its people freed
    (the caller mails them)."""
    unlinked = _unlinked_drafts_naming(company.vat_number)
    promoted: list[Registration] = []
    for participant in company_participants(company):  # the firm's people registered for training
        promoted.extend(erase_participant(participant))
    drop_firm(company)
    if unlinked:
        db.session.execute(db.delete(Assessment).where(Assessment.id.in_(unlinked)))
    company.name = None
    company.vat_number = None
    company.email = None
    company.erased_at = utcnow()
    company_assessments = db.select(Assessment.id).where(Assessment.company_id == company.id)
    db.session.execute(db.delete(Answer).where(Answer.assessment_id.in_(company_assessments)))
    for model in (Note, Match, MatchFeedback):
        db.session.execute(db.delete(model).where(model.company_id == company.id))
    db.session.execute(db.delete(Assessment).where(Assessment.company_id == company.id,
                                                   Assessment.status == AssessmentStatus.draft))
    for assessment in db.session.execute(
        db.select(Assessment).where(Assessment.company_id == company.id)
    ).scalars():
        assessment.draft_profile = {}
        assessment.draft_answers = {}
        assessment.token_hash = token_hash(new_token())  # the old secret links stop working
    now = utcnow()
    for consent in db.session.execute(db.select(Consent).where(Consent.company_id == company.id)).scalars():
        consent.withdrawn_at = consent.withdrawn_at or now
    erase_grant_alerts(company.id)
    withdraw_active_assignments(company.id)
    for assignment in db.session.execute(
        db.select(CoachAssignment).where(CoachAssignment.company_id == company.id)
    ).scalars():
        assignment.decline_reason = assignment.decline_reason and "—"  # a coach's words may name the owner
    record("erase", company.id)  # the admin who erased on request, or the owner
    db.session.flush()
    return promoted
