"""The feature space of matching: company, track and grant inputs, and their blocks (see matching.py)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from .matching_text import DIMENSIONS, analyse, grant_text, needs_text

SIZE_KEYS = ("micro", "small", "medium", "large")
AREA_KEYS = ("territorial_marketing", "territorial_welfare", "green_infrastructure", "digital_innovation")
N_LEVELS, N_SECTIONS = 5, 27  # sections A..Z by letter, plus "unknown"
STATUS_CODES = {"not_eligible": 1, "to_check": 2, "eligible": 3}  # 0: no status, never ranked
SPORTELLO_TIME_FIT, FULL_TIME_DAYS = 0.75, 60  # "a sportello": open, but funds may run out


@dataclass(frozen=True)
class CompanyVector:
    id: int
    dimension_scores: Mapping[str, float]
    level_index: int
    size_class: str | None
    ateco_section: str | None
    comune_istat: str | None = None
    territory_keys: tuple = ()
    themes: tuple = ()
    region_name: str | None = None


@dataclass(frozen=True)
class TrackItem:
    id: int
    title_it: str
    title_en: str
    dimension_weights: Mapping[str, float]
    level_from: int = 0
    level_to: int = 4
    ateco_sections: tuple = ()
    thematic_area: str | None = None
    free_seats: int = 0
    is_active: bool = True


@dataclass(frozen=True)
class GrantItem:
    id: int
    title: str
    description: str = ""
    purposes: tuple = ()
    eligible_costs: tuple = ()
    dimensions: tuple = ()
    closes_on: date | None = None
    opens_on: date | None = None
    aid_min_eur: float | None = None
    aid_max_eur: float | None = None
    aid_forms: tuple = ()
    is_all_sectors: bool = True
    sizes: tuple = ()
    comuni_count: int = 0


@dataclass(frozen=True)
class EligibilityMatrix:
    """Statuses for many pairs at once: statuses[i, j] is a STATUS_CODES value (0: unknown) for the ids."""
    company_ids: Sequence
    grant_ids: Sequence
    statuses: np.ndarray


@dataclass
class FeatureSpace:
    companies: Sequence[CompanyVector]
    items: list
    blocks: dict[str, tuple[np.ndarray, np.ndarray]]  # feature -> (companies x f, f x items)
    mask: np.ndarray  # companies x items: may be ranked
    scores: np.ndarray  # companies x 6, NaN when missing
    need: np.ndarray
    weakest: np.ndarray  # dimension index, -1 without scores
    item_dims: np.ndarray  # items x 6, normalised: which dimension an explanation names
    codes: np.ndarray | None = None  # grants: companies x items status codes


def _section(letter: str | None) -> int:
    letter = (letter or "").strip().upper()
    return ord(letter) - 65 if len(letter) == 1 and "A" <= letter <= "Z" else 26


def _one_hot(index: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((len(index), width), dtype=np.float32)
    ok = index >= 0
    out[np.flatnonzero(ok), index[ok]] = 1.0
    return out


def _company_space(companies: Sequence[CompanyVector]) -> dict[str, np.ndarray]:
    n = len(companies)
    scores = np.array([[c.dimension_scores.get(d, np.nan) for d in DIMENSIONS] for c in companies],
                      dtype=float).reshape(n, len(DIMENSIONS))
    known = ~np.isnan(scores)
    gap = np.where(known, 100.0 - np.clip(np.nan_to_num(scores), 0.0, 100.0), 0.0)
    top = gap.max(axis=1, keepdims=True)
    need = np.divide(gap * gap, 100.0 * top, out=np.zeros_like(gap), where=top > 0)
    by_score = np.argsort(np.where(known, scores, np.inf), axis=1, kind="stable")
    weakest = np.where(known.any(axis=1), by_score[:, 0], -1)
    sizes = np.array([SIZE_KEYS.index(c.size_class) if c.size_class in SIZE_KEYS else -1 for c in companies])
    themes = np.array([[a in c.themes for a in AREA_KEYS] for c in companies], dtype=np.float32)
    return {"scores": scores, "need": need.astype(np.float32), "weakest": weakest, "known": known,
            "by_score": by_score, "weak1h": _one_hot(weakest, len(DIMENSIONS)),
            "level": np.clip([c.level_index for c in companies], 0, N_LEVELS - 1).astype(int).reshape(n),
            "size1h": _one_hot(sizes.reshape(n), len(SIZE_KEYS)),
            "section": np.array([_section(c.ateco_section) for c in companies], dtype=int).reshape(n),
            "themes": themes.reshape(n, len(AREA_KEYS))}


def _normalised(weights: np.ndarray) -> np.ndarray:
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0).astype(np.float32)


def track_space(companies: Sequence[CompanyVector], tracks: Sequence[TrackItem]) -> FeatureSpace:
    c = _company_space(companies)
    t = len(tracks)
    w = _normalised(np.array([[max(0.0, float(tr.dimension_weights.get(d) or 0.0)) for d in DIMENSIONS]
                              for tr in tracks], dtype=float).reshape(t, len(DIMENSIONS)))
    lo = np.array([tr.level_from for tr in tracks], dtype=float)
    hi = np.array([tr.level_to for tr in tracks], dtype=float)
    levels = np.arange(N_LEVELS, dtype=float)[:, None]
    in_range = (levels >= lo) & (levels <= hi)
    closeness = np.where(in_range, 1.0 - np.abs(levels - (lo + hi) / 2) / (N_LEVELS - 1), 0.0)
    listed = np.zeros((N_SECTIONS, t), dtype=np.float32)
    areas = np.zeros((len(AREA_KEYS), t), dtype=np.float32)
    for j, tr in enumerate(tracks):  # O(items) set-up, not a loop over pairs
        listed[[_section(s) for s in tr.ateco_sections], j] = 1.0
        if tr.thematic_area in AREA_KEYS:
            areas[AREA_KEYS.index(tr.thematic_area), j] = 1.0
    allowed = (listed > 0) | ~(listed > 0).any(axis=0)
    sec1h = _one_hot(c["section"], N_SECTIONS)
    blocks = {"dim_fit": (c["need"], w.T), "weakest_fit": (c["weak1h"], w.T),
              "level_fit": (_one_hot(c["level"], N_LEVELS), closeness.astype(np.float32)),
              "theme_fit": (c["themes"], areas), "sector_fit": (sec1h, listed)}
    mask = in_range[c["level"]] & allowed[c["section"]]
    return FeatureSpace(companies, list(tracks), blocks, mask, c["scores"], c["need"], c["weakest"], w)


@lru_cache(maxsize=4)
def _fitted_tfidf(texts: tuple[str, ...]):
    """A TF-IDF vectorizer fitted on these grant texts, and their matrix. Every submission ranks the same open
    grants, which change a few times a day: fitted once per set of texts, not once per submission (for one
    company and ~850 open calls, ranking takes 8 ms with the fit cached and 16-40 ms without). Neither is ever
    modified."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, dtype=np.float32)
    return vectorizer, vectorizer.fit_transform(texts)


