"""The content-only weights, ranking metrics, and the logistic-regression re-ranker trained on feedback.

Training (train_reranker): at least MIN_LABELLED_PAIRS labelled pairs; one held-out split by company
(GroupShuffleSplit, test 30%, fixed seed) so no company is both learnt and judged; a logistic regression
on the pair features (all in [0,1], so no scaling); on the held-out companies that have at least one
relevant pair, mean precision@3 and NDCG@5 of the model's ordering against the content-only ordering
(the stored "content_score", or the content weights applied to the features). The model is worth using
only when its NDCG@5 is strictly higher: a tie keeps the content-only ranking.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

CONTENT_VERSION = "content-v1"
MIN_LABELLED_PAIRS = 50
TEST_SHARE = 0.3
CONTENT_WEIGHTS: dict[str, dict[str, float]] = {
    "track": {"dim_fit": 0.45, "weakest_fit": 0.25, "level_fit": 0.15, "theme_fit": 0.10, "sector_fit": 0.05},
    "grant": {"dim_fit": 0.30, "weakest_fit": 0.15, "text_sim": 0.20, "specificity": 0.10, "time_fit": 0.10,
              "size_fit": 0.05, "eligible": 0.10},
}
FEATURES: dict[str, tuple[str, ...]] = {kind: tuple(w) for kind, w in CONTENT_WEIGHTS.items()}


def content_score(features: Mapping[str, float], kind: str) -> float:
    if "content_score" in features:
        return float(features["content_score"])
    return float(sum(w * float(features.get(name, 0.0)) for name, w in CONTENT_WEIGHTS[kind].items()))


def precision_at_k(relevances_in_rank_order: Sequence[float], k: int) -> float:
    """Share of the first k positions that are relevant; a short list counts its missing places as misses."""
    if k <= 0:
        return 0.0
    return float(sum(1 for r in list(relevances_in_rank_order)[:k] if r > 0)) / k


def ndcg_at_k(relevances_in_rank_order: Sequence[float], k: int) -> float:
    """Normalised discounted cumulative gain (gain 2^rel - 1); 0 when nothing in the list is relevant."""
    rels = [float(r) for r in relevances_in_rank_order]

    def dcg(values: list[float]) -> float:
        return sum((2.0 ** r - 1.0) / math.log2(i + 2) for i, r in enumerate(values[:k]))

    ideal = dcg(sorted(rels, reverse=True))
    return dcg(rels) / ideal if ideal > 0 else 0.0


@dataclass(frozen=True)
class RerankerParams:
    version: str
    kind: str
    feature_names: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float

    def to_dict(self) -> dict:
        return {"version": self.version, "kind": self.kind, "feature_names": list(self.feature_names),
                "coef": [float(c) for c in self.coef], "intercept": float(self.intercept)}

    @classmethod
    def from_dict(cls, data: Mapping) -> RerankerParams:
        names, coef = tuple(data["feature_names"]), tuple(float(c) for c in data["coef"])
        if len(names) != len(coef):
            raise ValueError("feature_names and coef differ in length")
        return cls(str(data["version"]), str(data["kind"]), names, coef, float(data["intercept"]))

    def matrix(self, features: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Feature dicts to the model's column order (a missing feature is 0)."""
        return np.array([[float(f.get(n, 0.0)) for n in self.feature_names] for f in features], dtype=float)

    def apply(self, features_matrix: np.ndarray) -> np.ndarray:
        """Probability of relevance for each row of features (columns in feature_names order)."""
        raw = np.asarray(features_matrix, dtype=float) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-raw))


@dataclass(frozen=True)
class TrainingOutcome:
    model: RerankerParams | None
    metrics: dict = field(default_factory=dict)
    n_pairs: int = 0
    is_better: bool = False
    reason: str = ""


def _mean_metrics(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    precisions, ndcgs = [], []
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        if not labels[rows].any():
            continue  # nothing relevant: every ordering scores 0, it would only dilute the comparison
        order = rows[np.argsort(-scores[rows], kind="stable")]
        rels = labels[order].astype(float).tolist()
        precisions.append(precision_at_k(rels, 3))
        ndcgs.append(ndcg_at_k(rels, 5))
    if not ndcgs:
        return {"precision@3": 0.0, "ndcg@5": 0.0, "companies": 0}
    return {"precision@3": float(np.mean(precisions)), "ndcg@5": float(np.mean(ndcgs)),
            "companies": len(ndcgs)}


def train_reranker(labelled: Sequence[tuple[Mapping[str, float], object, bool]], kind: str, *,
                   seed: int = 0) -> TrainingOutcome:
    """Fit, evaluate on held-out companies, and say whether the model beats the content-only ranking."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupShuffleSplit

    if kind not in FEATURES:
        raise ValueError(f"unknown kind {kind!r}")
    n = len(labelled)
    if n < MIN_LABELLED_PAIRS:
        reason = f"need at least {MIN_LABELLED_PAIRS} labelled pairs, have {n}"
        return TrainingOutcome(None, {}, n, False, reason)
    names = FEATURES[kind]
    x = np.array([[float(f.get(name, 0.0)) for name in names] for f, _, _ in labelled])
    baseline = np.array([content_score(f, kind) for f, _, _ in labelled])
    y = np.array([bool(r) for _, _, r in labelled])
    group_keys = {g: i for i, g in enumerate(dict.fromkeys(str(c) for _, c, _ in labelled))}
    groups = np.array([group_keys[str(c)] for _, c, _ in labelled])
    if len(group_keys) < 2:
        return TrainingOutcome(None, {}, n, False, "need labelled pairs from at least 2 companies")
    split = GroupShuffleSplit(n_splits=1, test_size=TEST_SHARE, random_state=seed)
    train, test = next(split.split(x, y, groups))
    if len(set(y[train].tolist())) < 2:
        return TrainingOutcome(None, {}, n, False, "the training companies' labels are all the same")
    fitted = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], y[train])
    coef = tuple(float(c) for c in fitted.coef_[0])
    digest = hashlib.sha256(json.dumps([kind, coef, float(fitted.intercept_[0])]).encode()).hexdigest()[:10]
    model = RerankerParams(f"lr-{kind}-{digest}", kind, names, coef, float(fitted.intercept_[0]))
    metrics = {"model": _mean_metrics(model.apply(x[test]), y[test], groups[test]),
               "baseline": _mean_metrics(baseline[test], y[test], groups[test]),
               "train_pairs": len(train), "test_pairs": len(test)}
    if metrics["model"]["companies"] == 0:
        return TrainingOutcome(model, metrics, n, False, "no held-out company has a relevant pair")
    ours, theirs = metrics["model"]["ndcg@5"], metrics["baseline"]["ndcg@5"]
    is_better = ours > theirs
    verdict = "beats" if is_better else "does not beat"
    return TrainingOutcome(model, metrics, n, is_better,
                           f"model {verdict} content-only on held-out NDCG@5 ({ours:.3f} vs {theirs:.3f})")
