"""Rank coaching tracks and grants for every company at once, each with an explanation in it and en.

Feature space. A company row holds blocks: need (6), weakest-dimension one-hot (6), level one-hot (5),
size one-hot (4), ATECO section one-hot (26 letters + unknown), themes multi-hot (areas), TF-IDF of its
needs text, and a constant 1. An item column holds the matching blocks, so every pair feature is a
block product and the whole score is ONE matrix product (companies x features @ features x items).
  gap_d = 100 - score_d;  need_d = (gap_d / 100) * (gap_d / max gap): absolute gap, sharpened so the
  weakest dimension counts most (a missing score is no need).
Tracks, score = 0.45 dim_fit + 0.25 weakest_fit + 0.15 level_fit + 0.10 theme_fit + 0.05 sector_fit
  dim_fit = need . w / sum(w) (w = the track's dimension weights); weakest_fit = w[weakest] / sum(w);
  level_fit = 1 - |level - centre of [level_from, level_to]| / 4 (a track made for this level wins);
  theme_fit = the track's area is one of the owner's themes; sector_fit = the track lists the section.
  Masks: level inside [level_from, level_to]; section listed or no sections; active with free seats.
Grants, score = 0.30 dim_fit + 0.15 weakest_fit + 0.20 text_sim + 0.10 specificity + 0.10 time_fit
                + 0.05 size_fit + 0.10 eligible
  dim_fit = mean need over the funded dimensions; weakest_fit = it funds the weakest one (shared);
  text_sim = cosine of TF-IDF(needs text) and TF-IDF(title, purposes, eligible costs, description);
  specificity = 0.5 (1 - (n_dims - 1) / 5) + 0.2 sector-restricted + 0.2 comuni listed + 0.1 sizes named;
  time_fit = min(1, (days_left + 1) / 61), 0.75 "a sportello"; size_fit = 1 named, 0.5 not stated;
  eligible = 1 eligible, 0 to check. Masks: status eligible or to_check; closes_on None or >= today.
Every feature is in [0, 1] and the weights sum to 1, so the score is in [0, 1]. A re-ranker (logistic
regression on the same features, matching_rerank) is linear, so it is folded into the same product with
its coefficients as weights, then a sigmoid. Ties: scores quantised to 1e-6, then the lower item id wins.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .eligibility import is_still_open
from .matching_rerank import (
    CONTENT_VERSION,
    CONTENT_WEIGHTS,
    FEATURES,
    MIN_LABELLED_PAIRS,
    RerankerParams,
    TrainingOutcome,
    content_score,
    ndcg_at_k,
    precision_at_k,
    train_reranker,
)
from .matching_space import (
    STATUS_CODES,
    CompanyVector,
    EligibilityMatrix,
    FeatureSpace,
    GrantItem,
    TrackItem,
    eligibility_codes,
    grant_space,
    track_space,
)
from .matching_text import (
    DIMENSION_TITLES,
    DIMENSIONS,
    grant_explanation,
    track_explanation,
)

__all__ = [
    "CONTENT_VERSION", "CONTENT_WEIGHTS", "DIMENSION_TITLES", "FEATURES", "MIN_LABELLED_PAIRS",
    "STATUS_CODES",
    "CompanyVector", "EligibilityMatrix", "GrantItem", "Recommendation", "RerankerParams", "TrackItem",
    "TrainingOutcome", "content_score", "eligibility_codes", "ndcg_at_k", "open_grants", "open_tracks",
    "pair_features", "precision_at_k", "rank_grants", "rank_tracks", "train_reranker",
]
_STATUS = {code: status for status, code in STATUS_CODES.items()}
_CHUNK = 4096  # rows per top-k pass: bounds the int64 keys to 4096 x items


@dataclass(frozen=True, slots=True)
class Recommendation:
    company_id: int
    kind: str  # "track" | "grant"
    item_id: int
    score: float
    rank: int
    explanation_it: str
    explanation_en: str
    features: dict
    eligibility: str | None = None


def _weights(kind: str, reranker: RerankerParams | None) -> tuple[dict[str, float], float | None]:
    if reranker is None:
        return CONTENT_WEIGHTS[kind], None
    if reranker.kind != kind or set(reranker.feature_names) - set(FEATURES[kind]):
        raise ValueError(f"re-ranker {reranker.version} does not fit {kind} features")
    return dict(zip(reranker.feature_names, reranker.coef)), reranker.intercept


def _score(space: FeatureSpace, weights: Mapping[str, float], intercept: float | None) -> np.ndarray:
    names = list(space.blocks)
    left = np.hstack([space.blocks[n][0] for n in names]).astype(np.float32, copy=False)
    right = np.vstack([np.float32(weights.get(n, 0.0)) * space.blocks[n][1] for n in names])
    right = right.astype(np.float32, copy=False)
    raw = left @ right  # the one product for every company against every item
    if space.codes is not None and weights.get("eligible"):
        np.add(raw, np.float32(weights["eligible"]), out=raw, where=space.codes == STATUS_CODES["eligible"])
    if intercept is None:
        return np.clip(raw, 0.0, 1.0, out=raw)
    raw += np.float32(intercept)
    with np.errstate(over="ignore"):  # exp overflow is a probability of 0, as wanted
        return np.divide(1.0, 1.0 + np.exp(-raw, out=raw), out=raw)


def _top_k(scores: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row by (score to 1e-6, lower item index): unique integer keys make the order total."""
    n_items = scores.shape[1]
    k = min(k, n_items)
    key = np.rint(scores.astype(np.float64) * 1e6).astype(np.int64) * n_items
    key += n_items - 1 - np.arange(n_items)
    key[~mask] = -1
    best = np.argpartition(-key, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(key, best, axis=1), axis=1)
    best = np.take_along_axis(best, order, axis=1)
    return best, np.take_along_axis(key, best, axis=1) >= 0


