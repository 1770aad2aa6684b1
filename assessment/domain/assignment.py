"""Propose companies to coaches: the assignment of maximum total fit under every coach's free capacity.

Fit of company c with coach k, in [0, 1]:
  fit = 0.50 expertise + 0.25 area + 0.15 language + 0.10 theme
  expertise = sum_d gap_d * e_d / 3 / sum_d gap_d   (gap_d = 100 - score_d; e_d the coach's 0..3 level):
              the coach's expertise where the company is weakest counts most (0 when no gap is known)
  area      = 1 the coach serves the company's comune or one of its territories; 0.5 the coach names no
              area (works anywhere, remotely); 0 otherwise
  language  = 1 the coach speaks the company's language, else 0
  theme     = share of the company's themes the coach covers; 0.5 when the company named none
Optimisation: each coach k is expanded into min(free_capacity_k, #companies) identical slots; each company
also gets a private queue column. cost[c, slot of k] = -fit(c, k); cost[c, own queue] = 0; every other
entry is forbidden (+inf): paused coach, no free capacity, a pair in excluded_pairs (the coach declined
the company), fit < MIN_FIT, or another company's queue column. scipy's linear_sum_assignment then
minimises the cost, i.e. maximises the total fit of the companies placed, and a slot is used at most once,
so no coach gets more than their free capacity. Every fit is > 0, so a company waits only when the
capacity it could use went to a better overall plan, or when no coach may take it; both say why.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .matching_text import AREAS, DIMENSION_TITLES, DIMENSIONS, points_text

WEIGHTS = {"expertise": 0.50, "area": 0.25, "language": 0.15, "theme": 0.10}
MIN_FIT = 0.30
MAX_EXPERTISE = 3
_LANGUAGES = {"it": ("italiano", "Italian"), "en": ("inglese", "English"), "fr": ("francese", "French"),
              "de": ("tedesco", "German"), "es": ("spagnolo", "Spanish")}


@dataclass(frozen=True)
class CoachFacts:
    id: int
    expertise: Mapping[str, float]  # {dimension_key: 0..3}
    comuni: frozenset = frozenset()
    territory_keys: frozenset = frozenset()
    languages: frozenset = frozenset({"it"})
    thematic_areas: frozenset = frozenset()
    free_capacity: int = 0
    is_available: bool = True


CoachSlot = CoachFacts  # the brief's other name for the same facts


@dataclass(frozen=True)
class CompanyNeed:
    id: int
    dimension_scores: Mapping[str, float]
    comune_istat: str | None = None
    territory_keys: Collection[str] = frozenset()
    language: str = "it"
    themes: Collection[str] = frozenset()


@dataclass(frozen=True)
class FitDetail:
    score: float
    reasons_it: tuple[str, ...]
    reasons_en: tuple[str, ...]


@dataclass(frozen=True)
class ProposedPair:
    company_id: int
    coach_id: int
    fit: float
    reason_it: str
    reason_en: str


@dataclass(frozen=True)
class Queued:
    company_id: int
    reason_it: str
    reason_en: str


@dataclass(frozen=True)
class AssignmentPlan:
    pairs: tuple[ProposedPair, ...]
    queue: tuple[Queued, ...]

    @property
    def total_fit(self) -> float:
        return float(sum(p.fit for p in self.pairs))


def _gaps(company: CompanyNeed) -> dict[str, float]:
    return {d: 100.0 - min(100.0, max(0.0, float(company.dimension_scores[d])))
            for d in DIMENSIONS if company.dimension_scores.get(d) is not None}


def _parts(company: CompanyNeed, coach: CoachFacts) -> dict[str, float]:
    gaps = _gaps(company)
    total = sum(gaps.values())
    expertise = (sum(g * min(MAX_EXPERTISE, max(0.0, float(coach.expertise.get(d, 0) or 0)))
                     for d, g in gaps.items()) / (MAX_EXPERTISE * total)) if total > 0 else 0.0
    if company.comune_istat in coach.comuni or set(company.territory_keys) & coach.territory_keys:
        area = 1.0
    else:
        area = 0.5 if not coach.comuni and not coach.territory_keys else 0.0
    themes = set(company.themes)
    theme = len(themes & coach.thematic_areas) / len(themes) if themes else 0.5
    return {"expertise": expertise, "area": area, "language": float(company.language in coach.languages),
            "theme": theme}


def _score(parts: Mapping[str, float]) -> float:
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 9)  # rounded: stable under summation order


def fit(company: CompanyNeed, coach: CoachFacts) -> FitDetail:
    """How well a coach suits a company, with the reasons that made it, in Italian and English."""
    parts = _parts(company, coach)
    its, ens = [], []
    gaps = _gaps(company)
    pulls = {d: g * float(coach.expertise.get(d, 0) or 0) for d, g in gaps.items()}
    if pulls and max(pulls.values()) > 0:
        dim = max(pulls, key=lambda d: (pulls[d], -DIMENSIONS.index(d)))
        level, score = int(coach.expertise.get(dim, 0)), 100.0 - gaps[dim]
        title_it, title_en = DIMENSION_TITLES[dim]
        points_it, points_en = points_text(score)  # as the company's page writes scores
        its.append(f"esperienza in {title_it} ({level}/3), dove l'impresa è a {points_it}/100")
        ens.append(f"expertise in {title_en} ({level}/3), where the company scores {points_en}/100")
    if parts["area"] == 1.0:
        local = company.comune_istat in coach.comuni
        its.append("segue il comune dell'impresa" if local else "opera nel territorio dell'impresa")
        ens.append("serves the company's comune" if local else "works in the company's territory")
    elif parts["area"] == 0.5:
        its.append("lavora su tutto il territorio")
        ens.append("works anywhere")
    if parts["language"]:
        it_name, en_name = _LANGUAGES.get(company.language, (company.language, company.language))
        its.append(f"parla {it_name}")
        ens.append(f"speaks {en_name}")
    shared = sorted(set(company.themes) & coach.thematic_areas)
    if shared:
        its.append("temi in comune: " + ", ".join(AREAS.get(t, (t, t))[0] for t in shared))
        ens.append("shared themes: " + ", ".join(AREAS.get(t, (t, t))[1] for t in shared))
    return FitDetail(_score(parts), tuple(its), tuple(ens))


def _sentence(parts: Iterable[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def _why_waiting(company: CompanyNeed, coaches: Sequence[CoachFacts], blocked: Mapping[int, str],
                 min_fit: float) -> Queued:
    if not coaches:
        return Queued(company.id, "Non c'è ancora nessun coach.", "There are no coaches yet.")
    counts = {kind: sum(1 for k in coaches if blocked[k.id] == kind)
              for kind in ("paused", "full", "declined", "low_fit", "open")}
    if counts["open"]:
        return Queued(company.id, "I coach adatti hanno esaurito i posti liberi: resta in coda.",
                      "The suitable coaches have no free places left: it stays in the queue.")
    words = {"paused": ("in pausa", "paused"), "full": ("senza posti liberi", "with no free places"),
             "declined": ("hanno già rifiutato questa impresa", "already declined this company"),
             "low_fit": (f"con compatibilità sotto {min_fit:.2f}", f"with a fit below {min_fit:.2f}")}
    its = [f"{n} {words[kind][0]}" for kind, n in counts.items() if n and kind != "open"]
    ens = [f"{n} {words[kind][1]}" for kind, n in counts.items() if n and kind != "open"]
    return Queued(company.id, "Nessun coach può seguirla ora: " + ", ".join(its) + ".",
                  "No coach can take it now: " + ", ".join(ens) + ".")


def assign(companies: Sequence[CompanyNeed], coaches: Sequence[CoachFacts], *,
           excluded_pairs: Collection[tuple[int, int]] = frozenset(),
           min_fit: float = MIN_FIT) -> AssignmentPlan:
    """The plan of maximum total fit (exact, Hungarian method); companies it cannot place wait in a queue."""
    companies = sorted(companies, key=lambda c: c.id)
    coaches = sorted(coaches, key=lambda k: k.id)
    excluded = set(excluded_pairs)
    n, m = len(companies), len(coaches)
    fits = np.array([[_score(_parts(c, k)) for k in coaches] for c in companies], dtype=float).reshape(n, m)
    blocked_by = []  # per company: coach id -> why it cannot take the company ("open" if it can)
    for i, company in enumerate(companies):
        blocked_by.append({k.id: "paused" if not k.is_available else "full" if k.free_capacity <= 0
                           else "declined" if (company.id, k.id) in excluded
                           else "low_fit" if fits[i, j] < min_fit else "open" for j, k in enumerate(coaches)})
    allowed = np.array([[b[k.id] == "open" for k in coaches] for b in blocked_by], dtype=bool).reshape(n, m)
    slot_coach = np.repeat(np.arange(len(coaches)), [min(max(k.free_capacity, 0), n) if k.is_available else 0
                                                     for k in coaches]).astype(int)
    cost = np.full((n, len(slot_coach) + n), np.inf)
    cost[:, : len(slot_coach)] = np.where(allowed[:, slot_coach], -fits[:, slot_coach], np.inf)
    cost[np.arange(n), len(slot_coach) + np.arange(n)] = 0.0  # the company's own queue place
    rows, cols = linear_sum_assignment(cost) if n else (np.array([], int), np.array([], int))
    pairs, queue = [], []
    for i, col in zip(rows.tolist(), cols.tolist()):
        company = companies[i]
        if col >= len(slot_coach):
            queue.append(_why_waiting(company, coaches, blocked_by[i], min_fit))
            continue
        coach = coaches[slot_coach[col]]
        detail = fit(company, coach)
        pairs.append(ProposedPair(company.id, coach.id, detail.score, _sentence(detail.reasons_it),
                                  _sentence(detail.reasons_en)))
    return AssignmentPlan(tuple(pairs), tuple(queue))
