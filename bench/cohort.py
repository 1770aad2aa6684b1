"""Synthetic cohort for the matching benchmarks: companies with planted needs, tracks and grants with targets.

Assumptions (plausible, not measured; what matters is that the truth is planted and known):
* Size mix micro 70%, small 20%, medium 8%, large 2%, close to the Italian firm population.
* Dimension score = 100 * Beta(a, b) per size class, bigger firms more mature: micro (2, 4), small (3, 3.5),
  medium (4, 3), large (5, 2.5).
* Planted need: 1 or 2 dimensions (even odds) re-drawn below every other dimension (their score becomes
  the company's minimum times U(0.3, 0.8)), so they are the weakest ones. Maturity level = mean score // 20.
* ATECO section from a weighted list (G, C, I, F, N, ...); 0 to 2 themes among the four thematic areas;
  region always Piemonte.
* Tracks: 1-2 planted target dimensions with weight U(0.6, 1), other dimensions 0 or a U(0, 0.15) noise;
  level range start 0-3, width 0-2; 30% restricted to 1-3 sections; 10% full (no seats), 5% inactive.
* Grants: 1-2 planted target dimensions; the listed dimensions (keyword rules) are 10% one random
  dimension instead, 20% the targets plus a random one, else the targets; title and description drawn
  from the targets' vocabulary (30% also two words of a random one) plus boilerplate; 15% already
  closed, 10% "a sportello", the rest close in 0-180 days; half name sizes; 30% restricted to sectors;
  20% local (a comuni list).
* Eligibility: independent per pair, 70% eligible, 15% to check, 15% not eligible.
* Relevance truth: the item targets one of the company's planted needs AND could be offered: tracks
  active with seats, the company's level inside the range and its section allowed; grants open and
  eligible or to check.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment.domain.matching import (
    STATUS_CODES,
    CompanyVector,
    EligibilityMatrix,
    GrantItem,
    TrackItem,
)
from assessment.domain.matching_text import DIMENSION_WORDS, DIMENSIONS

SIZES, SIZE_P = ("micro", "small", "medium", "large"), (0.70, 0.20, 0.08, 0.02)
BETA = {"micro": (2.0, 4.0), "small": (3.0, 3.5), "medium": (4.0, 3.0), "large": (5.0, 2.5)}
SECTIONS = ("G", "C", "I", "F", "N", "M", "H", "K", "A", "Q", "S", "T")
SECTION_P = np.array([25, 20, 12, 10, 8, 5, 5, 5, 4, 3, 2, 1], dtype=float) / 100
AREAS = ("territorial_marketing", "territorial_welfare", "green_infrastructure", "digital_innovation")
FILLER = ("contributi a fondo perduto per le imprese del territorio che presentano un progetto",
          "agevolazione per investimenti e spese ammissibili sostenute dopo la domanda",
          "voucher camerale per micro piccole e medie imprese con sede operativa in Piemonte")


@dataclass
class Cohort:
    companies: list[CompanyVector]
    needs: np.ndarray  # companies x 6, True where a need was planted
    tracks: list[TrackItem]
    track_targets: np.ndarray  # tracks x 6
    grants: list[GrantItem]
    grant_targets: np.ndarray  # grants x 6
    eligibility: EligibilityMatrix
    today: date


def _targets(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.zeros((n, len(DIMENSIONS)), dtype=bool)
    for i in range(n):
        out[i, rng.choice(len(DIMENSIONS), size=rng.integers(1, 3), replace=False)] = True
    return out


def make_companies(n: int, rng: np.random.Generator,
                   first_id: int = 1) -> tuple[list[CompanyVector], np.ndarray]:
    sizes = rng.choice(len(SIZES), size=n, p=SIZE_P)
    a = np.array([BETA[SIZES[s]][0] for s in sizes])[:, None]
    b = np.array([BETA[SIZES[s]][1] for s in sizes])[:, None]
    scores = 100 * rng.beta(a, b, size=(n, len(DIMENSIONS)))
    needs = _targets(rng, n)
    floor = np.where(needs, np.inf, scores).min(axis=1, keepdims=True)
    scores = np.where(needs, floor * rng.uniform(0.3, 0.8, size=scores.shape), scores).round(1)
    levels = np.minimum(4, (scores.mean(axis=1) // 20).astype(int))
    sections = rng.choice(SECTIONS, size=n, p=SECTION_P)
    companies = [CompanyVector(first_id + i, dict(zip(DIMENSIONS, scores[i].tolist())), int(levels[i]),
                               SIZES[sizes[i]], str(sections[i]), "001272", ("torino",),
                               tuple(rng.choice(AREAS, size=rng.integers(0, 3), replace=False).tolist()),
                               "Piemonte") for i in range(n)]
    return companies, needs


def make_tracks(n: int, rng: np.random.Generator) -> tuple[list[TrackItem], np.ndarray]:
    targets = _targets(rng, n)
    tracks = []
    for j in range(n):
        weights = {d: float(rng.uniform(0.6, 1.0)) if targets[j, k] else
                   (float(rng.uniform(0, 0.15)) if rng.random() < 0.3 else 0.0)
                   for k, d in enumerate(DIMENSIONS)}
        start = int(rng.integers(0, 4))
        sections = tuple(rng.choice(SECTIONS, size=rng.integers(1, 4), replace=False).tolist()) \
            if rng.random() < 0.3 else ()
        seats = 0 if rng.random() < 0.10 else int(rng.integers(1, 21))
        tracks.append(TrackItem(1000 + j, f"Percorso {j}", f"Track {j}", weights, start,
                                min(4, start + int(rng.integers(0, 3))), sections, str(rng.choice(AREAS)),
                                seats, rng.random() >= 0.05))
    return tracks, targets


def make_grants(n: int, rng: np.random.Generator, today: date) -> tuple[list[GrantItem], np.ndarray]:
    targets = _targets(rng, n)
    grants = []
    for j in range(n):
        dims = [d for k, d in enumerate(DIMENSIONS) if targets[j, k]]
        words = " ".join(" ".join(rng.choice(DIMENSION_WORDS[d].split(), size=4).tolist()) for d in dims)
        if rng.random() < 0.3:  # text mentions an unrelated topic too
            other = DIMENSION_WORDS[str(rng.choice(DIMENSIONS))].split()
            words += " " + " ".join(rng.choice(other, 2).tolist())
        u = rng.random()  # the keyword rules are imperfect: misclassified, over-included or right
        wrong = [str(rng.choice(DIMENSIONS))]
        listed = wrong if u < 0.1 else dims + wrong if u < 0.3 else dims
        u = rng.random()
        closes = (today - timedelta(days=int(rng.integers(1, 200))) if u < 0.15 else None if u < 0.25
                  else today + timedelta(days=int(rng.integers(0, 181))))
        sizes = tuple(rng.choice(SIZES, size=rng.integers(1, 4), replace=False).tolist()) \
            if rng.random() < 0.5 else ()
        grants.append(GrantItem(
            5000 + j, f"Bando {words.split()[0]} {j}", f"{rng.choice(FILLER)}: {words}",
            ("Digitalizzazione",) if "green_digital" not in dims else ("Transizione ecologica",),
            ("Consulenza", "Investimenti"), tuple(dict.fromkeys(listed)), closes, today - timedelta(days=30),
            1000.0, float(rng.choice([5000, 10000, 50000, 200000])), ("Contributo/Fondo perduto",),
            rng.random() >= 0.3, sizes, int(rng.integers(5, 300)) if rng.random() < 0.2 else 0))
    return grants, targets


def make_eligibility(companies: list[CompanyVector], grants: list[GrantItem],
                     rng: np.random.Generator) -> EligibilityMatrix:
    codes = np.array([STATUS_CODES["eligible"], STATUS_CODES["to_check"], STATUS_CODES["not_eligible"]],
                     dtype=np.int8)
    statuses = codes[rng.choice(3, size=(len(companies), len(grants)), p=(0.70, 0.15, 0.15)).astype(np.int8)]
    return EligibilityMatrix([c.id for c in companies], [g.id for g in grants], statuses)


def make_cohort(n_companies: int, n_tracks: int, n_grants: int, seed: int = 0,
                today: date = date(2025, 3, 1)) -> Cohort:
    rng = np.random.default_rng(seed)
    companies, needs = make_companies(n_companies, rng)
    tracks, track_targets = make_tracks(n_tracks, rng)
    grants, grant_targets = make_grants(n_grants, rng, today)
    return Cohort(companies, needs, tracks, track_targets, grants, grant_targets,
                  make_eligibility(companies, grants, rng), today)


def track_feasible(companies: list[CompanyVector], tracks: list[TrackItem]) -> np.ndarray:
    """companies x tracks: could be offered (active, seats, level in range, section allowed)."""
    level = np.array([c.level_index for c in companies])[:, None]
    lo = np.array([t.level_from for t in tracks])[None, :]
    hi = np.array([t.level_to for t in tracks])[None, :]
    open_ = np.array([t.is_active and t.free_seats > 0 for t in tracks])[None, :]
    section = np.array([[not t.ateco_sections or c.ateco_section in t.ateco_sections for t in tracks]
                        for c in companies])
    return (level >= lo) & (level <= hi) & open_ & section


def grant_feasible(cohort: Cohort, companies: list[CompanyVector] | None = None) -> np.ndarray:
    companies = companies or cohort.companies
    open_ = np.array([g.closes_on is None or g.closes_on >= cohort.today for g in cohort.grants])[None, :]
    statuses = cohort.eligibility.statuses[: len(companies)]
    return open_ & ((statuses == STATUS_CODES["eligible"]) | (statuses == STATUS_CODES["to_check"]))


def truth(needs: np.ndarray, targets: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Relevant = targets a planted need and could be offered."""
    return ((needs.astype(np.int32) @ targets.T.astype(np.int32)) > 0) & feasible
