"""JSON Schemas of the API's bodies, defined once: the OpenAPI document, the docs page and the schema
tests all read them from here."""
from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1  # path ids above this are never stored; answering 404 keeps big numbers off the database


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None, **extra) -> dict:
    """An object whose listed properties are all required unless `required` says otherwise."""
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required), **extra}


STRING = {"type": "string"}
STRINGS = {"type": "array", "items": {"type": "string"}}
NUMBER = {"type": "number"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date", "example": "2025-06-30"}
DATE_TIME = {"type": "string", "format": "date-time", "example": "2025-05-02T09:30:00Z"}
SIZE_CLASSES = ("micro", "small", "medium", "large")
# The API spells the eligibility outcomes as the catalogue issue does; the domain keys are eligible, to_check,
# not_eligible (API_ELIGIBILITY in serializers maps them).
ELIGIBILITY_STATUSES = ("eligible", "to check", "not eligible")

_PAGE = {"page": {"type": "integer", "minimum": 1, "example": 1},
         "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "example": 25},
         "total": {"type": "integer", "minimum": 0, "example": 1},
         "pages": {"type": "integer", "minimum": 0, "example": 1}}


def _page_of(item: str) -> dict:
    return _object({"items": {"type": "array", "items": ref(item)}, **_PAGE})


SCHEMAS: dict[str, dict] = {
    "Error": _object({"error": _object({
        "status": {"type": "integer", "example": 422},
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "the query parameters are not valid"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "example": {"open_on": "not a date (YYYY-MM-DD)"}},
    }, required=("status", "code", "message"))}),
    "Questionnaire": {
        "type": "object", "required": ["key"], "additionalProperties": True,
        "description": "The questionnaire definition as loaded from its YAML file.",
        "properties": {"key": {"type": "string", "example": "dma-sme"}, "version": {"type": "string"},
                       "dimensions": {"type": "array", "items": {"type": "object"}},
                       "levels": {"type": "array", "items": {"type": "object"}}},
    },
    "Profile": _object({
        "company_name": {"type": "string", "maxLength": 200, "example": "Panetteria Rossi"},
        "vat_number": {"type": "string", "example": "01234567897"},
        "ateco_code": {"type": "string", "example": "10.71.10"},
        "comune_istat": {"type": "string", "example": "001125"},
        "employees": {"type": "integer", "minimum": 0, "maximum": 10_000_000, "example": 4},
        "annual_turnover_eur": {"type": "integer", "minimum": 0, "maximum": 10**12, "example": 400000},
        "email": nullable({"type": "string", "example": "titolare@example.org"}),
        "privacy_accepted": {"type": "boolean", "example": True},
        "coach_contact": {"type": "boolean", "example": True},
        "themes": {**STRINGS, "description": "keys of the programme's thematic areas (the `thematic_area` "
                                             "of GET /tracks); an unknown key is a 422",
                   "example": ["digital_innovation"]},
    }, required=("company_name", "vat_number", "ateco_code", "comune_istat", "employees",
                 "annual_turnover_eur", "privacy_accepted"), additionalProperties=False,
        description="JSON types as given: \"4\" is not a number, \"true\" is not a boolean, and an "
                    "unknown key is refused (422) rather than stored."),
    "AssessmentRequest": _object({
        "questionnaire": {"type": "string", "example": "dma-sme"},
        "language": {"type": "string", "enum": ["it", "en"], "example": "it"},
        "profile": ref("Profile"),
        "answers": {"type": "object", "description": "question key → option key (or list of keys)",
                    "additionalProperties": {"oneOf": [STRING, STRINGS]},
                    "example": {"q1": "b", "q2": ["a", "c"]}},
    }, required=("questionnaire", "profile", "answers")),
    "Assessment": _object({
        "id": {"type": "integer", "example": 42},
        "questionnaire": {"type": "string", "example": "dma-sme"},
        "questionnaire_version": {"type": "string", "example": "1.0"},
        "submitted_at": nullable(DATE_TIME),
        "overall": nullable({"type": "number", "minimum": 0, "maximum": 100, "example": 47.5}),
        "level": nullable({"type": "string", "example": "intermediate"}),
        "dimensions": {"type": "object", "additionalProperties": {"type": "number"},
                       "example": {"digital_strategy": 50.0, "data_security": 40.0}},
        "token": {"type": "string", "description": "the owner's secret, returned only on creation"},
        "result_url": {"type": "string", "description": "returned only on creation"},
    }, required=("id", "questionnaire", "questionnaire_version", "submitted_at", "overall", "level",
                 "dimensions")),
    "TrackRecommendation": _object({
        "id": INTEGER, "code": STRING, "title": STRING, "score": NUMBER, "rank": INTEGER,
        "explanation": STRING, "explanation_en": STRING, "model_version": STRING,
    }),
    "GrantRecommendation": _object({
        "id": INTEGER, "title": STRING, "score": NUMBER, "rank": INTEGER, "explanation": STRING,
        "explanation_en": STRING, "source": STRING, "external_id": STRING, "closes_on": nullable(DATE),
        "eligibility": {"type": "string", "enum": ["eligible", "to check"]},
        "aid_min_eur": nullable(NUMBER), "aid_max_eur": nullable(NUMBER), "aid_forms": {"type": "array"},
        "link": nullable(STRING), "model_version": STRING,
    }),
    "AlertSubscription": _object({
        "status": {"type": "string", "enum": ["waiting", "active"],
                   "description": "waiting: the confirmation link was mailed; active: alerts are sent"},
        "email": {"type": "string", "example": "titolare@example.org"},
        "mailed": {"type": "boolean", "description": "whether the confirmation mail went (waiting only)"},
        "text_version": {"type": "string", "example": "2026-12"}}),
    "Recommendations": _object({"tracks": {"type": "array", "items": ref("TrackRecommendation")},
                                "grants": {"type": "array", "items": ref("GrantRecommendation")}}),
    "ComuneSuggestions": _object({"items": {"type": "array", "items": _object({
        "value": {"type": "string", "example": "Ivrea (TO)"}, "label": {"type": "string", "example": "001125"},
        "istat_code": {"type": "string", "example": "001125"}})}}),
    "AtecoSuggestions": _object({"items": {"type": "array", "items": _object({
        "value": {"type": "string", "example": "10.71.10"},
        "label": {"type": "string", "example": "Produzione di prodotti di panetteria freschi"},
        "section": {"type": "string", "example": "C"}})}}),
    "Track": _object({
        "id": {"type": "integer", "example": 7}, "code": {"type": "string", "example": "CYB-01"},
        "title_it": {"type": "string", "example": "Sicurezza informatica di base"},
        "title_en": {"type": "string", "example": "Cyber security basics"},
        "description_it": STRING, "description_en": STRING,
        "thematic_area": _object({"key": {"type": "string", "example": "digital_innovation"},
                                  "name_it": STRING, "name_en": STRING}),
        "dimensions": {"type": "object", "additionalProperties": {"type": "number"},
                       "description": "dimension key → weight from 0 to 1", "example": {"security": 1.0}},
        "level_from": {"type": "integer", "example": 0}, "level_to": {"type": "integer", "example": 2},
        "ateco_sections": STRINGS,
        "format": {"type": "string", "enum": ["workshop", "coaching", "online_course"]},
        "hours": {"type": "integer", "minimum": 0, "example": 12},
        "seats": {"type": "integer", "minimum": 0, "example": 20},
        "free_seats": {"type": "integer", "example": 8},
        "starts_on": nullable(DATE), "place": nullable({"type": "string", "example": "Torino"}),
        "is_online": BOOLEAN, "provider": STRING,
    }),
    "Reason": _object({"code": {"type": "string", "example": "size"},
                       "it": {"type": "string", "example": "Non previsto per le medie imprese"},
                       "en": {"type": "string", "example": "Not for medium-sized companies"}}),
    "Eligibility": _object({"status": {"type": "string", "enum": list(ELIGIBILITY_STATUSES)},
                            "reasons": {"type": "array", "items": ref("Reason")}}),
    "Grant": _object({
        "id": {"type": "integer", "example": 12}, "source": {"type": "string", "example": "incentivi.gov.it"},
        "external_id": {"type": "string", "example": "1234"},
        "title": {"type": "string", "example": "Voucher digitalizzazione PMI"}, "description": STRING,
        "purposes": {"type": "array"}, "opens_on": nullable(DATE), "closes_on": nullable(DATE),
        "opening_notes": nullable(STRING), "sizes": {"type": "array", "example": ["micro", "small"]},
        "subject_types": {"type": "array"}, "aid_forms": {"type": "array"}, "eligible_costs": {"type": "array"},
        "spend_min_eur": nullable(NUMBER), "spend_max_eur": nullable(NUMBER),
        "aid_min_eur": nullable(NUMBER), "aid_max_eur": nullable(NUMBER),
        "sectors": {"type": "array"}, "is_all_sectors": BOOLEAN, "ateco_codes": {"type": "array"},
        "regions": {"type": "array", "example": ["Piemonte"]}, "comuni_istat": {"type": "array"},
        "territorial_scope": {"type": "array"}, "granting_body": nullable(STRING),
        "budget_eur": nullable(NUMBER), "link": nullable(STRING),
        "dimensions": {"type": "array", "description": "questionnaire dimensions the grant funds"},
        "is_open": {"type": "boolean", "description": "open on the open_on date of the request (never when "
                                                      "withdrawn)"},
        "status": {"type": "string", "enum": ["new", "amended", "withdrawn", "unchanged"],
                   "description": "on the source catalogue: new (first seen in the last 7 days), amended "
                                  "(changed in the last 7 days), withdrawn (no longer listed), or unchanged"},
        "first_seen_at": DATE_TIME,
        "last_seen_at": {**DATE_TIME, "description": "last seen on its catalogue (for a national grant still "
                                                     "listed: the start of the last complete sync)"},
        "last_changed_at": DATE_TIME, "withdrawn_at": nullable(DATE_TIME),
        "eligibility": {"allOf": [ref("Eligibility")],
                        "description": "present only when a company filter is given"},
    }, required=("id", "source", "external_id", "title", "opens_on", "closes_on", "sizes", "regions",
                 "comuni_istat", "is_all_sectors", "ateco_codes", "dimensions", "is_open", "status",
                 "first_seen_at", "last_seen_at", "last_changed_at", "withdrawn_at")),
    "TrackPage": _page_of("Track"),
    "GrantPage": _object({"items": {"type": "array", "items": ref("Grant")}, **_PAGE, "open_on": DATE,
                          "changed_since": {**DATE_TIME, "description": "present when the request gave one"}},
                         required=("items", *_PAGE, "open_on")),
    "GrantSync": _object({
        "id": {"type": "integer", "example": 41},
        "source_url": {"type": "string", "example": "https://www.incentivi.gov.it/solr/coredrupal/select"},
        "is_dry_run": BOOLEAN, "outcome": {"type": "string", "enum": ["running", "succeeded", "failed"]},
        "started_at": DATE_TIME, "finished_at": nullable(DATE_TIME),
        "pages": {"type": "integer", "minimum": 0, "example": 12},
        "found": {"type": "integer", "minimum": 0, "description": "numFound announced by the portal"},
        "seen": {"type": "integer", "minimum": 0, "example": 5980},
        "new": INTEGER, "amended": INTEGER, "withdrawn": INTEGER, "reappeared": INTEGER, "rejected": INTEGER,
        "rejections": {"type": "array", "items": _object({"external_id": STRING, "reason": STRING})},
        "error": nullable({"type": "string", "description": "why a failed sync changed nothing"}),
    }),
    "GrantSyncPage": _object({"items": {"type": "array", "items": ref("GrantSync")}, **_PAGE,
                              "last_good_sync_at": nullable(DATE_TIME)}),
    "Company": _object({
        "id": {"type": "integer", "example": 3}, "name": nullable({"type": "string", "example": "Rossi srl"}),
        "vat_number": nullable(STRING), "email": nullable(STRING),
        "ateco_code": {"type": "string", "example": "10.71.10"}, "ateco_section": {"type": "string"},
        "comune": _object({"istat_code": STRING, "name": STRING, "province_code": STRING,
                           "region_name": STRING}),
        "employees": {"type": "integer", "minimum": 0}, "annual_turnover_eur": {"type": "integer", "minimum": 0},
        "size_class": {"type": "string", "enum": list(SIZE_CLASSES)}, "themes": STRINGS, "language": STRING,
        "created_at": DATE_TIME, "assessments": {"type": "integer", "minimum": 0},
        "latest_assessment": nullable(ref("Assessment")),
    }),
    "CompanyPage": _page_of("Company"),
    "Matches": _object({"company_id": INTEGER, "assessment_id": nullable(INTEGER),
                        "tracks": {"type": "array", "items": ref("TrackRecommendation")},
                        "grants": {"type": "array", "items": ref("GrantRecommendation")}}),
    "Statistics": _object({
        "min_group": {"type": "integer", "example": 5,
                      "description": "groups smaller than this are suppressed (null)"},
        "submitted_assessments": {"type": "integer", "minimum": 0, "example": 120},
        "companies": {"type": "integer", "minimum": 0, "example": 95},
        "overall": _object({"count": INTEGER, "mean": nullable(NUMBER), "median": nullable(NUMBER)}),
        "levels": {"type": "array", "items": _object({
            "level": STRING, "count": nullable(INTEGER), "is_suppressed": BOOLEAN})},
        "dimensions": {"type": "array", "items": _object({
            "dimension": STRING, "count": INTEGER, "mean": nullable(NUMBER), "is_suppressed": BOOLEAN})},
    }),
    "OpenApiDocument": {"type": "object", "required": ["openapi", "paths"], "additionalProperties": True},
}


def example_of(schema: dict, depth: int = 0) -> Any:
    """A sample value built from a schema's `example` keys, for the docs page."""
    if "$ref" in schema:
        return example_of(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]], depth + 1) if depth < 6 else {}
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    for combined in ("oneOf", "allOf"):
        if combined in schema:
            return example_of(schema[combined][0], depth + 1)
    kind = schema.get("type")
    if kind == "object":
        return {name: example_of(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_of(schema["items"], depth + 1)] if "items" in schema and depth < 6 else []
    return {"string": "…", "integer": 0, "number": 0.0, "boolean": False}.get(kind)
