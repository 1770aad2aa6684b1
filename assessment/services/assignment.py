"""Proposing companies to coaches: build the optimal plan, let an admin override it, send it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import subqueryload

from ..domain.assignment import AssignmentPlan, CoachFacts, CompanyNeed, assign
from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    Assessment,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    Company,
    Consent,
    ConsentKind,
    Role,
    Territory,
    User,
    utcnow,
)
from .audit import record
from .coaching import latest_submitted
from .reference import territory_keys_by_comune


@dataclass(frozen=True)
class PlanContext:
    plan: AssignmentPlan
    companies: dict[int, Company]
    coaches: dict[int, User]
    free_places: dict[int, int]  # coach id -> capacity left by their proposed and active companies


def waiting_for_a_coach() -> list:
    """SQL conditions on Company: consenting to a coach, not erased, with no proposal or accompaniment going
    on, and not served already: a company whose accompaniment was completed waits again only once its owner
    asks again, which gives the coach consent anew after the completion (the result page offers it)."""
    consent = (Consent.kind == ConsentKind.coach_contact) & Consent.withdrawn_at.is_(None)
    latest_consent = (db.select(func.max(Consent.given_at))
                      .where(Consent.company_id == Company.id, consent).scalar_subquery())
    served = db.select(CoachAssignment.id).where(
        CoachAssignment.company_id == Company.id, CoachAssignment.status == AssignmentStatus.completed,
        CoachAssignment.completed_at >= latest_consent)
    return [Company.erased_at.is_(None), Company.id.in_(db.select(Consent.company_id).where(consent)),
            Company.id.not_in(db.select(CoachAssignment.company_id)
                              .where(CoachAssignment.status.in_(ACTIVE_STATUSES))),
            ~served.exists()]


@dataclass(frozen=True)
class CoachState:
    """What the owner's result page says about coaching. kind: 'proposed' (a coach is looking at the request),
    'following' (a coach accepted), 'waiting' (in the queue) or 'none' (never asked, withdrawn, or served)."""
    kind: str
    coach_name: str = ""


def coach_state(company: Company) -> CoachState:
    active = db.session.execute(
        db.select(CoachAssignment.status, User.name).join(User, User.id == CoachAssignment.coach_id)
        .where(CoachAssignment.company_id == company.id, CoachAssignment.status.in_(ACTIVE_STATUSES))
        .order_by(CoachAssignment.id.desc()).limit(1)).first()
    if active is not None:
        status, name = active
        # The owner learns who follows them once the coach accepted: the name, never the address (an account
        # without a name reads as "a coach of the programme").
        return CoachState("proposed") if status == AssignmentStatus.proposed else CoachState("following", name)
    waiting = db.session.execute(
        db.select(Company.id).where(Company.id == company.id, *waiting_for_a_coach())).first()
    return CoachState("waiting" if waiting else "none")


def waiting_companies() -> list[Company]:
    """The assignment queue: companies waiting for a coach (see waiting_for_a_coach) with a submitted
    assessment, visible to coaches."""
    companies = db.session.execute(
        db.select(Company).where(*waiting_for_a_coach())
        .options(subqueryload(Company.consents),
                 subqueryload(Company.assessments).subqueryload(Assessment.dimension_scores))
        .order_by(Company.id)
    ).scalars().all()
    return [c for c in companies if c.is_visible_to_coaches and latest_submitted(c) is not None]


def build_plan() -> PlanContext:
    companies = waiting_companies()
    coaches = active_coaches()
    declined = set(db.session.execute(
        db.select(CoachAssignment.company_id, CoachAssignment.coach_id)
        .where(CoachAssignment.status == AssignmentStatus.declined)
    ).all())
    by_comune = territory_keys_by_comune({c.comune_istat for c in companies})
    needs = [company_need(company, latest_submitted(company), by_comune) for company in companies]
    facts = coach_facts(coaches)
    plan = assign(needs, facts, excluded_pairs=declined)
    return PlanContext(plan, {c.id: c for c in companies}, {c.id: c for c in coaches},
                       {f.id: f.free_capacity for f in facts})


def active_coaches() -> list[User]:
    return list(db.session.execute(
        db.select(User).where(User.role == Role.coach, User.is_enabled.is_(True))
        .options(subqueryload(User.coach_profile)).order_by(User.id)
    ).scalars())


def company_need(company: Company, assessment: Assessment,
                 territory_keys: dict[str, frozenset[str]]) -> CompanyNeed:
    """What the assignment weighs of a company: its latest scores, place, language and themes."""
    return CompanyNeed(
        id=company.id, dimension_scores=assessment.dimension_score_map(), comune_istat=company.comune_istat,
        territory_keys=territory_keys.get(company.comune_istat, frozenset()), language=company.language,
        themes=frozenset(company.themes or ()),
    )


def coach_facts(coaches: list[User]) -> list[CoachFacts]:
    """What the assignment weighs of each coach, with the free capacity left by their active companies."""
    load = dict(db.session.execute(
        db.select(CoachAssignment.coach_id, func.count())
        .where(CoachAssignment.status.in_(ACTIVE_STATUSES)).group_by(CoachAssignment.coach_id)
    ).all())
    territories = {t.id: t.key for t in db.session.execute(db.select(Territory)).scalars()}
    facts = []
    for coach in coaches:
        profile = coach.coach_profile or CoachProfile()
        facts.append(CoachFacts(
            id=coach.id, expertise=dict(profile.expertise or {}), comuni=frozenset(profile.comuni_istat or ()),
            territory_keys=frozenset(territories[t] for t in (profile.territory_ids or ()) if t in territories),
            languages=frozenset(profile.languages or ("it",)), thematic_areas=frozenset(profile.thematic_areas or ()),
            free_capacity=max(0, (profile.capacity or 0) - load.get(coach.id, 0)),
            is_available=bool(profile.is_available),
        ))
    return facts


def over_capacity(pairs: list[tuple[int, int, float, dict]], context: PlanContext) -> list[tuple[User, int, int]]:
    """(coach, proposals about to be sent, free places) for each coach the pairs would take past their capacity:
    the plan never does, an admin's override can, and the coach then accepts only as places free up."""
    sending: dict[int, int] = {}
    for _, coach_id, _, _ in pairs:
        sending[coach_id] = sending.get(coach_id, 0) + 1
    return [(context.coaches[coach_id], count, context.free_places.get(coach_id, 0))
            for coach_id, count in sorted(sending.items()) if count > context.free_places.get(coach_id, 0)]


