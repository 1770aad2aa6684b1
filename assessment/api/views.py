"""JSON endpoints; errors are JSON with a stable shape (see assessment.errors.json_error)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import json_error
from ..extensions import csrf, db, limiter
from ..models import Assessment
from ..services import assessments as service
from ..services.passwords import token_matches
from ..services.profiles import ProfileInvalid
from ..services.questionnaires import latest_version
from ..services.recommendations import stored_recommendations
from ..services.reference import comune_label, search_ateco, search_comuni
from .serializers import assessment_json, recommendations_json

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # the API authenticates by token, never by cookie


@bp.get("/questionnaires/<key>")
def questionnaire(key: str):
    version = latest_version(key)
    if version is None:
        return json_error(404, "not_found", f"no questionnaire {key!r}")
    return jsonify(version.definition)


@bp.post("/assessments")
@limiter.limit("30 per minute; 300 per hour")
def create_assessment():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "bad_request", "the body must be a JSON object")
    fields: dict[str, str] = {}
    key = body.get("questionnaire")
    profile = body.get("profile")
    answers = body.get("answers")
    if not isinstance(key, str) or latest_version(key) is None:
        fields["questionnaire"] = "unknown questionnaire"
    if not isinstance(profile, dict):
        fields["profile"] = "must be an object"
    if not isinstance(answers, dict):
        fields["answers"] = "must be an object"
    if fields:
        return json_error(422, "invalid", "the assessment is not valid", fields)
    language = body.get("language") if body.get("language") in ("it", "en") else "it"
    try:
        assessment, token = service.create_and_submit(key, profile, answers, language)
    except service.SubmissionInvalid as error:
        db.session.rollback()
        fields = {f"profile.{k}": v for k, v in error.profile_errors.items()}
        fields.update({f"answers.{k}": v for k, v in error.answer_errors.items()})
        return json_error(422, "invalid", "the assessment is not valid", fields)
    except ProfileInvalid as error:
        db.session.rollback()
        return json_error(422, "invalid", "the assessment is not valid",
                          {f"profile.{k}": v for k, v in error.errors.items()})
    db.session.commit()
    body = assessment_json(assessment, token)
    body["recommendations"] = recommendations_json(stored_recommendations(assessment))
    return jsonify(body), 201


def _owned_assessment(assessment_id: int) -> Assessment | None:
    """The holder of the owner's secret token (Bearer, or ?token=) may read the assessment."""
    token = request.args.get("token") or ""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[len("Bearer "):].strip()
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not assessment.is_submitted or not token:
        return None
    return assessment if token_matches(token, assessment.token_hash) else None


@bp.get("/assessments/<int:assessment_id>")
@limiter.limit("60 per minute")
def read_assessment(assessment_id: int):
    assessment = _owned_assessment(assessment_id)
    if assessment is None:
        return json_error(404, "not_found", "no such assessment for this token")
    return jsonify(assessment_json(assessment, None))


@bp.get("/assessments/<int:assessment_id>/recommendations")
@limiter.limit("60 per minute")
def assessment_recommendations(assessment_id: int):
    assessment = _owned_assessment(assessment_id)
    if assessment is None:
        return json_error(404, "not_found", "no such assessment for this token")
    return jsonify(recommendations_json(stored_recommendations(assessment)))


@bp.get("/comuni")
@limiter.limit("120 per minute")
def comuni_suggestions():
    items = [{"value": comune_label(c), "label": c.istat_code, "istat_code": c.istat_code}
             for c in search_comuni(request.args.get("q", "")[:60])]
    return jsonify(items=items)


@bp.get("/ateco")
@limiter.limit("120 per minute")
def ateco_suggestions():
    items = [{"value": a.code, "label": a.title, "section": a.section}
             for a in search_ateco(request.args.get("q", "")[:60])]
    return jsonify(items=items)
