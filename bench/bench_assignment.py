"""Benchmark: propose 500 waiting companies to 40 coaches with free capacities (exact optimum), timed.

Usage: .venv/bin/python bench/bench_assignment.py [--companies 500 --coaches 40 --repeat 3]
Companies come from the synthetic cohort (bench/cohort.py); coaches have random expertise 0..3, serve one
of 8 comuni groups (15% anywhere), speak Italian (20% English too), cover 1-2 thematic areas, have a free
capacity of 0-20 (total capacity close to the number of companies, so some wait) and 10% are paused.
Greedy (best pair first) is printed next to it to show what the optimum gains.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cohort import AREAS, make_companies

from assessment.domain.assignment import MIN_FIT, CoachFacts, CompanyNeed, assign, fit
from assessment.domain.matching_text import DIMENSIONS

COMUNI = [f"001{n:03d}" for n in range(1, 41)]
GROUPS = [frozenset(COMUNI[i::8]) for i in range(8)]


def make_case(n_companies: int, n_coaches: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    vectors, _ = make_companies(n_companies, rng)
    companies = [CompanyNeed(v.id, v.dimension_scores, str(rng.choice(COMUNI)), frozenset(),
                             "en" if rng.random() < 0.05 else "it", frozenset(v.themes)) for v in vectors]
    coaches = [CoachFacts(10_000 + j, {d: int(rng.integers(0, 4)) for d in DIMENSIONS},
                          frozenset() if rng.random() < 0.15 else GROUPS[j % 8], frozenset(),
                          frozenset({"it", "en"}) if rng.random() < 0.2 else frozenset({"it"}),
                          frozenset(rng.choice(AREAS, size=rng.integers(1, 3), replace=False).tolist()),
                          int(rng.integers(0, 21)), rng.random() >= 0.10) for j in range(n_coaches)]
    declined = {(c.id, k.id) for c in companies for k in coaches if rng.random() < 0.01}
    return companies, coaches, declined


def greedy_total(companies, coaches, declined) -> tuple[float, int]:
    free = {k.id: k.free_capacity for k in coaches if k.is_available}
    scored = sorted(((fit(c, k).score, c.id, k.id) for c in companies for k in coaches
                     if k.id in free and (c.id, k.id) not in declined), reverse=True)
    placed, total = set(), 0.0
    for score, cid, kid in scored:
        if score >= MIN_FIT and cid not in placed and free[kid] > 0:
            placed.add(cid)
            free[kid] -= 1
            total += score
    return total, len(placed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=500)
    parser.add_argument("--coaches", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    companies, coaches, declined = make_case(args.companies, args.coaches)
    capacity = sum(k.free_capacity for k in coaches if k.is_available)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        plan = assign(companies, coaches, excluded_pairs=declined)
        times.append(time.perf_counter() - start)
    load: dict[int, int] = {}
    for pair in plan.pairs:
        load[pair.coach_id] = load.get(pair.coach_id, 0) + 1
    assert all(load[k.id] <= k.free_capacity for k in coaches if k.id in load)
    g_total, g_placed = greedy_total(companies, coaches, declined)
    print(f"Assignment: {args.companies} companies, {args.coaches} coaches "
          f"({sum(not k.is_available for k in coaches)} paused), free capacity {capacity}, "
          f"{len(declined)} declined pairs\n")
    print(f"{'measure':<34} {'value':>12}")
    print(f"{'assign() time, best of ' + str(args.repeat):<34} {min(times):>11.3f}s")
    print(f"{'assign() time, mean':<34} {sum(times) / len(times):>11.3f}s")
    print(f"{'proposed / queued':<34} {len(plan.pairs):>5} / {len(plan.queue):<5}")
    print(f"{'total fit, optimal':<34} {plan.total_fit:>12.3f}")
    print(f"{'total fit, greedy (placed)':<34} {g_total:>12.3f} ({g_placed})")
    print(f"{'mean fit of a proposal':<34} {plan.total_fit / max(1, len(plan.pairs)):>12.3f}")


if __name__ == "__main__":
    main()
