"""Assigning companies to coaches: exact optimum against brute force, capacities, exclusions, the queue."""
from __future__ import annotations

import itertools
import random

import pytest

from assessment.domain.assignment import MIN_FIT, CoachFacts, CompanyNeed, assign, fit
from assessment.domain.matching_text import DIMENSIONS

WEAK_DATA = {"digital_strategy": 70, "digital_readiness": 65, "human_centric": 60, "data_security": 32,
             "automation_ai": 55, "green_digital": 80}


def company(cid: int, scores=None, comune="001272", language="it", themes=()) -> CompanyNeed:
    return CompanyNeed(cid, dict(scores or WEAK_DATA), comune, frozenset({"torino"}), language,
                       frozenset(themes))


def coach(kid: int, capacity=2, expertise=None, comuni=("001272",), available=True, languages=("it",),
          areas=()) -> CoachFacts:
    return CoachFacts(kid, dict(expertise or {"data_security": 3}), frozenset(comuni), frozenset(),
                      frozenset(languages), frozenset(areas), capacity, available)


def brute_force(companies, coaches, excluded=frozenset(), min_fit=MIN_FIT) -> float:
    """Best total fit over every assignment: each company to an allowed coach or to nobody."""
    options = []
    for c in companies:
        allowed = [None] + [k for k in coaches if k.is_available and k.free_capacity > 0
                            and (c.id, k.id) not in excluded and fit(c, k).score >= min_fit]
        options.append(allowed)
    best = 0.0
    for choice in itertools.product(*options):
        used: dict[int, int] = {}
        for k in choice:
            if k is not None:
                used[k.id] = used.get(k.id, 0) + 1
        if any(used[k.id] > k.free_capacity for k in coaches if k.id in used):
            continue
        total = sum(fit(c, k).score for c, k in zip(companies, choice) if k is not None)
        best = max(best, total)
    return best


def random_case(rng: random.Random):
    themes = ["territorial_marketing", "digital_innovation"]
    companies = [CompanyNeed(i, {d: rng.uniform(0, 100) for d in DIMENSIONS}, rng.choice(["A", "B", "C"]),
                             frozenset(rng.sample(["t1", "t2"], rng.randint(0, 1))),
                             rng.choice(["it", "it", "en"]), frozenset(rng.sample(themes, rng.randint(0, 2))))
                 for i in range(rng.randint(1, 6))]
    coaches = [CoachFacts(100 + j, {d: rng.randint(0, 3) for d in DIMENSIONS},
                          frozenset(rng.sample(["A", "B", "C"], rng.randint(0, 2))),
                          frozenset(rng.sample(["t1", "t2"], rng.randint(0, 1))),
                          frozenset(rng.sample(["it", "en"], rng.randint(1, 2))),
                          frozenset(rng.sample(themes, rng.randint(0, 2))),
                          rng.randint(0, 3), rng.random() > 0.15)
               for j in range(rng.randint(1, 4))]
    excluded = {(c.id, k.id) for c in companies for k in coaches if rng.random() < 0.15}
    return companies, coaches, excluded


@pytest.mark.parametrize("seed", range(60))
def test_optimal_against_brute_force_and_respects_capacities(seed):
    companies, coaches, excluded = random_case(random.Random(seed))
    plan = assign(companies, coaches, excluded_pairs=excluded)
    assert plan.total_fit == pytest.approx(brute_force(companies, coaches, excluded), abs=1e-9)
    per_coach: dict[int, int] = {}
    for pair in plan.pairs:
        per_coach[pair.coach_id] = per_coach.get(pair.coach_id, 0) + 1
        assert (pair.company_id, pair.coach_id) not in excluded
    capacity = {k.id: k.free_capacity for k in coaches}
    assert all(n <= capacity[kid] for kid, n in per_coach.items())
    placed = {p.company_id for p in plan.pairs}
    assert placed.isdisjoint(q.company_id for q in plan.queue)
    assert placed | {q.company_id for q in plan.queue} == {c.id for c in companies}


def test_capacity_limits_and_the_rest_waits_with_a_reason():
    plan = assign([company(i) for i in range(1, 6)], [coach(10, capacity=2), coach(11, capacity=1)])
    assert len(plan.pairs) == 3 and len(plan.queue) == 2
    assert sum(p.coach_id == 10 for p in plan.pairs) == 2
    assert all("posti liberi" in q.reason_it and "free places" in q.reason_en for q in plan.queue)


def test_declined_pair_is_never_proposed_again():
    coaches = [coach(10), coach(11, expertise={"data_security": 1})]
    plan = assign([company(1)], coaches, excluded_pairs={(1, 10)})
    assert [(p.company_id, p.coach_id) for p in plan.pairs] == [(1, 11)]


def test_best_fit_coach_wins_and_reason_names_the_expertise():
    plan = assign([company(1)], [coach(10, expertise={"green_digital": 3}), coach(11)])
    (pair,) = plan.pairs
    assert pair.coach_id == 11
    assert "gestione e sicurezza dei dati (3/3)" in pair.reason_it
    assert "32,0/100" in pair.reason_it  # as the page writes it
    assert "data management and security (3/3)" in pair.reason_en


def test_unplaceable_companies_are_queued_with_the_cause():
    plan = assign([company(1), company(2)], [coach(10, available=False), coach(11)],
                  excluded_pairs={(1, 11), (2, 11)})
    assert not plan.pairs
    assert {q.company_id for q in plan.queue} == {1, 2}
    assert "1 in pausa" in plan.queue[0].reason_it and "1 already declined" in plan.queue[0].reason_en
    low = assign([company(3, language="en")], [coach(12, expertise={}, comuni=("999999",))])
    assert not low.pairs and "below" in low.queue[0].reason_en
    assert assign([company(4)], []).queue[0].reason_en == "There are no coaches yet."


def test_fit_parts():
    detail = fit(company(1, themes=("digital_innovation",)), coach(10, areas=("digital_innovation",)))
    assert detail.score == pytest.approx(0.5 * (68 * 3) / (3 * sum(100 - v for v in WEAK_DATA.values()))
                                         + 0.25 + 0.15 + 0.10)
    assert "segue il comune dell'impresa" in detail.reasons_it and "speaks Italian" in detail.reasons_en
    remote = fit(company(1), coach(10, comuni=()))
    assert "works anywhere" in remote.reasons_en
    assert assign([], [coach(1)]).pairs == ()
