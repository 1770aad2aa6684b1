"""Peer comparison on the result: the latest score of each comparable company, groups of five or more only."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import utcnow
from assessment.services.peers import MIN_PEERS, compare_with_peers
from tests.factories import submit_company

IVREA_TO, VERCELLI_VC = "001125", "002158"
BAKERY_C, SHOP_G = "10.71.10", "47.11.02"


def scored(score: float, *, employees: int = 4, ateco: str = SHOP_G, comune: str = VERCELLI_VC, again=None):
    """A submitted company (micro below 10 people, small from 10) whose latest score is `score`; `again`:
    a company assessed before, assessing again through its link."""
    company, assessment, _ = submit_company("mid", again, employees=employees, ateco_code=ateco,
                                            comune_istat=comune)
    assessment.overall_score = score
    db.session.flush()
    return company, assessment


def groups(assessment) -> dict[str, object]:
    return {group.kind: group for group in compare_with_peers(assessment)}


def test_each_group_counts_its_peers_and_places_the_company_among_them(db_session):
    _, mine = scored(50, ateco=BAKERY_C, comune=IVREA_TO)  # micro, section C, province TO
    for score in (30, 40, 50, 60, 70):  # micro, section G, province VC: the size group only
        scored(score)
    scored(80, employees=20, ateco=BAKERY_C)  # small, C, VC: the section group only
    scored(20, employees=20, comune=IVREA_TO)  # small, G, TO: the province group only

    by_kind = groups(mine)
    size = by_kind["size_class"]
    assert (size.value, size.count, size.is_shown) == ("micro", 5, True)
    assert size.median == 50
    assert size.percentile == pytest.approx(100 * (2 + 0.5 * 1) / 5)  # two below, one tie
    section, province = by_kind["ateco_section"], by_kind["province"]
    assert (section.value, section.count, section.is_shown, section.median) == ("C", 1, False, None)
    assert (province.value, province.count, province.is_shown, province.percentile) == ("TO", 1, False, None)


def test_only_each_company_latest_score_counts_and_erased_companies_never(db_session):
    _, mine = scored(50, ateco=BAKERY_C, comune=IVREA_TO)
    peers = [scored(score) for score in (10, 20, 30, 40, 60)]
    size = groups(mine)["size_class"]
    assert (size.count, size.median, size.percentile) == (5, 30, 80.0)

    # The company that scored 60 assesses again and now scores 5: only its latest result is its score.
    reassessed, _ = peers[-1]
    again, _ = scored(5, again=reassessed)
    assert again.id == reassessed.id and len(again.assessments) == 2
    size = groups(mine)["size_class"]
    assert (size.count, size.median, size.percentile) == (5, 20, 100.0)

    peers[0][0].erased_at = utcnow()
    db.session.flush()
    size = groups(mine)["size_class"]
    assert size.count == MIN_PEERS - 1 and not size.is_shown and size.median is None


def test_the_company_is_never_its_own_peer(db_session):
    company, first = scored(40)
    for score in (10, 20, 30, 50):
        scored(score)
    assert groups(first)["size_class"].count == 4  # five companies, four of them peers
    _, second = scored(90, again=company)  # its own earlier result is not a peer either
    assert groups(second)["size_class"].count == 4


def test_an_even_group_has_the_mean_of_its_two_middle_scores_as_median(db_session):
    _, mine = scored(35, ateco=BAKERY_C, comune=IVREA_TO)
    for score in (10, 20, 30, 40, 50, 60):
        scored(score)
    size = groups(mine)["size_class"]
    assert (size.count, size.median) == (6, 35)
    assert size.percentile == pytest.approx(100 * 3 / 6)
