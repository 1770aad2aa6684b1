"""Maturity scoring: parse raw answers against a questionnaire, then score them by the one documented rule.

- A question scores in [0, 1]: `single`/`scale`, the chosen option's score over the question's best option
  score; `multi`, the chosen scores summed, capped at `max_score`, over `max_score` (default: the sum of all
  option scores).
- A dimension scores 100 x sum(weight x question score) / sum(weight) over its *shown* questions: a question
  hidden by `show_if` counts in neither sum. Every shown question is required.
- The overall score is the mean of the dimension scores weighted by the dimension weights.
- The level (overall and per dimension) is the last level whose `min` is at most the score.
Scores are returned unrounded; pages show one decimal.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidAnswers
from .questionnaire import Level, Question, Questionnaire

Answers = Mapping[str, tuple[str, ...]]

# Advice bands of a dimension score: the questionnaire has a text for each.
MIDDLE_FROM = 40.0
HIGH_FROM = 70.0


@dataclass(frozen=True)
class DimensionResult:
    key: str
    score: float
    level: Level


@dataclass(frozen=True)
class AssessmentResult:
    overall: float
    level: Level
    dimensions: tuple[DimensionResult, ...]
    question_scores: Mapping[str, float]

    def to_json(self) -> dict[str, Any]:
        """The shape the CLI and the API print: {"overall", "level", "dimensions": {key: score}}."""
        return {"overall": self.overall, "level": self.level.key,
                "dimensions": {d.key: d.score for d in self.dimensions}}


def is_shown(question: Question, answers: Answers) -> bool:
    """Skip logic: a question with `show_if` is shown only if its trigger was answered with a listed option."""
    if question.show_if is None:
        return True
    return bool(set(answers.get(question.show_if.question, ())) & question.show_if.values)


def shown_change(score: float, previous: float) -> float:
    """The change between two scores as they are shown, each to one decimal, so that the change printed
    beside them is their difference (53.14 after 29.76 reads 53.1 after 29.8: +23.3, not +23.4)."""
    return round(round(score, 1) - round(previous, 1), 1)


def advice_band(score: float) -> str:
    if score < MIDDLE_FROM:
        return "low"
    return "middle" if score < HIGH_FROM else "high"


def parse_answers(questionnaire: Questionnaire, raw: Any, *, require_complete: bool = True,
                  only_keys: tuple[str, ...] | None = None) -> dict[str, tuple[str, ...]]:
    """Raw answers ({key: option key} or {key: [option keys]} for multi) to option-key tuples.

    Answers to hidden questions are dropped. Errors are collected per question key and raised together as
    InvalidAnswers with short reasons ("required", "unknown option ...", "exclusive ..."). With `only_keys`,
    only those questions are checked (one page of the wizard); the others still drive skip logic.
    """
    if not isinstance(raw, Mapping):
        raise InvalidAnswers({"answers": "must be an object {question_key: option_key or [option_keys]}"})
    questions = questionnaire.questions
    errors: dict[str, str] = {}
    if only_keys is None:
        known = {q.key for q in questions}
        for key in raw:
            if key not in known:
                errors[str(key)[:100]] = "unknown question"
    parsed: dict[str, tuple[str, ...]] = {}
    for question in questions:
        if not is_shown(question, parsed):
            continue
        checked = only_keys is None or question.key in only_keys
        value = raw.get(question.key)
        if value is None or value == "" or value == []:
            if checked and require_complete:
                errors[question.key] = "required" if question.type != "multi" or value is None else \
                    "empty: choose at least one option"
            continue
        try:
            parsed[question.key] = _parse_one(question, value)
        except ValueError as error:
            if checked:
                errors[question.key] = str(error)
    if errors:
        raise InvalidAnswers(errors)
    return parsed


def _parse_one(question: Question, value: Any) -> tuple[str, ...]:
    if question.type == "multi":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of option keys")
        keys = tuple(dict.fromkeys(value))  # a repeated key counts once
    else:
        if isinstance(value, list | tuple) and len(value) == 1:
            value = value[0]
        keys = (value,)
    for key in keys:
        if not isinstance(key, str) or key not in question.option_keys:
            shown = key if isinstance(key, str) else repr(key)
            raise ValueError(f'unknown option "{shown[:60]}"')
    if question.type == "multi" and len(keys) > 1:
        exclusive = [key for key in keys if question.option(key).exclusive]
        if exclusive:
            raise ValueError(f'exclusive option "{exclusive[0]}" cannot be combined with others')
    return keys


def question_score(question: Question, chosen: tuple[str, ...]) -> float:
    total = sum(question.option(key).score for key in chosen)
    full = question.full_score
    return min(total, full) / full


def score_assessment(questionnaire: Questionnaire, answers: Answers) -> AssessmentResult:
    """Score parsed answers; a shown question without an answer is an InvalidAnswers error."""
    missing = {q.key: "required" for q in questionnaire.questions if is_shown(q, answers) and q.key not in answers}
    if missing:
        raise InvalidAnswers(missing)
    question_scores: dict[str, float] = {}
    results = []
    for dimension in questionnaire.dimensions:
        weighted = weights = 0.0
        for question in dimension.questions:
            if not is_shown(question, answers):
                continue
            score = question_score(question, answers[question.key])
            question_scores[question.key] = score
            weighted += question.weight * score
            weights += question.weight
        value = 100.0 * weighted / weights
        results.append(DimensionResult(dimension.key, value, questionnaire.level_for(value)))
    total_weight = sum(d.weight for d in questionnaire.dimensions)
    overall = sum(d.weight * r.score for d, r in zip(questionnaire.dimensions, results)) / total_weight
    return AssessmentResult(overall=overall, level=questionnaire.level_for(overall), dimensions=tuple(results),
                            question_scores=question_scores)
