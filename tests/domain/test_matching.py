"""Matching companies with tracks and grants: filters, ordering, explanations, and the re-ranker's guard."""
from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from assessment.domain.matching import (
    CONTENT_WEIGHTS,
    STATUS_CODES,
    CompanyVector,
    EligibilityMatrix,
    GrantItem,
    RerankerParams,
    TrackItem,
    content_score,
    ndcg_at_k,
    pair_features,
    precision_at_k,
    rank_grants,
    rank_tracks,
    train_reranker,
)
from assessment.domain.matching_text import DIMENSIONS, analyse

TODAY = date(2024, 5, 15)


def scores_weak_in(dim: str, low: float = 32, rest: float = 70) -> dict[str, float]:
    return {d: (low if d == dim else rest + i) for i, d in enumerate(DIMENSIONS)}


def company(cid=1, weak="data_security", level=1, size="micro", section="C", themes=()) -> CompanyVector:
    return CompanyVector(cid, scores_weak_in(weak), level, size, section, "001272", ("torino",),
                         tuple(themes), "Piemonte")


def track(tid, dim, *, level=(0, 4), sections=(), area=None, seats=5, active=True) -> TrackItem:
    return TrackItem(tid, f"Percorso {dim}", f"Track {dim}", {dim: 1.0}, level[0], level[1], tuple(sections),
                     area, seats, active)


def grant(gid, dims=("data_security",), closes=TODAY + timedelta(days=40),
          title="Voucher sicurezza informatica",
          description="Contributi per la sicurezza informatica e la protezione dei dati", sizes=(), comuni=0):
    return GrantItem(gid, title, description, ("Digitalizzazione",), ("Consulenza",), tuple(dims), closes,
                     None, None, 20000, ("Contributo/Fondo perduto",), True, tuple(sizes), comuni)


DIM_TRACKS = [track(10 + i, d) for i, d in enumerate(DIMENSIONS)]


@pytest.mark.parametrize("weak", DIMENSIONS)
def test_weak_dimension_gets_its_track_first(weak):
    recs = rank_tracks([company(weak=weak)], DIM_TRACKS)[1]
    assert recs[0].item_id == 10 + DIMENSIONS.index(weak)
    assert [r.rank for r in recs] == [1, 2, 3]
    assert all(0.0 <= r.score <= 1.0 for r in recs)
    assert recs[0].score > recs[1].score >= recs[2].score


def test_explanation_names_weakest_dimension_and_score():
    rec = rank_tracks([company()], DIM_TRACKS)[1][0]
    # Named and scored as the result page names and writes them.
    assert "La tua area più debole è «Gestione e sicurezza dei dati» (32,0/100)" in rec.explanation_it
    assert "lavora sui dati per le micro imprese" in rec.explanation_it
    assert "Your weakest area is “Data management and security” (32.0/100)" in rec.explanation_en
    assert "this track works on data for micro firms" in rec.explanation_en
    assert rec.features["weakest_fit"] == 1.0
    assert rec.features["content_score"] == pytest.approx(rec.score, abs=1e-6)


def test_inactive_full_off_level_and_other_sector_tracks_never_ranked():
    tracks = [track(1, "data_security", active=False), track(2, "data_security", seats=0),
              track(3, "data_security", level=(3, 4)), track(4, "data_security", sections=("G",)),
              track(5, "human_centric", sections=("C",)), track(6, "green_digital")]
    recs = rank_tracks([company()], tracks, top_k=10)[1]
    assert [r.item_id for r in recs] == [5, 6] or [r.item_id for r in recs] == [6, 5]
    assert {r.item_id for r in recs} == {5, 6}
    assert rank_tracks([company()], [], top_k=3) == {1: []}


def test_ties_break_by_item_id():
    twins = [track(7, "data_security"), track(3, "data_security"), track(5, "data_security")]
    assert [r.item_id for r in rank_tracks([company()], twins)[1]] == [3, 5, 7]


