"""Data protection for people registered for training: what is stored about them (in their firm's export and
their own), and erasure that keeps an anonymous trace, so the programme's count of people trained, hours and
completion rates do not silently fall: the participant row, its registrations, attendance and scores stay,
without a name, address, role, firm or answers."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Assessment,
    AssessmentStatus,
    Company,
    Participant,
    Registration,
    RegistrationStatus,
    SkillsCheck,
    utcnow,
)
from .audit import record
from .passwords import new_token, token_hash


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def company_participants(company: Company) -> list[Participant]:
    """The firm's people that its owner's rights reach (the firm's export and erasure): those who registered
    for it once it had an owner, i.e. since its first submitted assessment. Whoever registered before, when
    the firm was a company without assessment, was never its owner's to see: the first owner who self-assesses
    with a partita IVA takes the company on, and typing a partita IVA proves nothing."""
    owned_since = db.select(func.min(Assessment.submitted_at)).where(
        Assessment.company_id == company.id, Assessment.status == AssessmentStatus.submitted).scalar_subquery()
    return list(db.session.execute(
        db.select(Participant).where(Participant.company_id == company.id, Participant.erased_at.is_(None),
                                     Participant.created_at >= owned_since)
        .options(selectinload(Participant.registrations).selectinload(Registration.edition),
                 selectinload(Participant.registrations).selectinload(Registration.attendances),
                 selectinload(Participant.registrations).selectinload(Registration.certificate))
        .order_by(Participant.id)).scalars())


def drop_firm(company: Company) -> None:
    """The firm's erasure, once the people it reaches are erased: the others keep their registrations and their
    own data, without the firm's name and partita IVA as they typed them."""
    db.session.execute(db.update(Participant).where(Participant.company_id == company.id)
                       .values(firm_name=None, firm_vat_number=None))


def export_participants(participants: list[Participant]) -> list[dict]:
    """Everything stored about each person, as plain JSON."""
    checks: dict[int, list[SkillsCheck]] = {}
    if participants:
        for check in db.session.execute(db.select(SkillsCheck).where(
                SkillsCheck.participant_id.in_([p.id for p in participants])).order_by(SkillsCheck.id)).scalars():
            checks.setdefault(check.participant_id, []).append(check)
    return [{
        "id": p.id, "name": p.name, "email": p.email, "role": p.role, "firm_name": p.firm_name,
        "firm_vat_number": p.firm_vat_number, "language": p.language,
        "privacy_consent_at": _iso(p.privacy_consent_at), "privacy_text_version": p.privacy_text_version,
        "created_at": _iso(p.created_at),
        "registrations": [{
            "edition_id": r.edition_id, "edition": r.edition.title, "status": r.status.value,
            "queued_at": _iso(r.queued_at), "confirmed_at": _iso(r.confirmed_at),
            "cancelled_at": _iso(r.cancelled_at),
            "attendance": [{"session_id": a.session_id, "is_present": a.is_present,
                            "arrived_at": a.arrived_at.isoformat() if a.arrived_at else None,
                            "left_at": a.left_at.isoformat() if a.left_at else None, "source": a.source.value}
                           for a in sorted(r.attendances, key=lambda a: a.session_id)],
            "certificate": ({"verification_code": r.certificate.verification_code,
                             "hours_attended": r.certificate.hours_attended,
                             "issued_at": _iso(r.certificate.issued_at)} if r.certificate else None),
        } for r in p.registrations],
        "skills_checks": [{"moment": c.moment.value, "submitted_at": _iso(c.submitted_at), "answers": c.answers,
                           "scores": c.scores, "overall": c.overall_score} for c in checks.get(p.id, [])],
    } for p in participants]


def erase_participant(participant: Participant) -> list[Registration]:
    """Erase a person's data (on their request, or with their firm's). Registrations not yet held are
    cancelled, freeing the seat for the waiting list; returns the registrations promoted (to mail). Flushes."""
    from .registrations import cancel_registration

    promoted: list[Registration] = []
    for registration in list(participant.registrations):
        if registration.status == RegistrationStatus.cancelled:
            continue
        sessions = registration.edition.sessions
        if registration.status == RegistrationStatus.waiting or not any(
                a.is_present for a in registration.attendances) and not _has_started(sessions):
            promoted.extend(cancel_registration(registration.id)[1])
        registration.cancel_token_hash = token_hash(new_token())  # the old secret link stops working
    # read before anything is blanked (a lazy load flushes): the figures by comune keep counting them there
    trace_comune = participant.company.comune_istat if participant.company is not None else None
    participant.name = participant.email = participant.role = None
    participant.firm_name = participant.firm_vat_number = None
    participant.trace_comune_istat = trace_comune
    participant.company_id = None
    participant.privacy_consent_at = participant.privacy_text_version = None
    participant.erased_at = utcnow()
    for check in db.session.execute(db.select(SkillsCheck).where(
            SkillsCheck.participant_id == participant.id)).scalars():
        check.answers = {}  # the scores stay, anonymous: the skills change per track is counted from them
    record("participant_erased", None, participant_id=participant.id)
    db.session.flush()
    return promoted


def _has_started(sessions) -> bool:
    from ..clock import local_today

    today = local_today()
    return any(s.on_date <= today for s in sessions)
