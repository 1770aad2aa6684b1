"""The API blueprint, its error handling and the public endpoints: the document and its HTML page,
questionnaires, assessments with their recommendations, reference data. Tracks and grants are in
catalogue_views, the staff endpoints in staff_views; errors are JSON (see assessment.errors.json_error)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from ..app import use_language
from ..errors import json_error
from ..extensions import csrf, db, limiter
from ..services.alert_subscriptions import subscribe as subscribe_to_alerts
from ..services.api_assessments import LANGUAGES, BodyInvalid, owned_assessment, submit_from_api
from ..services.api_catalogue import FiltersInvalid
from ..services.questionnaires import latest_version
from ..services.recommendations import stored_recommendations
from ..services.reference import comune_label, search_ateco, search_comuni
from .openapi import (
    InvalidQuery,
    Param,
    build_document,
    docs_outline,
    operation,
    query_args,
)
from .schemas import MAX_ID, ref
from .serializers import assessment_json, recommendations_json

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # the API authenticates by token, never by cookie

READ_LIMIT = "120 per minute"
# Suggestions while owners type a comune or an activity: a workshop's owners share one address.
SUGGEST_LIMIT = "600 per minute"
WRITE_LIMIT = "30 per minute; 300 per hour"
QUERY = Param("q", _l("Testo cercato, almeno 2 caratteri (contano i primi 60)."), default="", example="Ivr")


@bp.url_value_preprocessor
def _refuse_impossible_ids(_endpoint, values) -> None:
    # Ids no row can have, and NUL characters no database stores, are simply not found.
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_ID or isinstance(value, str) and "\x00" in value:
            abort(404)


@bp.errorhandler(InvalidQuery)
@bp.errorhandler(FiltersInvalid)
def _invalid_query(error: InvalidQuery | FiltersInvalid):
    return json_error(422, "invalid", "the query parameters are not valid", error.errors)


@bp.get("/openapi.json")
@operation(tag="meta", summary=_l("Il documento OpenAPI 3 di questa API"), response=ref("OpenApiDocument"))
@limiter.limit(READ_LIMIT)
def openapi_document():
    return jsonify(build_document(current_app))


@bp.get("/docs")
@operation(tag="meta", summary=_l("La documentazione da leggere nel browser"), media_type="text/html",
           response={"type": "string"})
@limiter.limit(READ_LIMIT)
def docs():
    document = build_document(current_app)
    return render_template("api/docs.html", document=document, outline=docs_outline(document))


@bp.get("/questionnaires/<key>")
@operation(tag="questionnaires", summary=_l("La definizione di un questionario, nell'ultima versione"),
           path_parameters=(Param("key", _l("Chiave del questionario."), example="dma-sme"),),
           response=ref("Questionnaire"))
@limiter.limit(READ_LIMIT)
def questionnaire(key: str):
    version = latest_version(key)
    if version is None:
        return json_error(404, "not_found", f"no questionnaire {key!r}")
    return jsonify(version.definition)


@bp.post("/assessments")
@operation(tag="questionnaires", summary=_l("Invia una valutazione completa e ricevi punteggi e consigli"),
           description=_l("Il token restituito è il segreto del titolare: serve a rileggere la valutazione e "
                          "non viene mostrato di nuovo."),
           request=ref("AssessmentRequest"), status=201,
           response={"allOf": [ref("Assessment"), {"type": "object", "required": ["token", "recommendations"],
                                                   "properties": {"recommendations": ref("Recommendations")}}]})
@limiter.limit(WRITE_LIMIT)
def create_assessment():
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # arrays or objects nested thousands deep: not an assessment, and not a crash
        body = None
    if not isinstance(body, dict):
        return json_error(400, "bad_request", "the body must be a JSON object")
    if body.get("language") in LANGUAGES:
        use_language(body["language"])  # the reasons per field, in the language the assessment is sent in
    try:
        assessment, token = submit_from_api(body)
    except BodyInvalid as error:
        db.session.rollback()
        return json_error(422, "invalid", "the assessment is not valid", error.errors)
    db.session.commit()
    body = assessment_json(assessment, token)
    body["recommendations"] = recommendations_json(stored_recommendations(assessment), assessment.language)
    return jsonify(body), 201


def _owner_token() -> str | None:
    """The owner's secret: Bearer header, or ?token= for links."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else request.args.get("token")


@bp.get("/assessments/<int:assessment_id>")
@operation(tag="questionnaires", summary=_l("Rileggi una valutazione con il token del titolare"),
           security="owner", response=ref("Assessment"))
@limiter.limit("60 per minute")
def read_assessment(assessment_id: int):
    assessment = owned_assessment(assessment_id, _owner_token())
    if assessment is None:
        return json_error(404, "not_found", "no such assessment for this token")
    return jsonify(assessment_json(assessment, None))


@bp.get("/assessments/<int:assessment_id>/recommendations")
@operation(tag="questionnaires", summary=_l("Percorsi e bandi consigliati per una valutazione"),
           security="owner", response=ref("Recommendations"))
@limiter.limit("60 per minute")
def assessment_recommendations(assessment_id: int):
    assessment = owned_assessment(assessment_id, _owner_token())
    if assessment is None:
        return json_error(404, "not_found", "no such assessment for this token")
    return jsonify(recommendations_json(stored_recommendations(assessment), assessment.language))


@bp.post("/assessments/<int:assessment_id>/alerts")
@operation(tag="questionnaires", summary=_l("Chiedi gli avvisi sui bandi per l'impresa della valutazione"),
           description=_l("Come il pulsante della pagina del risultato: un link di conferma è inviato all'indirizzo "
                          "e-mail dell'impresa e nessun avviso parte prima della conferma (doppio consenso). "
                          "422 se l'impresa non ha un indirizzo e-mail."),
           security="owner", status=202, response=ref("AlertSubscription"), errors=(422,))
@limiter.limit(WRITE_LIMIT)
def subscribe_alerts(assessment_id: int):
    token = _owner_token()
    assessment = owned_assessment(assessment_id, token)
    if assessment is None or not assessment.is_submitted or assessment.company is None:
        return json_error(404, "not_found", "no such assessment for this token")
    if not assessment.company.email:
        return json_error(422, "invalid", "the company has no e-mail address to confirm alerts with",
                          {"email": "missing"})
    subscription, mailed = subscribe_to_alerts(assessment.company, token)
    db.session.commit()
    return jsonify(status="active" if subscription.is_active else "waiting", email=subscription.email,
                   mailed=mailed, text_version=subscription.text_version), 202


@bp.get("/comuni")
@operation(tag="reference", summary=_l("Comuni italiani per nome o codice ISTAT"), parameters=(QUERY,),
           response=ref("ComuneSuggestions"))
@limiter.limit(SUGGEST_LIMIT)
def comuni_suggestions():
    items = [{"value": comune_label(c), "label": c.istat_code, "istat_code": c.istat_code}
             for c in search_comuni(query_args()["q"][:60])]
    return jsonify(items=items)


@bp.get("/ateco")
@operation(tag="reference", summary=_l("Codici ATECO 2025 per codice o descrizione"), parameters=(QUERY,),
           response=ref("AtecoSuggestions"))
@limiter.limit(SUGGEST_LIMIT)
def ateco_suggestions():
    items = [{"value": a.code, "label": a.title, "section": a.section}
             for a in search_ateco(query_args()["q"][:60])]
    return jsonify(items=items)
