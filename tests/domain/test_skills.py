"""The digital-skills self-check: the shipped file meets the brief, is scored by the published rule, and the
change between two self-checks is what the pages print."""
from __future__ import annotations

from pathlib import Path

import pytest

from assessment.domain.errors import InvalidAnswers
from assessment.domain.questionnaire import QuestionnaireError, from_definition, load_directory
from assessment.domain.skills import DIGCOMP_AREAS, SKILLS_QUESTIONNAIRE, score_skills, skills_change
from tests.domain.questionnaire_samples import small

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
SKILLS = load_directory(QUESTIONNAIRES)[SKILLS_QUESTIONNAIRE]

LOWEST = {q.key: (["none"] if q.type == "multi" else min(q.options, key=lambda o: o.score).key)
          for q in SKILLS.questions}
HIGHEST = {q.key: ([o.key for o in q.options if not o.exclusive] if q.type == "multi"
                   else max(q.options, key=lambda o: o.score).key) for q in SKILLS.questions}


def test_the_self_check_meets_the_brief():
    assert SKILLS.audience == "person"
    assert tuple(d.key for d in SKILLS.dimensions) == DIGCOMP_AREAS
    assert [len(d.questions) for d in SKILLS.dimensions] == [3, 3, 3, 3, 3]
    for question in SKILLS.questions:
        texts = [question.text, *(o.label for o in question.options)] + ([question.help] if question.help else [])
        assert all(t.it.strip() and t.en.strip() and t.it != t.en for t in texts), question.key
        assert not question.show_if, question.key  # the same 15 questions before and after the course
        if question.type == "multi":
            assert any(o.exclusive for o in question.options), question.key


def test_the_company_questionnaire_stays_a_company_one():
    assert load_directory(QUESTIONNAIRES)["dma-sme"].audience == "company"
    assert from_definition(small()).audience == "company"


def test_an_unknown_audience_is_refused_naming_the_field():
    definition = small()
    definition["audience"] = "family"
    with pytest.raises(QuestionnaireError, match="audience: must be one of company, person"):
        from_definition(definition)


def test_lowest_and_highest_answers_give_the_ends_of_the_scale():
    low, high = score_skills(SKILLS, LOWEST), score_skills(SKILLS, HIGHEST)
    assert (low.overall, low.level_key) == (0, "foundation")
    assert (high.overall, high.level_key) == (100, "highly_specialised")
    assert set(low.areas) == set(DIGCOMP_AREAS)


def test_hand_computed_profile():
    answers = dict(LOWEST)
    # Safety: devices 2 of a cap of 4 (0.5), phishing 2/3, privacy "often" 3/4.
    answers.update(sa_devices=["screen_lock", "updates"], sa_phishing="ignore_and_call", sa_privacy="often")
    answers.update(id_search="refine")  # 2/3 in the first area
    profile = score_skills(SKILLS, answers)
    safety = 100 * (0.5 + 2 / 3 + 0.75) / 3
    information = 100 * (2 / 3) / 3
    assert profile.areas["safety"] == pytest.approx(safety)
    assert profile.areas["information_data"] == pytest.approx(information)
    assert profile.areas["problem_solving"] == 0
    assert profile.overall == pytest.approx((safety + information) / 5)
    assert profile.level_key == "foundation"  # 17.2 < 35


def test_missing_and_unknown_answers_name_the_question():
    answers = dict(LOWEST)
    del answers["ps_learning"]
    answers["sa_phishing"] = "panic"
    with pytest.raises(InvalidAnswers) as caught:
        score_skills(SKILLS, answers)
    assert caught.value.errors == {"ps_learning": "required", "sa_phishing": 'unknown option "panic"'}


def test_a_company_questionnaire_is_not_a_skills_self_check():
    with pytest.raises(InvalidAnswers, match="questionnaire"):
        score_skills(from_definition(small()), {})


def test_change_is_the_difference_of_the_shown_scores():
    change = skills_change({"safety": 29.76, "gone": 10.0}, {"safety": 53.14, "new": 50.0},
                           overall_before=20.04, overall_after=20.0)
    assert change.areas == {"safety": 23.3}  # 53.1 - 29.8, only areas both self-checks have
    assert change.overall == 0.0