def test_closed_and_ineligible_grants_never_recommended():
    grants = [grant(1), grant(2, closes=TODAY - timedelta(days=1)), grant(3), grant(4), grant(5, closes=None)]
    eligibility = {(1, 1): "eligible", (1, 2): "eligible", (1, 3): "not_eligible", (1, 5): "to_check"}
    recs = rank_grants([company()], grants, eligibility, TODAY, top_k=10)[1]
    assert [r.item_id for r in recs] == [1, 5]  # 4 has no status: not ranked either
    assert [r.eligibility for r in recs] == ["eligible", "to_check"]
    assert "nell'area «Gestione e sicurezza dei dati» (la tua area più debole: 32,0/100)" in recs[0].explanation_it
    # Deadlines, amounts and what to check are shown from the call beside the stored reason, which would
    # otherwise go stale ("40 days left" read weeks later).
    for rec in recs:
        assert "days" not in rec.explanation_en and "giorni" not in rec.explanation_it
        assert "€" not in rec.explanation_en and "verificare" not in rec.explanation_it


def test_the_closing_day_still_counts():
    recs = rank_grants([company()], [grant(1, closes=TODAY + timedelta(days=3)), grant(2, closes=TODAY)],
                       {(1, 1): "eligible", (1, 2): "eligible"}, TODAY)[1]
    assert {r.item_id for r in recs} == {1, 2}


def test_grant_funding_the_need_beats_generic_and_off_topic_ones():
    grants = [grant(1, dims=DIMENSIONS, title="Contributi alle imprese", description="Sostegno generico"),
              grant(2, dims=("green_digital",), title="Efficienza energetica",
                    description="Impianti fotovoltaici e risparmio energetico"),
              grant(3)]
    eligibility = {(1, g.id): "eligible" for g in grants}
    recs = rank_grants([company()], grants, eligibility, TODAY)[1]
    assert recs[0].item_id == 3 and recs[0].features["text_sim"] > 0.1
    assert recs[0].features["specificity"] > recs[-1].features["specificity"] or recs[-1].item_id == 2


def test_grant_text_model_is_fitted_once_per_set_of_grants_and_ranks_the_same():
    from assessment.domain.matching_space import _fitted_tfidf

    _fitted_tfidf.cache_clear()
    grants = [grant(1), grant(2, dims=("green_digital",), title="Efficienza energetica",
                                description="Impianti fotovoltaici e risparmio energetico")]
    eligibility = {(c, g.id): "eligible" for c in (1, 2) for g in grants}
    first = rank_grants([company(1)], grants, eligibility, TODAY)
    again = rank_grants([company(1), company(2, weak="green_digital")], grants, eligibility, TODAY)
    assert _fitted_tfidf.cache_info().misses == 1 and _fitted_tfidf.cache_info().hits == 1
    assert again[1] == first[1]  # another company in the batch changes nothing for this one
    assert again[2][0].item_id == 2
    changed = [grants[0], grant(3, title="Voucher formazione digitale", description="Corsi per il personale")]
    rank_grants([company(1)], changed, {(1, 1): "eligible", (1, 3): "eligible"}, TODAY)
    assert _fitted_tfidf.cache_info().misses == 2  # new texts: fitted anew, never an old model


def test_matrix_and_mapping_eligibility_agree_and_features_match_pair_features():
    rng = random.Random(3)
    companies = [company(i, weak=rng.choice(DIMENSIONS), size=rng.choice(["micro", "small"]))
                 for i in range(1, 30)]
    grants = [grant(100 + j, dims=rng.sample(DIMENSIONS, rng.randint(1, 3)),
                    sizes=rng.choice([(), ("micro",)]),
                    closes=rng.choice([None, TODAY + timedelta(days=rng.randint(0, 90))])) for j in range(12)]
    statuses = ["eligible", "to_check", "not_eligible"]
    mapping = {(c.id, g.id): rng.choice(statuses) for c in companies for g in grants}
    codes = np.array([[STATUS_CODES[mapping[c.id, g.id]] for g in grants] for c in companies])
    matrix = EligibilityMatrix([c.id for c in companies], [g.id for g in grants], codes)
    by_map = rank_grants(companies, grants, mapping, TODAY)
    by_matrix = rank_grants(companies, grants, matrix, TODAY)
    assert by_map == by_matrix
    pairs = [(r.company_id, r.item_id) for recs in by_map.values() for r in recs]
    assert all(mapping[p] != "not_eligible" for p in pairs)
    features = pair_features("grant", companies, grants, pairs, eligibility=mapping, today=TODAY)
    for recs in by_map.values():
        for r in recs:
            assert r.features == pytest.approx(features[r.company_id, r.item_id], abs=1e-5)