def _gather(space: FeatureSpace, ci: np.ndarray, ii: np.ndarray, kind: str) -> dict[str, np.ndarray]:
    """Pair features for chosen pairs only: row-wise dot of the company and item blocks."""
    feats = {n: np.einsum("ij,ji->i", left[ci], right[:, ii]).astype(float)
             for n, (left, right) in space.blocks.items()}
    if space.codes is not None:
        feats["eligible"] = (space.codes[ci, ii] == STATUS_CODES["eligible"]).astype(float)
    feats["content_score"] = np.clip(sum(w * feats[n] for n, w in CONTENT_WEIGHTS[kind].items()), 0.0, 1.0)
    return feats


def _rank(space: FeatureSpace, kind: str, top_k: int, reranker: RerankerParams | None, explain) -> dict:
    result: dict = {c.id: [] for c in space.companies}
    weights, intercept = _weights(kind, reranker)  # a wrong model fails even on an empty catalogue
    if not space.items or not space.companies or top_k <= 0:
        return result
    scores = _score(space, weights, intercept)
    for start in range(0, len(space.companies), _CHUNK):
        stop = min(start + _CHUNK, len(space.companies))
        best, valid = _top_k(scores[start:stop], space.mask[start:stop], top_k)
        ci = np.repeat(np.arange(start, stop), best.shape[1])[valid.ravel()]
        ii = best.ravel()[valid.ravel()]
        ranks = np.tile(np.arange(1, best.shape[1] + 1), stop - start)[valid.ravel()]
        feats = _gather(space, ci, ii, kind)
        pulls = space.need[ci] * space.item_dims[ii]  # which dimension drives the pair: named in the text
        main = np.where(pulls.max(axis=1) > 0, pulls.argmax(axis=1), -1)
        names = list(feats)
        columns = [np.round(feats[n], 6).tolist() for n in names]
        for p, (c_row, i_col) in enumerate(zip(ci.tolist(), ii.tolist())):
            company, item = space.companies[c_row], space.items[i_col]
            pair = dict(zip(names, (col[p] for col in columns)))
            status = _STATUS.get(int(space.codes[c_row, i_col])) if space.codes is not None else None
            it, en = explain(company, item, pair, int(main[p]), int(space.weakest[c_row]),
                             space.scores[c_row], status)
            result[company.id].append(Recommendation(company.id, kind, item.id, float(scores[c_row, i_col]),
                                                     int(ranks[p]), it, en, pair, status))
    return result