def _text_blocks(c: dict, companies: Sequence[CompanyVector], grants: Sequence[GrantItem]):
    """TF-IDF fitted on the grants; kept to the terms some needs text uses, the only ones that can match."""
    texts = tuple(grant_text(g.title, g.purposes, g.eligible_costs, g.description) for g in grants)
    keys = []
    for i, co in enumerate(companies):  # a needs text depends on few facts: transform each distinct one once
        weakest = tuple(DIMENSIONS[d] for d in c["by_score"][i][c["known"][i][c["by_score"][i]]][:2])
        keys.append((weakest, co.size_class, co.ateco_section, tuple(co.themes), co.region_name))
    distinct = list(dict.fromkeys(keys))
    try:
        vectorizer, grant_matrix = _fitted_tfidf(texts)
    except ValueError:  # no grant has a single usable word
        return np.zeros((len(companies), 0), np.float32), np.zeros((0, len(grants)), np.float32)
    needs = vectorizer.transform([needs_text(*k) for k in distinct])
    used = np.unique(needs.indices)
    where = {k: i for i, k in enumerate(distinct)}
    left = needs[:, used].toarray()[[where[k] for k in keys]].reshape(len(companies), len(used))
    return left, grant_matrix[:, used].toarray().T


def grant_space(companies: Sequence[CompanyVector], grants: Sequence[GrantItem], codes: np.ndarray,
                 today: date) -> FeatureSpace:
    c = _company_space(companies)
    g = len(grants)
    d = _normalised(np.array([[dim in gr.dimensions for dim in DIMENSIONS] for gr in grants],
                             dtype=float).reshape(g, len(DIMENSIONS)))
    n_dims = np.array([sum(dim in gr.dimensions for dim in DIMENSIONS) for gr in grants], dtype=float)
    focus = np.where(n_dims > 0, 1.0 - (n_dims - 1) / (len(DIMENSIONS) - 1), 0.0)
    specificity = (0.5 * focus + 0.2 * np.array([not gr.is_all_sectors for gr in grants], dtype=float)
                   + 0.2 * np.array([gr.comuni_count > 0 for gr in grants], dtype=float)
                   + 0.1 * np.array([0 < len(set(gr.sizes)) < len(SIZE_KEYS) for gr in grants], dtype=float))
    days = np.array([(gr.closes_on - today).days if gr.closes_on else -1 for gr in grants], dtype=float)
    time_fit = np.where([gr.closes_on is None for gr in grants], SPORTELLO_TIME_FIT,
                        np.clip((days + 1) / (FULL_TIME_DAYS + 1), 0.0, 1.0))
    sizes = np.array([[1.0 if s in gr.sizes else (0.5 if not gr.sizes else 0.0) for gr in grants]
                      for s in SIZE_KEYS], dtype=np.float32).reshape(len(SIZE_KEYS), g)
    ones = np.ones((len(companies), 1), dtype=np.float32)
    text_left, text_right = _text_blocks(c, companies, grants)
    blocks = {"dim_fit": (c["need"], d.T), "weakest_fit": (c["weak1h"], d.T),
              "text_sim": (text_left, text_right),
              "specificity": (ones, specificity.reshape(1, g)), "time_fit": (ones, time_fit.reshape(1, g)),
              "size_fit": (c["size1h"], sizes)}
    mask = (codes == STATUS_CODES["eligible"]) | (codes == STATUS_CODES["to_check"])
    return FeatureSpace(companies, list(grants), blocks, mask, c["scores"], c["need"], c["weakest"], d, codes)


