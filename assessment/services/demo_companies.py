"""Demo companies for `demo load`: a year of assessments, re-assessments, coaching and training, built
through the real services and plainly marked as demo ("Demo · …", demoN@bussola.example)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..domain.assignment import assign
from ..domain.company_profile import vat_check_digit
from ..domain.matching_text import DIMENSION_TITLES
from ..domain.questionnaire import Questionnaire
from ..domain.scoring import is_shown
from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    Assessment,
    AssignmentStatus,
    CoachAssignment,
    Company,
    Track,
    utcnow,
)
from .assessments import create_and_submit, save_section, start_draft, submit
from .assignment import active_coaches, coach_facts, company_need
from .coaching import CoachingError, add_note, complete_enrolment, enrol
from .questionnaires import latest_version, questionnaire_of
from .reference import territory_keys_by_comune

QUESTIONNAIRE = "dma-sme"
NAME_PREFIX = "Demo · "
EMAIL_DOMAIN = "bussola.example"  # the demo accounts' domain: the coaches who take demo companies
MKT, WEL, GRN, DIG = "territorial_marketing", "territorial_welfare", "green_infrastructure", "digital_innovation"
# Name, ATECO 2025 sottocategoria (checked against assessment/data/ateco2025_completo.csv), size (micro,
# small, medium) and the thematic areas the owner ticks.
BUSINESSES = (
    ("Panificio Aurora", "10.71.10", "micro", (MKT,)),
    ("Cantina Erbaluce dei Colli", "11.02.10", "small", (MKT,)),
    ("Trattoria del Ponte", "56.11.11", "micro", (MKT,)),
    ("Acconciature Elisa", "96.21.00", "micro", ()),
    ("Alimentari Gran Paradiso", "47.11.02", "micro", (MKT, WEL)),
    ("Officina Meccanica Dora", "25.53.00", "small", (DIG,)),
    ("Falegnameria Canavesana", "16.23.09", "micro", (GRN,)),
    ("Hotel La Serra", "55.10.00", "small", (MKT,)),
    ("Caseificio Valle Orco", "10.51.20", "small", (MKT, GRN)),
    ("Pasticceria del Castello", "10.71.20", "micro", ()),
    ("Autofficina Reviglio", "95.31.10", "micro", (DIG,)),
    ("Studio Bianchi & Ferrero", "69.20.01", "micro", (DIG,)),
    ("Agriturismo Cascina Bella", "55.20.51", "micro", (MKT, GRN)),
    ("B&B Le Cinque Torri", "55.20.41", "micro", (MKT,)),
    ("Ferramenta Martinetto", "47.52.10", "micro", ()),
    ("Impianti Solari Canavese", "43.21.01", "small", (GRN,)),
    ("Termoidraulica Forno", "43.22.05", "micro", (GRN,)),
    ("Autotrasporti Orco", "49.41.00", "small", (GRN, DIG)),
    ("Studio Tecnico Actis", "71.12.10", "micro", (DIG,)),
    ("Codice Libero Software", "62.10.00", "small", (DIG,)),
    ("Fiori Giardino Verde", "47.76.10", "micro", (WEL,)),
    ("Vigneti della Serra", "01.21.00", "micro", (MKT, GRN)),
    ("Tessitura Chiusella", "13.20.00", "small", (GRN,)),
    ("Macchine Utensili Morena", "28.41.00", "medium", (DIG,)),
    ("Imballaggi Plastici Nord", "22.22.00", "medium", (GRN, DIG)),
    ("Manutenzioni Motori Bertola", "33.12.10", "small", ()),
    ("Caffè Piazza Ottinetti", "56.30.01", "micro", (MKT,)),
    ("Gelateria Il Canavese", "56.11.22", "micro", ()),
    ("Macelleria Salumeria Bertotti", "47.22.00", "micro", (MKT,)),
    ("Centro Estetico Armonia", "96.22.09", "micro", (WEL,)),
    ("Boutique Aurora", "47.71.10", "micro", ()),
    ("Grafica Dora Baltea", "74.12.01", "micro", (DIG,)),
    ("Agenzia Comunicazione Canavese", "73.11.02", "micro", (MKT, DIG)),
    ("Salumificio Valle Sacra", "10.13.00", "small", (MKT,)),
    ("Conserve dell'Orto", "10.39.00", "micro", (MKT, GRN)),
    ("Serramenti Val Soana", "16.25.00", "small", (GRN,)),
    ("Carrozzeria Gianotti", "95.31.20", "micro", ()),
    ("Gelati Artigianali Erbaluce", "10.52.00", "micro", (MKT,)),
    ("Ottica Centrale", "47.78.10", "micro", (WEL,)),
    ("Fotografia Lago Sirio", "74.20.19", "micro", (MKT,)),
)
# ISTAT codes of comuni of the province of Turin served by the demo coaches: Ivrea, Banchette, Pavone Canavese,
# Strambino, Borgofranco d'Ivrea; Cuorgnè, Rivarolo Canavese, Castellamonte, Valperga, Pont Canavese;
# Chivasso, Caluso, Montanaro, Volpiano.
COMUNI = ("001125", "001125", "001020", "001181", "001269", "001030", "001098", "001217", "001217", "001066",
          "001287", "001199", "001082", "001082", "001047", "001161", "001314")
SIZES = {"micro": ((1, 9), (80_000, 1_800_000)), "small": ((10, 45), (2_100_000, 9_000_000)),
         "medium": ((55, 180), (11_000_000, 40_000_000))}
# Re-assessed 3 to 6 months later: seven coached companies and five on their own, so both groups of the
# dashboard's impact section reach the minimum size it shows (MIN_GROUP, 5).
COACHED_AGAIN = (AssignmentStatus.completed,) * 4 + (AssignmentStatus.in_progress,) * 3
ASSESSED_AGAIN_ALONE = 5
# Assessed once and proposed to a coach: accepted, waiting for an answer, or declined.
COACHED_ONCE = (AssignmentStatus.accepted,) * 3 + (AssignmentStatus.proposed,) * 4 + (AssignmentStatus.declined,)
NOTES = ("Primo incontro fatto: il titolare vuole partire da {dimension}.",
         "Concordato un piano in tre passi; rivediamo i progressi fra un mese.")
DECLINE_REASON = "Settore che conosco poco: meglio un collega con esperienza specifica."


@dataclass
class _Plan:
    """One demo company's story: maturity per dimension (0..1) and its weak dimensions, when it was assessed
    (and re-assessed, improving by `boost`), and where its coaching got to."""

    index: int
    first_at: datetime
    targets: dict[str, float]
    weak: list[str]
    second_at: datetime | None = None
    status: AssignmentStatus | None = None
    boost: dict[str, float] = field(default_factory=dict)


def vat_number(index: int) -> str:
    """A valid partita IVA of the demo range: 7 digits from 9900001, Turin office 001, then the check digit."""
    body = f"{9_900_000 + index:07d}001"
    return body + vat_check_digit(body)


def answers_for(questionnaire: Questionnaire, targets: dict[str, float], key: str) -> dict[str, object]:
    """A complete answer set whose questions score near each dimension's target (0..1). The noise is fixed
    per company and question (`key`), so higher targets never give a worse answer to the same question."""
    chosen: dict[str, tuple[str, ...]] = {}
    raw: dict[str, object] = {}
    for question in questionnaire.questions:
        if not is_shown(question, chosen):
            continue
        noise = random.Random(f"{key}:{question.key}")
        target = targets[question.dimension_key] + noise.uniform(-0.15, 0.15)
        if question.type == "multi":
            plain = [o for o in question.options if not o.exclusive]
            keys = [o.key for o in plain if noise.random() < target]
            if not keys:
                exclusive = [o for o in question.options if o.exclusive]
                keys = [exclusive[0].key] if exclusive else [min(plain, key=lambda o: o.score).key]
            raw[question.key] = keys
        else:
            best = max(o.score for o in question.options) or 1.0
            keys = [min(question.options, key=lambda o: (abs(o.score / best - target), o.score)).key]
            raw[question.key] = keys[0]
        chosen[question.key] = tuple(keys)
    return raw


def create_demo_companies(count: int = 40, seed: int = 2026, now: datetime | None = None) -> int:
    """Demo companies with a year of history; those already there (same partita IVA) are left as they are.
    Returns how many were created. Flushes; the caller commits."""
    now = now or utcnow()
    questionnaire = questionnaire_of(latest_version(QUESTIONNAIRE))
    dimensions = [d.key for d in questionnaire.dimensions]
    plans = _plan(count, random.Random(seed), dimensions, now)
    vats = {plan.index: vat_number(plan.index) for plan in plans}
    existing = set(db.session.execute(
        db.select(Company.vat_number).where(Company.vat_number.in_(vats.values()))).scalars())
    plans = [plan for plan in plans if vats[plan.index] not in existing]
    coaches = _Coaches(now)
    tracks = list(db.session.execute(db.select(Track).where(Track.is_active.is_(True)).order_by(Track.code))
                  .scalars())
    for plan in sorted(plans, key=lambda p: p.index):
        # Each company draws from its own generator: skipping one already there changes no other.
        rng = random.Random(f"{seed}:company:{plan.index}")
        name, ateco, size, themes = BUSINESSES[plan.index % len(BUSINESSES)]
        round_ = plan.index // len(BUSINESSES)
        (low_staff, high_staff), (low_eur, high_eur) = SIZES[size]
        profile = {
            "company_name": NAME_PREFIX + name + (f" {round_ + 1}" if round_ else ""),
            "vat_number": vats[plan.index], "ateco_code": ateco, "comune_istat": rng.choice(COMUNI),
            "employees": rng.randint(low_staff, high_staff),
            "annual_turnover_eur": rng.randrange(low_eur, high_eur, 10_000),
            "email": f"demo{plan.index + 1}@{EMAIL_DOMAIN}", "themes": list(themes), "privacy_accepted": True,
            "coach_contact": plan.status is not None or rng.random() < 0.8,
        }
        first, _token = create_and_submit(QUESTIONNAIRE, profile,
                                          answers_for(questionnaire, plan.targets, f"{seed}:{plan.index}"))
        company = first.company
        _backdate(first, plan.first_at, rng)
        company.created_at = first.created_at
        for consent in company.consents:
            consent.given_at = first.created_at
        assignment = coaches.take(company, first, plan, rng) if plan.status else None
        if plan.second_at:
            improved = {d: min(1.0, t + plan.boost[d]) for d, t in plan.targets.items()}
            draft, _token = start_draft(QUESTIONNAIRE, company=company)
            save_section(draft, profile={"privacy_accepted": True},
                         answers=answers_for(questionnaire, improved, f"{seed}:{plan.index}"))
            _backdate(submit(draft), plan.second_at, rng)
        if assignment is not None and assignment.started_at:
            _train(company, assignment, plan, tracks, rng)
    db.session.flush()
    return len(plans)


def _plan(count: int, rng: random.Random, dimensions: list[str], now: datetime) -> list[_Plan]:
    """Maturity from initial to advanced, one or two weak dimensions each; a year of submissions, with the
    re-assessed companies early enough to come back 3 to 6 months later."""
    order = list(range(count))
    rng.shuffle(order)
    plans = []
    for rank, index in enumerate(order):
        base = 0.08 + 0.72 * rank / max(count - 1, 1)
        weak = rng.sample(dimensions, rng.choice((1, 2)))
        targets = {d: base * rng.uniform(0.3, 0.6) if d in weak else min(1.0, base + rng.uniform(0.0, 0.12))
                   for d in dimensions}
        plans.append(_Plan(index, now, targets, weak))
    again = rng.sample(plans, min(len(plans), len(COACHED_AGAIN) + ASSESSED_AGAIN_ALONE))
    once = rng.sample([p for p in plans if p not in again], min(len(plans) - len(again), len(COACHED_ONCE)))
    for position, plan in enumerate(again):
        coached = position < len(COACHED_AGAIN)
        plan.status = COACHED_AGAIN[position] if coached else None
        plan.first_at = now - timedelta(days=rng.uniform(200, 360))
        plan.second_at = plan.first_at + timedelta(days=rng.uniform(90, 180))
        strong, mild = ((0.2, 0.3), (0.05, 0.12)) if coached else ((0.05, 0.1), (0.0, 0.05))
        plan.boost = {d: rng.uniform(*(strong if d in plan.weak else mild)) for d in dimensions}
    for position, plan in enumerate(once):
        plan.status = COACHED_ONCE[position]
        plan.first_at = now - timedelta(days=rng.uniform(30, 300))
    for plan in plans:
        if plan not in again and plan not in once:
            plan.first_at = now - timedelta(days=rng.uniform(2, 360))
    return plans


def _backdate(assessment: Assessment, at: datetime, rng: random.Random) -> None:
    at = at.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=0, microsecond=0)
    assessment.created_at = at - timedelta(minutes=rng.randint(12, 45))
    assessment.submitted_at = assessment.updated_at = at


class _Coaches:
    """The demo coaches, who serves which comune, and their free capacity (proposed, accepted and started
    assignments take one place each)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.users = [u for u in active_coaches() if u.email.endswith(f"@{EMAIL_DOMAIN}")]
        self.users_by_id = {u.id: u for u in self.users}
        self.facts = {f.id: f for f in coach_facts(self.users)}  # the same facts the real assignment weighs
        self.free = {f.id: f.free_capacity for f in self.facts.values()}
        self.territories = territory_keys_by_comune(set(COMUNI))

    def take(self, company: Company, assessment: Assessment, plan: _Plan,
             rng: random.Random) -> CoachAssignment | None:
        """Propose the company to the coach the real assignment picks (best fit with a free place; a finished
        or declined proposal needs none today), then walk it to plan.status with consistent timestamps."""
        takes_place = plan.status in ACTIVE_STATUSES
        need = company_need(company, assessment, self.territories)
        coaches = [replace(self.facts[u.id], free_capacity=self.free[u.id] if takes_place else 1)
                   for u in self.users]
        plan_pairs = assign([need], coaches).pairs
        if not plan_pairs:
            return None  # no coach fits or has room: the company waits in the queue like any other
        pair = plan_pairs[0]
        if takes_place:
            self.free[pair.coach_id] -= 1
        assignment = CoachAssignment(company=company, coach=self.users_by_id[pair.coach_id], status=plan.status,
                                     fit_score=pair.fit, reason={"it": pair.reason_it, "en": pair.reason_en})
        if plan.status == AssignmentStatus.proposed:  # a recent proposal, still waiting for an answer
            assignment.proposed_at = max(assessment.submitted_at, self.now - timedelta(days=rng.uniform(1, 12)))
            db.session.add(assignment)
            return assignment
        at = assessment.submitted_at + timedelta(days=rng.uniform(2, 10))
        assignment.proposed_at = at
        if plan.status == AssignmentStatus.declined:
            assignment.declined_at, assignment.decline_reason = at + timedelta(days=2), DECLINE_REASON
        else:
            assignment.accepted_at = at = at + timedelta(days=rng.uniform(1, 6))
        if plan.status in (AssignmentStatus.in_progress, AssignmentStatus.completed):
            assignment.started_at = at + timedelta(days=rng.uniform(3, 14))
        if plan.status == AssignmentStatus.completed:
            assignment.completed_at = plan.second_at - timedelta(days=rng.uniform(2, 10))
        db.session.add(assignment)
        return assignment


def _train(company: Company, assignment: CoachAssignment, plan: _Plan, tracks: list[Track],
           rng: random.Random) -> None:
    """Enrol a started company in a track for its weakest dimension; completed when the coaching is."""
    weakest = min(plan.weak, key=lambda d: plan.targets[d])
    note = add_note(company, assignment.coach, rng.choice(NOTES).format(dimension=DIMENSION_TITLES[weakest][0]))
    note.created_at = assignment.started_at
    # Tracks strong on that dimension, those in the owner's thematic areas first.
    strong = [t for t in tracks if t.dimension_weights.get(weakest, 0) >= 0.5] or tracks
    ranked = sorted(strong, key=lambda t: (t.thematic_area_key not in company.themes,
                                           -t.dimension_weights.get(weakest, 0) - rng.uniform(0, 0.2)))
    for track in ranked:
        try:
            enrolment = enrol(company, track, rng.randint(2, 6), by=assignment.coach)
        except CoachingError:
            continue  # no seats left in this cohort: the next best track
        enrolment.enrolled_at = assignment.started_at + timedelta(days=rng.uniform(1, 7))
        if assignment.completed_at:
            complete_enrolment(enrolment, when=assignment.completed_at)
        return
