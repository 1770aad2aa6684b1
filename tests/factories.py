"""Builders shared by the web tests: valid partite IVA, complete answer sets, submitted assessments."""
from __future__ import annotations

import itertools

from assessment.domain.company_profile import vat_check_digit
from assessment.domain.questionnaire import Questionnaire
from assessment.domain.scoring import is_shown

_vat_counter = itertools.count(1)


def vat_number(body: str | None = None) -> str:
    """A valid partita IVA: ten digits plus the check digit."""
    body = body or f"{next(_vat_counter):07d}001"
    return body + vat_check_digit(body)  # the rule itself is tested on real numbers in tests/domain


def profile(**overrides) -> dict:
    data = {
        "company_name": "Panetteria Demo Rossi", "vat_number": vat_number(), "ateco_code": "10.71.10",
        "comune_istat": "001125", "employees": 4, "annual_turnover_eur": 400_000, "email": "owner@example.org",
        "privacy_accepted": True, "coach_contact": True,
    }
    data.update(overrides)
    return data


def answers_for(questionnaire: Questionnaire, pick: str = "max") -> dict[str, object]:
    """Answers to every shown question: the best ('max'), worst ('min') or middle option."""
    chosen: dict[str, tuple[str, ...]] = {}
    raw: dict[str, object] = {}
    for question in questionnaire.questions:
        if not is_shown(question, chosen):
            continue
        scored = sorted(question.options, key=lambda o: (o.score, o.key))
        if question.type == "multi":
            plain = [o for o in question.options if not o.exclusive]
            exclusive = [o for o in question.options if o.exclusive]
            keys = [o.key for o in plain] if pick == "max" or not exclusive else [exclusive[0].key]
            if pick == "mid":
                keys = [plain[0].key]
            raw[question.key] = keys
            chosen[question.key] = tuple(keys)
        else:
            option = {"max": scored[-1], "min": scored[0], "mid": scored[len(scored) // 2]}[pick]
            raw[question.key] = option.key
            chosen[question.key] = (option.key,)
    return raw


def submit_company(pick: str = "mid", company=None, **profile_overrides):
    """A company with one more submitted assessment, through the same service the web and the API use; with
    `company`, a re-assessment through that company's own link (its partita IVA alone would be refused)."""
    from assessment.services.assessments import (
        create_and_submit,
        save_section,
        start_draft,
        submit,
    )
    from assessment.services.questionnaires import latest_version, questionnaire_of

    questionnaire = questionnaire_of(latest_version("dma-sme"))
    if company is None:
        assessment, token = create_and_submit("dma-sme", profile(**profile_overrides),
                                              answers_for(questionnaire, pick))
        return assessment.company, assessment, token
    draft, token = start_draft("dma-sme", company=company)
    save_section(draft, profile={**draft.draft_profile, "privacy_accepted": True, **profile_overrides},
                 answers=answers_for(questionnaire, pick))
    return company, submit(draft), token


def propose(company, coach, status: str = "proposed"):
    from assessment.extensions import db
    from assessment.models import AssignmentStatus, CoachAssignment, utcnow

    assignment = CoachAssignment(company_id=company.id, coach_id=coach.id, status=AssignmentStatus(status),
                                 reason={"it": "Motivo di prova", "en": "Test reason"})
    if status in ("accepted", "in_progress"):
        assignment.accepted_at = utcnow()
    db.session.add(assignment)
    db.session.flush()
    return assignment