def eligibility_codes(eligibility: Mapping | EligibilityMatrix, company_ids: Sequence, grant_ids: Sequence):
    """companies x grants STATUS_CODES from a per-pair mapping or a matrix; a missing pair is 0."""
    if isinstance(eligibility, EligibilityMatrix):
        rows_at = {cid: i for i, cid in enumerate(eligibility.company_ids)}
        cols_at = {gid: j for j, gid in enumerate(eligibility.grant_ids)}
        rows = np.array([rows_at.get(cid, -1) for cid in company_ids], dtype=int)
        cols = np.array([cols_at.get(gid, -1) for gid in grant_ids], dtype=int)
        statuses = np.asarray(eligibility.statuses, dtype=np.int8)
        codes = statuses[np.ix_(np.maximum(rows, 0), np.maximum(cols, 0))]
        codes[rows < 0, :], codes[:, cols < 0] = 0, 0
        return codes
    codes = np.zeros((len(company_ids), len(grant_ids)), dtype=np.int8)
    rows_at = {cid: i for i, cid in enumerate(company_ids)}
    cols_at = {gid: j for j, gid in enumerate(grant_ids)}
    for (cid, gid), status in eligibility.items():  # reads the given statuses; scoring stays vectorised
        if cid in rows_at and gid in cols_at:
            codes[rows_at[cid], cols_at[gid]] = STATUS_CODES.get(status, 0)
    return codes