def _dimension(main: int, scores: np.ndarray) -> tuple[str | None, float | None]:
    if main < 0 or np.isnan(scores[main]):
        return None, None
    return DIMENSIONS[main], float(scores[main])


def _track_explain(company, track, pair, main, weakest, scores, status):
    dim, score = _dimension(main, scores)
    return track_explanation(dim, score, main == weakest, pair, company.size_class, company.level_index,
                             track.thematic_area, company.ateco_section)


def open_tracks(tracks: Sequence[TrackItem]) -> list[TrackItem]:
    return sorted((t for t in tracks if t.is_active and t.free_seats > 0), key=lambda t: t.id)


def open_grants(grants: Sequence[GrantItem], today: date) -> list[GrantItem]:
    return sorted((g for g in grants if is_still_open(g, today)), key=lambda g: g.id)


def rank_tracks(companies: Sequence[CompanyVector], tracks: Sequence[TrackItem], *, top_k: int = 3,
                reranker: RerankerParams | None = None) -> dict[int, list[Recommendation]]:
    """Best active tracks with free seats per company, at the company's level and in its sector."""
    return _rank(track_space(companies, open_tracks(tracks)), "track", top_k, reranker, _track_explain)


def rank_grants(companies: Sequence[CompanyVector], grants: Sequence[GrantItem],
                eligibility: Mapping[tuple, str] | EligibilityMatrix, today: date, *, top_k: int = 5,
                reranker: RerankerParams | None = None) -> dict[int, list[Recommendation]]:
    """Best open grants per company among its eligible or to-check ones; closed or not eligible never."""
    kept = open_grants(grants, today)
    codes = eligibility_codes(eligibility, [c.id for c in companies], [g.id for g in kept])

    def explain(company, grant, pair, main, weakest, scores, status):
        dim, score = _dimension(main, scores)
        return grant_explanation(dim, score, main == weakest, grant.purposes, status or "", grant.comuni_count)

    return _rank(grant_space(companies, kept, codes, today), "grant", top_k, reranker, explain)


def pair_features(kind: str, companies: Sequence[CompanyVector], items: Sequence, pairs: Sequence[tuple], *,
                  eligibility: Mapping | EligibilityMatrix | None = None,
                  today: date | None = None) -> dict[tuple, dict[str, float]]:
    """The Recommendation.features of given (company_id, item_id) pairs (text_sim: IDF over `items`)."""
    items = sorted(items, key=lambda i: i.id)
    if kind == "track":
        space = track_space(companies, items)
    elif today is None:
        raise ValueError("grant features need today's date")
    else:
        codes = eligibility_codes(eligibility or {}, [c.id for c in companies], [g.id for g in items])
        space = grant_space(companies, items, codes, today)
    c_at = {c.id: i for i, c in enumerate(companies)}
    i_at = {it.id: j for j, it in enumerate(items)}
    pairs = [p for p in pairs if p[0] in c_at and p[1] in i_at]
    ci = np.array([c_at[c] for c, _ in pairs], dtype=int)
    ii = np.array([i_at[i] for _, i in pairs], dtype=int)
    feats = _gather(space, ci, ii, kind)
    return {pair: {n: round(float(v[p]), 6) for n, v in feats.items()} for p, pair in enumerate(pairs)}
