"""Benchmark: ranking quality against planted truth, and the time and memory to rank a whole region.

Usage: .venv/bin/python bench/bench_matching.py [--companies 35000 --grants 1000 --tracks 50] [--quick]
(a) On a synthetic cohort (bench/cohort.py) the content ranking is scored with precision@3 and NDCG@5
    against the planted truth, next to a random and a most-popular baseline; all three rank only the
    items that could be offered (so the baselines are not penalised for closed or ineligible items).
    Most-popular = how many companies of a separate history cohort found the item relevant.
(b) Time to rank every company against every grant and track, next to a bare NumPy product of the same
    shapes in the same run, and peak memory (ru_maxrss, and tracemalloc around one more grant ranking).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cohort import grant_feasible, make_cohort, make_companies, track_feasible, truth

from assessment.domain import matching
from assessment.domain.matching_rerank import ndcg_at_k, precision_at_k
from assessment.domain.matching_space import (
    _fitted_tfidf,
    eligibility_codes,
    grant_space,
    track_space,
)

K = 5


def _metrics(orderings: list[list[int]], relevant: np.ndarray) -> tuple[float, float, int]:
    """Mean precision@3 / NDCG@5 over companies with something relevant; the ideal counts all relevant."""
    precisions, ndcgs = [], []
    for row, order in enumerate(orderings):
        n_relevant = int(relevant[row].sum())
        if not n_relevant:
            continue
        rels = [float(relevant[row, j]) for j in order[:K]]
        found = int(sum(rels))
        # Missed relevant items go after position K: out of the DCG, inside the ideal.
        padded = rels + [0.0] * (K - len(rels)) + [1.0] * (n_relevant - found)
        precisions.append(precision_at_k(rels, 3))
        ndcgs.append(ndcg_at_k(padded, K))
    return float(np.mean(precisions)), float(np.mean(ndcgs)), len(ndcgs)


def _baselines(feasible: np.ndarray, popularity: np.ndarray, rng: np.random.Generator):
    random_orders, popular_orders = [], []
    by_popularity = np.lexsort((np.arange(len(popularity)), -popularity))
    for row in feasible:
        items = np.flatnonzero(row)
        random_orders.append(rng.permutation(items)[:K].tolist())
        popular_orders.append([j for j in by_popularity if row[j]][:K])
    return random_orders, popular_orders


def quality(n_companies: int, n_tracks: int, n_grants: int) -> list[tuple]:
    cohort = make_cohort(n_companies, n_tracks, n_grants, seed=1)
    history, history_needs = make_companies(n_companies, np.random.default_rng(99), first_id=10**6)
    rng = np.random.default_rng(7)
    rows = []
    t_pos = {t.id: j for j, t in enumerate(cohort.tracks)}
    g_pos = {g.id: j for j, g in enumerate(cohort.grants)}
    for kind in ("track", "grant"):
        if kind == "track":
            feasible = track_feasible(cohort.companies, cohort.tracks)
            relevant = truth(cohort.needs, cohort.track_targets, feasible)
            popularity = truth(history_needs, cohort.track_targets,
                               track_feasible(history, cohort.tracks)).sum(axis=0)
            ranked = matching.rank_tracks(cohort.companies, cohort.tracks, top_k=K)
            pos = t_pos
        else:
            feasible = grant_feasible(cohort)
            relevant = truth(cohort.needs, cohort.grant_targets, feasible)
            popularity = truth(history_needs, cohort.grant_targets, feasible).sum(axis=0)
            ranked = matching.rank_grants(cohort.companies, cohort.grants, cohort.eligibility, cohort.today,
                                          top_k=K)
            pos = g_pos
        ours = [[pos[r.item_id] for r in ranked[c.id]] for c in cohort.companies]
        assert all(feasible[i, j] for i, order in enumerate(ours) for j in order), "ranked unofferable item"
        random_orders, popular_orders = _baselines(feasible, popularity, rng)
        rankers = (("content-v1", ours), ("most-popular", popular_orders), ("random", random_orders))
        for name, orders in rankers:
            rows.append((kind, name, *_metrics(orders, relevant)))
    return rows


def _bare_product(shape_left: tuple[int, int], n_items: int) -> float:
    rng = np.random.default_rng(0)
    left = rng.random(shape_left, dtype=np.float32)
    right = rng.random((shape_left[1], n_items), dtype=np.float32)
    start = time.perf_counter()
    left @ right
    return time.perf_counter() - start


def timing(n_companies: int, n_tracks: int, n_grants: int) -> tuple[list[tuple], dict]:
    start = time.perf_counter()
    cohort = make_cohort(n_companies, n_tracks, n_grants, seed=2)
    build = time.perf_counter() - start
    rows = []
    start = time.perf_counter()
    grants = matching.rank_grants(cohort.companies, cohort.grants, cohort.eligibility, cohort.today, top_k=5)
    t_grants = time.perf_counter() - start
    start = time.perf_counter()
    tracks = matching.rank_tracks(cohort.companies, cohort.tracks, top_k=3)
    t_tracks = time.perf_counter() - start
    # The same shapes as the single scoring product inside each ranking (features from the real spaces).
    kept = matching.open_grants(cohort.grants, cohort.today)
    codes = eligibility_codes(cohort.eligibility, [c.id for c in cohort.companies], [g.id for g in kept])
    g_space = grant_space(cohort.companies, kept, codes, cohort.today)
    t_space = track_space(cohort.companies, matching.open_tracks(cohort.tracks))
    g_features = sum(left.shape[1] for left, _ in g_space.blocks.values())
    t_features = sum(left.shape[1] for left, _ in t_space.blocks.values())
    bare_g = _bare_product((n_companies, g_features), len(kept))
    bare_t = _bare_product((n_companies, t_features), len(t_space.items))
    rows.append((f"rank_grants, top 5 ({n_companies:,} x {len(kept):,} open of {n_grants:,})", t_grants,
                 f"{n_companies:,}x{g_features} @ {g_features}x{len(kept):,}", bare_g))
    rows.append((f"rank_tracks, top 3 ({n_companies:,} x {len(t_space.items)} open of {n_tracks})", t_tracks,
                 f"{n_companies:,}x{t_features} @ {t_features}x{len(t_space.items)}", bare_t))
    del g_space, t_space
    n_recs = sum(map(len, grants.values())) + sum(map(len, tracks.values()))
    extra = {"cohort_build_s": build, "recommendations": n_recs,
             "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    del grants, tracks
    _fitted_tfidf.cache_clear()  # the peak of a whole ranking, the TF-IDF fit included
    tracemalloc.start()
    matching.rank_grants(cohort.companies, cohort.grants, cohort.eligibility, cohort.today, top_k=5)
    extra["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return rows, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=35_000)
    parser.add_argument("--grants", type=int, default=1_000)
    parser.add_argument("--tracks", type=int, default=50)
    parser.add_argument("--quality-companies", type=int, default=3_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    begin = time.perf_counter()
    n_q = args.quality_companies // scale
    print(f"(a) Ranking quality, synthetic cohort: {n_q:,} companies, {args.tracks} tracks, "
          f"{args.grants // 3} grants; truth = planted needs\n")
    print(f"{'kind':<6} {'ranker':<13} {'precision@3':>11} {'NDCG@5':>7} {'companies':>9}")
    for kind, name, p3, ndcg, n in quality(n_q, args.tracks, args.grants // 3):
        print(f"{kind:<6} {name:<13} {p3:>11.3f} {ndcg:>7.3f} {n:>9,}")
    rows, extra = timing(args.companies // scale, args.tracks, args.grants // scale)
    print(f"\n(b) Time to rank everyone (cohort built in {extra['cohort_build_s']:.1f} s, "
          f"{extra['recommendations']:,} recommendations)\n")
    print(f"{'step':<52} {'seconds':>8}   {'bare NumPy product, same shapes':<34} {'seconds':>8}"
          f" {'ratio':>7}")
    for step, seconds, shapes, bare in rows:
        print(f"{step:<52} {seconds:>8.2f}   {shapes:<34} {bare:>8.3f} {seconds / bare:>6.0f}x")
    print(f"\nPeak memory: ru_maxrss {extra['maxrss_mb']:.0f} MB (whole process); "
          f"tracemalloc peak during one rank_grants {extra['tracemalloc_peak_mb']:.0f} MB")
    print(f"Total benchmark time: {time.perf_counter() - begin:.1f} s")


if __name__ == "__main__":
    main()
