"""The scoring rule by hand-computed cases, and its properties by hypothesis."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.domain.errors import InvalidAnswers
from assessment.domain.questionnaire import from_definition
from assessment.domain.scoring import (
    advice_band,
    is_shown,
    parse_answers,
    score_assessment,
    shown_change,
)
from tests.domain.questionnaire_samples import small

Q = from_definition(small())


def score(raw: dict):
    return score_assessment(Q, parse_answers(Q, raw))


def test_hand_computed_case():
    result = score({"plan": "some", "budget": "s3", "tools": ["web", "crm", "erp"],
                    "backup": "yes", "security": ["twofa"]})
    # plan 1/3 (w1), budget 3/4 (w2), tools min(3, 2)/2 = 1 (w1): 100 * (1/3 + 1.5 + 1) / 4
    strategy = 100 * (1 / 3 + 2 * 0.75 + 1) / 4
    data = 100 * (1 + 1 / 3) / 2  # backup 2/2, security 1/(1+2)
    assert result.dimensions[0].score == pytest.approx(strategy)
    assert result.dimensions[1].score == pytest.approx(data)
    assert result.overall == pytest.approx((2 * strategy + data) / 3)
    assert result.level.key == "advanced"  # 69.44 >= 60
    assert result.to_json() == {"overall": result.overall, "level": "advanced",
                                "dimensions": {"strategy": result.dimensions[0].score,
                                               "data": result.dimensions[1].score}}


def test_hidden_question_counts_in_neither_sum():
    result = score({"plan": "none", "budget": "s4", "tools": ["web"], "backup": "no", "security": ["nothing"]})
    # budget hidden (plan = none): strategy = 100 * (0 + 0.5) / 2, its answer is dropped
    assert result.dimensions[0].score == pytest.approx(25.0)
    assert "budget" not in result.question_scores
    assert result.dimensions[0].level.key == "basic"  # exactly at the threshold
    assert result.dimensions[1].score == 0.0 and result.dimensions[1].level.key == "initial"


def test_every_shown_question_is_required():
    with pytest.raises(InvalidAnswers) as caught:
        parse_answers(Q, {"plan": "written", "tools": ["web"], "backup": "no"})
    assert caught.value.errors == {"budget": "required", "security": "required"}


def test_answer_errors_name_the_question():
    with pytest.raises(InvalidAnswers) as caught:
        parse_answers(Q, {"plan": "maybe", "budget": "s1", "tools": ["web", "nothing"], "backup": ["yes", "no"],
                          "security": "twofa", "colour": "red"})
    errors = caught.value.errors
    assert errors["plan"] == 'unknown option "maybe"'
    assert errors["tools"].startswith('exclusive option "nothing"')
    assert errors["backup"].startswith("unknown option")
    assert errors["security"] == "must be a list of option keys"
    assert errors["colour"] == "unknown question"
    assert "budget" not in errors  # budget is hidden (plan invalid), so it is not required either


def test_empty_multi_and_only_keys():
    with pytest.raises(InvalidAnswers) as caught:
        parse_answers(Q, {"tools": []}, only_keys=("tools",))
    assert caught.value.errors == {"tools": "empty: choose at least one option"}
    assert parse_answers(Q, {"backup": "yes"}, only_keys=("backup",)) == {"backup": ("yes",)}
    assert parse_answers(Q, {}, require_complete=False) == {}
    with pytest.raises(InvalidAnswers):
        parse_answers(Q, ["not", "a", "mapping"])


def test_advice_bands():
    assert [advice_band(s) for s in (0, 39.99, 40, 69.9, 70, 100)] == ["low", "low", "middle", "middle",
                                                                          "high", "high"]


def test_is_shown():
    budget = Q.question("budget")
    assert not is_shown(budget, {})
    assert not is_shown(budget, {"plan": ("none",)})
    assert is_shown(budget, {"plan": ("written",)})
    assert is_shown(Q.question("plan"), {})


# Properties

def answer_sets():
    """Any complete, valid set of raw answers for the sample questionnaire."""
    def one(question):
        if question.type == "multi":
            plain = [o.key for o in question.options if not o.exclusive]
            exclusive = [o.key for o in question.options if o.exclusive]
            return st.one_of(st.lists(st.sampled_from(plain), min_size=1, unique=True),
                             st.just([exclusive[0]]))
        return st.sampled_from([o.key for o in question.options])

    return st.fixed_dictionaries({q.key: one(q) for q in Q.questions})


@settings(max_examples=200, deadline=None)
@given(answer_sets())
def test_every_score_is_between_0_and_100(raw):
    result = score(raw)
    assert 0 <= result.overall <= 100
    assert all(0 <= d.score <= 100 for d in result.dimensions)


@settings(max_examples=200, deadline=None)
@given(answer_sets(), st.sampled_from(["tools", "backup", "security", "budget"]), st.data())
def test_improving_one_answer_never_lowers_any_score(raw, key, data):
    # `plan` drives skip logic, so it is left out as the rule says.
    before = score(raw)
    question = Q.question(key)
    parsed = parse_answers(Q, raw)
    if key not in parsed:
        return
    if question.type == "multi":
        plain = [o.key for o in question.options if not o.exclusive]
        kept = [k for k in raw[key] if k in plain]
        raw = {**raw, key: sorted(set(kept) | {data.draw(st.sampled_from(plain))})}
    else:
        current = question.option(raw[key]).score
        better = [o.key for o in question.options if o.score >= current]
        raw = {**raw, key: data.draw(st.sampled_from(better))}
    after = score(raw)
    assert after.overall >= before.overall - 1e-9
    for b, a in zip(before.dimensions, after.dimensions):
        assert a.score >= b.score - 1e-9


@settings(max_examples=100, deadline=None)
@given(answer_sets(), st.sampled_from([f"s{i}" for i in range(5)]))
def test_a_hidden_answer_never_counts(raw, budget):
    raw = {**raw, "plan": "none"}
    assert score({**raw, "budget": budget}) == score({k: v for k, v in raw.items() if k != "budget"})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.text(max_size=8), st.integers(),
                                                        st.lists(st.one_of(st.text(max_size=5), st.integers()),
                                                                 max_size=4),
                                                        st.dictionaries(st.text(max_size=3), st.integers(),
                                                                        max_size=2)),
                       max_size=8))
def test_parser_never_crashes_on_any_input(raw):
    try:
        parsed = parse_answers(Q, raw)
    except InvalidAnswers as error:
        assert error.errors and all(isinstance(reason, str) for reason in error.errors.values())
    else:
        assert 0 <= score_assessment(Q, parsed).overall <= 100


def test_a_change_is_the_difference_of_the_scores_as_shown():
    # Unrounded, 53.14 - 29.76 = 23.38 would print +23.4 beside 53.1 and 29.8.
    assert shown_change(53.14, 29.76) == 23.3
    assert shown_change(34.54, 17.86) == 16.6  # 34.5 - 17.9
    assert shown_change(40.0, 45.1) == -5.1
    assert shown_change(12.34, 12.31) == 0.0
