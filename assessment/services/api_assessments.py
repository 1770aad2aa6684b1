"""The API's one-shot submission and the owner's reads: the JSON body is checked here for what the web form
never sends (wrong types, NUL characters, numbers no column holds) so each problem is a 422 naming its field;
scoring is the same create_and_submit the web wizard uses."""
from __future__ import annotations

import math
from typing import Any

from ..domain.text import has_control_characters
from ..extensions import db
from ..models import Assessment
from . import assessments as service
from .passwords import token_matches
from .profiles import ProfileInvalid
from .questionnaires import latest_version, questionnaire_of

MAX_KEYS = 500  # more answers than any questionnaire has questions
MAX_TEXT = 2000
MAX_DEPTH = 4
MAX_AMOUNT = 10**12  # euro or people: larger numbers are typing errors, and would overflow the columns
LANGUAGES = ("it", "en")


class BodyInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _walk(value: Any, path: str, errors: dict[str, str], depth: int = 0) -> None:
    """Values a database refuses or a float cannot hold, found anywhere in the body."""
    if depth > MAX_DEPTH:
        errors[path] = "nested too deeply"
    elif isinstance(value, str):
        if has_control_characters(value):
            errors[path] = "must not contain control characters"
        elif len(value) > MAX_TEXT:
            errors[path] = f"must be at most {MAX_TEXT} characters"
    elif isinstance(value, float) and not math.isfinite(value):
        errors[path] = "must be a finite number"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_AMOUNT:
        errors[path] = "number too large"
    elif isinstance(value, dict):
        if len(value) > MAX_KEYS:
            errors[path] = f"at most {MAX_KEYS} keys"
            return
        for key, item in value.items():
            _walk(key, path, errors, depth + 1)
            _walk(item, f"{path}.{str(key)[:100]}", errors, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_KEYS:
            errors[path] = f"at most {MAX_KEYS} items"
            return
        for item in value:
            _walk(item, path, errors, depth + 1)


# The JSON types of the profile (api/schemas.py documents the same); the web form sends text, the API JSON.
PROFILE_TYPES: dict[str, tuple[type, ...]] = {
    "company_name": (str,), "vat_number": (str,), "ateco_code": (str,), "comune_istat": (str,),
    "employees": (int,), "annual_turnover_eur": (int,), "email": (str, type(None)),
    "privacy_accepted": (bool,), "coach_contact": (bool,), "themes": (list,),
}
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list of strings"}


def _profile_errors(profile: dict) -> dict[str, str]:
    """Unknown keys and wrong JSON types are refused, not stored: a draft keeps only what the profile is."""
    errors = {}
    for name, value in profile.items():
        expected = PROFILE_TYPES.get(name)
        if expected is None:
            errors[f"profile.{str(name)[:100]}"] = "unknown field; known: " + ", ".join(PROFILE_TYPES)
        elif isinstance(value, bool) and bool not in expected or not isinstance(value, expected):
            errors[f"profile.{name}"] = "must be " + " or ".join(_TYPE_NAMES.get(t, "null") for t in expected)
        elif isinstance(value, int) and not 0 <= value <= MAX_AMOUNT:
            errors[f"profile.{name}"] = f"must be a whole number from 0 to {MAX_AMOUNT}"
    return errors


def check_body(body: dict) -> tuple[str, dict, dict, str]:
    """(questionnaire key, profile, answers, language), or BodyInvalid with every problem at once."""
    errors: dict[str, str] = {}
    _walk(body, "body", errors)
    errors = {key.removeprefix("body."): reason for key, reason in errors.items()}
    key, profile, answers = body.get("questionnaire"), body.get("profile"), body.get("answers")
    version = latest_version(key) if isinstance(key, str) and "questionnaire" not in errors else None
    if version is None:
        errors["questionnaire"] = "unknown questionnaire"
    elif questionnaire_of(version).audience != "company":
        errors["questionnaire"] = "a person's questionnaire: not for a company assessment"
    if not isinstance(profile, dict):
        errors["profile"] = "must be an object"
    else:
        errors.update(_profile_errors(profile))
    if not isinstance(answers, dict):
        errors["answers"] = "must be an object"
    language = body.get("language", "it")
    if language not in LANGUAGES:
        errors["language"] = "must be one of: " + ", ".join(LANGUAGES)
    if errors:
        raise BodyInvalid(errors)
    return key, profile, answers, language


def submit_from_api(body: dict) -> tuple[Assessment, str]:
    """Score and store the assessment the body describes; BodyInvalid names each wrong field."""
    key, profile, answers, language = check_body(body)
    try:
        return service.create_and_submit(key, profile, answers, language)
    except service.SubmissionInvalid as error:
        fields = {f"profile.{k}": v for k, v in error.profile_errors.items()}
        fields.update({f"answers.{k}": v for k, v in error.answer_errors.items()})
        raise BodyInvalid(fields) from None
    except ProfileInvalid as error:
        raise BodyInvalid({f"profile.{k}": v for k, v in error.errors.items()}) from None
    except service.UnknownQuestionnaire:
        raise BodyInvalid({"questionnaire": "unknown questionnaire"}) from None


def owned_assessment(assessment_id: int, token: str | None) -> Assessment | None:
    """The submitted assessment if `token` is its owner's secret; None otherwise (the caller answers 404)."""
    if not token or len(token) > 200:
        return None
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not assessment.is_submitted:
        return None
    return assessment if token_matches(token, assessment.token_hash) else None
