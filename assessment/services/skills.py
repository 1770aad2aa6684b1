"""A participant's digital-skills self-checks: one at registration, one at completion of the edition, scored by
the questionnaire engine (domain.skills) on the newest snapshot of the skills questionnaire."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.questionnaire import Questionnaire
from ..domain.skills import SKILLS_QUESTIONNAIRE, SkillsChange, score_skills, skills_change
from ..extensions import db
from ..models import (
    Participant,
    Registration,
    RegistrationStatus,
    SkillsCheck,
    SkillsMoment,
)
from .questionnaires import latest_version, questionnaire_of
from .training_figures import registration_results


def skills_questionnaire() -> tuple[Any, Questionnaire] | None:
    version = latest_version(SKILLS_QUESTIONNAIRE)
    return (version, questionnaire_of(version)) if version is not None else None


@dataclass(frozen=True)
class SkillsPage:
    checks: list[SkillsCheck]  # this registration's, in order (registration, then completion)
    due: SkillsMoment | None  # the self-check the person may answer now
    change: SkillsChange | None  # from the first to the second, when both exist
    is_completed: bool


def skills_page(registration: Registration) -> SkillsPage:
    checks = sorted(db.session.execute(db.select(SkillsCheck).where(
        SkillsCheck.registration_id == registration.id)).scalars(), key=lambda c: c.moment != SkillsMoment.registration)
    moments = {c.moment for c in checks}
    result = registration_results([registration.edition_id]).get(registration.id)
    is_completed = bool(result and result.completion.is_completed)
    due = None
    if registration.participant.erased_at is None and registration.status != RegistrationStatus.cancelled:
        if is_completed and SkillsMoment.completion not in moments:
            due = SkillsMoment.completion
        elif not is_completed and SkillsMoment.registration not in moments:
            due = SkillsMoment.registration
    change = None
    if len(checks) == 2:
        first, second = checks
        change = skills_change(first.scores, second.scores, overall_before=first.overall_score,
                               overall_after=second.overall_score)
    return SkillsPage(checks=checks, due=due, change=change, is_completed=is_completed)


def save_skills_check(registration: Registration, moment: SkillsMoment, raw: Mapping[str, Any]) -> SkillsCheck:
    """Score and store one self-check; InvalidAnswers names each missing or wrong answer. Flushes."""
    version, questionnaire = skills_questionnaire()
    profile = score_skills(questionnaire, raw)
    check = SkillsCheck(participant_id=registration.participant_id, registration_id=registration.id,
                        questionnaire_version_id=version.id, moment=moment,
                        answers={k: list(v) for k, v in profile.answers.items()},
                        scores=dict(profile.areas), overall_score=profile.overall)
    db.session.add(check)
    db.session.flush()
    return check


def participant_checks(participant: Participant) -> list[SkillsCheck]:
    return list(db.session.execute(db.select(SkillsCheck).where(SkillsCheck.participant_id == participant.id)
                                   .order_by(SkillsCheck.submitted_at, SkillsCheck.id)).scalars())
