"""A person's digital-skills self-check (DigComp 2.2 areas): scored by the questionnaire engine's one rule
(domain.scoring), then compared between two moments (at registration, at completion of an edition)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidAnswers
from .questionnaire import Questionnaire
from .scoring import parse_answers, score_assessment, shown_change

SKILLS_QUESTIONNAIRE = "skills-digcomp"
# The five areas of DigComp 2.2, in the framework's order: the self-check file must have exactly these.
DIGCOMP_AREAS = ("information_data", "communication_collaboration", "content_creation", "safety",
                 "problem_solving")


@dataclass(frozen=True)
class SkillsProfile:
    overall: float
    level_key: str
    areas: Mapping[str, float]  # area key -> 0..100, in the questionnaire's order
    answers: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class SkillsChange:
    overall: float
    areas: Mapping[str, float]  # area key -> change in points, as shown (one decimal each)


def score_skills(questionnaire: Questionnaire, raw: Any) -> SkillsProfile:
    """Parse and score a complete self-check; InvalidAnswers names each wrong or missing question."""
    if questionnaire.audience != "person":
        raise InvalidAnswers({"questionnaire": f'"{questionnaire.key}" is not a person\'s questionnaire'})
    answers = parse_answers(questionnaire, raw)
    result = score_assessment(questionnaire, answers)
    return SkillsProfile(overall=result.overall, level_key=result.level.key,
                         areas={d.key: d.score for d in result.dimensions}, answers=answers)


def skills_change(before: Mapping[str, float], after: Mapping[str, float], *, overall_before: float,
                  overall_after: float) -> SkillsChange:
    """The change from one self-check to a later one, per area both have (a new version may add an area)."""
    return SkillsChange(overall=shown_change(overall_after, overall_before),
                        areas={key: shown_change(after[key], before[key]) for key in after if key in before})