def send_proposals(pairs: list[tuple[int, int, float, dict]],
                   proposed_by: User | None) -> tuple[list[CoachAssignment], int, list[int]]:
    """Create the proposals an admin confirmed (possibly overridden) and tell each coach by e-mail.
    Returns the proposals, how many coaches the e-mail did not reach (they still find them on their page), and
    the companies left out because another request proposed them meanwhile (the database keeps one active
    assignment per company: the first to save wins, the others are told, never a second proposal)."""
    created, taken = [], []
    for company_id, coach_id, fit, reason in pairs:
        assignment = CoachAssignment(company_id=company_id, coach_id=coach_id, fit_score=fit, reason=reason,
                                     proposed_by_id=proposed_by.id if proposed_by else None)
        try:
            with db.session.begin_nested():
                db.session.add(assignment)
                db.session.flush()
        except IntegrityError:
            taken.append(company_id)
            continue
        created.append(assignment)
        record("proposed", company_id, coach_id=coach_id)
    db.session.flush()
    return created, _mail_coaches(created), taken


def _mail_coaches(assignments: list[CoachAssignment]) -> int:
    """E-mails each coach once with their number of new proposals; returns how many mails failed."""
    from ..urls import external_url
    from .mail import send_mail

    per_coach: dict[int, int] = {}
    for assignment in assignments:
        per_coach[assignment.coach_id] = per_coach.get(assignment.coach_id, 0) + 1
    failed = 0
    for coach_id, count in per_coach.items():
        coach = db.session.get(User, coach_id)
        with force_locale(coach.language or "it"):
            subject = ngettext("Bussola Digitale: %(num)d nuova impresa proposta",
                               "Bussola Digitale: %(num)d nuove imprese proposte", count)
            body = ngettext("Buongiorno %(name)s,\n\nti è stata proposta %(num)d nuova impresa. Accetta o "
                            "rifiuta la proposta dal tuo spazio di lavoro:\n\n%(link)s\n",
                            "Buongiorno %(name)s,\n\nti sono state proposte %(num)d nuove imprese. Accetta o "
                            "rifiuta ogni proposta dal tuo spazio di lavoro:\n\n%(link)s\n",
                            count, name=coach.name, link=external_url("coach.dashboard"))
            failed += not send_mail(coach.email, subject, body)
    return failed


def overdue_proposals() -> list[CoachAssignment]:
    """Proposals not answered within PROPOSAL_REMINDER_DAYS, for the admins to chase."""
    limit = utcnow() - timedelta(days=current_app.config["PROPOSAL_REMINDER_DAYS"])
    return list(db.session.execute(
        db.select(CoachAssignment)
        .where(CoachAssignment.status == AssignmentStatus.proposed, CoachAssignment.proposed_at < limit)
        .options(subqueryload(CoachAssignment.company), subqueryload(CoachAssignment.coach))
        .order_by(CoachAssignment.proposed_at)
    ).scalars())
