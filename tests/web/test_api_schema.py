"""The OpenAPI document describes every API route, and schemathesis, fuzzing every operation from it, finds
no server error and no response that breaks it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from assessment.api.openapi import build_document, undocumented_rules
from assessment.models import TrackFormat
from assessment.services.api_tokens import issue_token
from tests.factories import submit_company
from tests.web.test_admin_access import add_grant, add_track


@pytest.fixture
def admin_secret(db_session, make_user) -> str:
    _token, secret = issue_token(make_user("admin"), "schemathesis")
    db_session.commit()  # kept when a fuzzed request rolls its own work back
    return secret


@pytest.fixture
def rows(db_session) -> dict:
    """A little of everything, so lists have items whose shape is checked too."""
    today = date.today()
    tracks = [add_track("S-1", place="Ivrea", starts_on=today), add_track("S-2", format=TrackFormat.online_course)]
    grants = [add_grant("S-1", sizes=["micro"], regions=["Piemonte"], closes_on=today + timedelta(days=30),
                        aid_max_eur=50_000.0, link="https://example.org"), add_grant("S-2")]
    company, assessment, token = submit_company()
    db_session.commit()
    return {"track": tracks[0].id, "grant": grants[0].id, "company": company.id, "assessment": assessment.id,
            "token": token}


@pytest.fixture
def api_schema(app, db_session):
    with app.test_request_context():
        document = build_document(app)
    return schemathesis.from_dict(document, app=app)


schema = schemathesis.from_pytest_fixture("api_schema")


def test_every_api_route_declares_its_operation(app):
    assert undocumented_rules(app) == []


def test_document_is_served_and_lists_the_staff_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/tracks", "/api/v1/grants", "/api/v1/companies", "/api/v1/statistics",
            "/api/v1/companies/{company_id}/matches"} <= set(document["paths"])
    assert document["paths"]["/api/v1/statistics"]["get"]["security"] == [{"staffToken": []}]
    assert "403" in document["paths"]["/api/v1/statistics"]["get"]["responses"]
    assert document["paths"]["/api/v1/tracks"]["get"]["security"] == []


def test_docs_page_is_rendered_from_the_document_without_scripts(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "/api/v1/grants" in html and "open_on" in html and "Bearer" in html
    assert "<script" not in html


# Nothing is excluded: every operation, POST /assessments included, is fuzzed. The admin token reaches the
# staff endpoints (401 and 403 are tested in test_api_staff.py); the owner's endpoints answer 404 to it.
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_document(case, admin_secret, rows):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_secret}"})


# Bodies that break the schema on purpose (wrong types, missing fields): a 400 or a 422, never a 500.
@schema.include(method="POST", path="/api/v1/assessments").parametrize(
    data_generation_methods=[schemathesis.DataGenerationMethod.negative])
@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_malformed_assessments_are_refused_with_4xx(case):
    response = case.call_and_validate()
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize("path, url, who", [
    ("/api/v1/tracks", "/api/v1/tracks", None),
    ("/api/v1/tracks/{track_id}", "/api/v1/tracks/{track}", None),
    ("/api/v1/grants", "/api/v1/grants?size_class=micro&region=Piemonte", None),
    ("/api/v1/grants/{grant_id}", "/api/v1/grants/{grant}?comune_istat=001125", None),
    ("/api/v1/assessments/{assessment_id}", "/api/v1/assessments/{assessment}", "owner"),
    ("/api/v1/assessments/{assessment_id}/recommendations", "/api/v1/assessments/{assessment}/recommendations",
     "owner"),
    ("/api/v1/companies", "/api/v1/companies", "admin"),
    ("/api/v1/companies/{company_id}", "/api/v1/companies/{company}", "admin"),
    ("/api/v1/companies/{company_id}/matches", "/api/v1/companies/{company}/matches", "admin"),
    ("/api/v1/statistics", "/api/v1/statistics", "admin"),
    ("/api/v1/statistics", "/api/v1/statistics", "nobody"),
])
def test_responses_about_real_rows_conform(client, api_schema, rows, admin_secret, path, url, who):
    # Random ids rarely hit a row: these requests do, so the 200 bodies are checked as well.
    secret = {"owner": rows["token"], "admin": admin_secret, "nobody": "wrong"}.get(who)
    response = client.get(url.format(**rows), headers={"Authorization": f"Bearer {secret}"} if secret else {})
    assert response.status_code == (401 if who == "nobody" else 200)
    api_schema[path]["GET"].validate_response(response)


def test_error_examples_are_what_the_api_sends(client):
    document = client.get("/api/v1/openapi.json").get_json()
    examples = {}
    for methods in document["paths"].values():
        for body in methods.values():
            for status, response in body["responses"].items():
                if status >= "400":
                    examples[int(status)] = response["content"]["application/json"]["example"]["error"]
    assert {status: example["status"] for status, example in examples.items()} == {s: s for s in examples}
    sent = {404: client.get(f"/api/v1/grants/{2**31 - 1}").get_json()["error"],
            401: client.get("/api/v1/companies").get_json()["error"],
            400: client.post("/api/v1/assessments", json=[1]).get_json()["error"],
            422: client.get("/api/v1/grants?open_on=tomorrow").get_json()["error"]}
    for status, error in sent.items():
        assert (error["status"], error["code"]) == (status, examples[status]["code"])
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "no such grant" in docs and "the body must be a JSON object" in docs