def test_analyser_drops_stop_words_and_stems():
    assert analyse("La digitalizzazione delle imprese e il digitale") == ("digital", "imprese", "digital")


def test_metrics():
    assert precision_at_k([1, 0, 1, 1], 3) == pytest.approx(2 / 3)
    assert precision_at_k([1], 3) == pytest.approx(1 / 3)
    assert ndcg_at_k([1, 1, 0], 5) == 1.0 and ndcg_at_k([0, 0], 5) == 0.0
    assert ndcg_at_k([0, 1], 5) == pytest.approx((1 / np.log2(3)) / 1.0)


def labelled_pairs(n_companies: int, seed: int, informative: bool) -> list:
    rng = np.random.default_rng(seed)
    rows = []
    for cid in range(n_companies):
        for _ in range(6):
            f = {name: float(rng.random()) for name in CONTENT_WEIGHTS["track"]}
            f["content_score"] = content_score({k: v for k, v in f.items()}, "track")
            # theme_fit weighs little in the content score: only a learnt model can find it matters.
            relevant = f["theme_fit"] > 0.6 if informative else bool(rng.random() < 0.4)
            rows.append((f, cid, relevant))
    return rows


def test_reranker_refused_under_50_pairs():
    outcome = train_reranker(labelled_pairs(8, 0, True), "track")
    assert outcome.model is None and not outcome.is_better
    assert outcome.reason == "need at least 50 labelled pairs, have 48"


def test_reranker_kept_when_features_predict_labels():
    outcome = train_reranker(labelled_pairs(60, 1, True), "track", seed=0)
    assert outcome.is_better, outcome.reason
    assert outcome.metrics["model"]["ndcg@5"] > outcome.metrics["baseline"]["ndcg@5"]
    assert set(outcome.metrics["model"]) >= {"precision@3", "ndcg@5"}
    params = RerankerParams.from_dict(outcome.model.to_dict())
    assert params == outcome.model
    assert params.apply(params.matrix([{"theme_fit": 1.0}]))[0] > params.apply(params.matrix([{}]))[0]


def test_reranker_typically_not_kept_on_random_labels():
    outcomes = [train_reranker(labelled_pairs(40, seed, False), "track", seed=seed) for seed in range(10)]
    assert sum(o.is_better for o in outcomes) <= 5
    gains = [o.metrics["model"]["ndcg@5"] - o.metrics["baseline"]["ndcg@5"] for o in outcomes]
    assert float(np.mean(gains)) < 0.05  # no systematic gain from noise


def test_reranker_changes_the_ranking_it_is_folded_into():
    tracks = [track(1, "data_security"), track(2, "human_centric", area="digital_innovation")]
    themed = company(themes=("digital_innovation",))
    assert rank_tracks([themed], tracks)[1][0].item_id == 1
    names = tuple(CONTENT_WEIGHTS["track"])
    coef = tuple(5.0 if n == "theme_fit" else 0.0 for n in names)
    theme_lover = RerankerParams("lr-test", "track", names, coef, -1)
    recs = rank_tracks([themed], tracks, reranker=theme_lover)[1]
    assert recs[0].item_id == 2 and recs[0].score == pytest.approx(1 / (1 + np.exp(-4.0)), abs=1e-6)
    with pytest.raises(ValueError):
        rank_grants([themed], [], {}, TODAY, reranker=theme_lover)
