"""POST /api/v1/assessments: the same numbers as the CLI and the web; errors per field."""
from __future__ import annotations

import json

import pytest

from assessment.services.questionnaires import latest_version, questionnaire_of
from tests.factories import answers_for, profile


@pytest.fixture
def questionnaire(app, db_session):
    return questionnaire_of(latest_version("dma-sme"))


def test_create_returns_scores_and_result_url(client, questionnaire):
    answers = answers_for(questionnaire, "mid")
    response = client.post("/api/v1/assessments", json={"questionnaire": "dma-sme", "profile": profile(),
                                                         "answers": answers})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "overall", "level", "dimensions", "result_url", "recommendations"}
    assert set(body["dimensions"]) == {d.key for d in questionnaire.dimensions}
    assert body["level"] in {level.key for level in questionnaire.levels}
    assert set(body["recommendations"]) == {"tracks", "grants"}
    # The owner's token reads it back, and nothing else does.
    token = body["token"]
    read = client.get(f"/api/v1/assessments/{body['id']}", headers={"Authorization": f"Bearer {token}"})
    assert read.status_code == 200 and read.get_json()["overall"] == body["overall"]
    assert client.get(f"/api/v1/assessments/{body['id']}",
                      headers={"Authorization": "Bearer wrong"}).status_code == 404


def test_cli_api_and_web_agree(client, runner, questionnaire, tmp_path):
    answers = answers_for(questionnaire, "mid")
    api = client.post("/api/v1/assessments", json={"questionnaire": "dma-sme", "profile": profile(),
                                                    "answers": answers}).get_json()
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    result = runner.invoke(args=["questionnaire", "score", "dma-sme", str(path)])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    assert cli["overall"] == pytest.approx(api["overall"])
    assert cli["level"] == api["level"]
    assert cli["dimensions"] == pytest.approx(api["dimensions"])
    html = client.get(api["result_url"].split("localhost")[-1]).get_data(as_text=True)
    assert f"{api['overall']:.1f}".replace(".", ",") in html


@pytest.mark.parametrize("patch, field", [
    ({"profile": {"vat_number": "123"}}, "profile.vat_number"),
    ({"profile": {"privacy_accepted": False}}, "profile.privacy_accepted"),
    ({"profile": {"comune_istat": "999999"}}, "profile.comune_istat"),
    ({"profile": {"ateco_code": "99.99.99"}}, "profile.ateco_code"),
    ({"profile": {"employees": "many"}}, "profile.employees"),
    ({"profile": {"email": "mario.rossi"}}, "profile.email"),
    ({"profile": {"email": "mario@"}}, "profile.email"),
    # The API takes JSON types: text that merely looks like a number or a yes is refused, not guessed.
    ({"profile": {"employees": "4"}}, "profile.employees"),
    ({"profile": {"employees": True}}, "profile.employees"),
    ({"profile": {"privacy_accepted": "true"}}, "profile.privacy_accepted"),
    ({"profile": {"coach_contact": "yes"}}, "profile.coach_contact"),
    ({"profile": {"themes": ["nope"]}}, "profile.themes"),
    ({"profile": {"themes": "digital_innovation"}}, "profile.themes"),
    ({"profile": {"junk": "x" * 1999}}, "profile.junk"),  # nothing unknown is stored
    ({"profile": {"company_name": "Ctrl\x07Co"}}, "profile.company_name"),  # no spreadsheet can hold it
    ({"questionnaire": "nope"}, "questionnaire"),
    ({"answers": []}, "answers"),
])
def test_invalid_input_is_422_with_an_error_per_field(client, questionnaire, patch, field):
    body = {"questionnaire": "dma-sme", "profile": profile(), "answers": answers_for(questionnaire)}
    for key, value in patch.items():
        if isinstance(value, dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    response = client.post("/api/v1/assessments", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_unknown_option_is_reported_on_its_question(client, questionnaire):
    answers = answers_for(questionnaire)
    first = questionnaire.questions[0]
    answers[first.key] = "no-such-option" if first.type != "multi" else ["no-such-option"]
    response = client.post("/api/v1/assessments", json={"questionnaire": "dma-sme", "profile": profile(),
                                                         "answers": answers})
    assert response.status_code == 422
    assert f"answers.{first.key}" in response.get_json()["error"]["fields"]


def test_the_skills_self_check_is_not_a_company_assessment(client, questionnaire, db_session):
    from assessment.models import Assessment

    skills = questionnaire_of(latest_version("skills-digcomp"))
    count = db_session.query(Assessment).count
    before = count()
    response = client.post("/api/v1/assessments", json={"questionnaire": "skills-digcomp", "profile": profile(),
                                                         "answers": answers_for(skills)})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["questionnaire"] == \
        "a person's questionnaire: not for a company assessment"
    assert count() == before


def test_not_json_is_400(client):
    response = client.post("/api/v1/assessments", data="x", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_json_nested_absurdly_deep_is_400(client, body):
    response = client.post("/api/v1/assessments", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_questionnaire_definition(client, questionnaire):
    body = client.get("/api/v1/questionnaires/dma-sme").get_json()
    assert body["key"] == "dma-sme" and len(body["dimensions"]) == len(questionnaire.dimensions)
    assert client.get("/api/v1/questionnaires/nope").status_code == 404


def test_recommendations_have_the_agreed_shape_and_agree_with_page_and_pdf(client, questionnaire, monkeypatch):
    from datetime import date, timedelta

    from assessment.reports import pdf
    from tests.web.test_admin_access import add_grant, add_track

    for code, dimension in (("T-DATA", "data_security"), ("T-GREEN", "green_digital"), ("T-AI", "automation_ai")):
        add_track(code, dimension_weights={dimension: 1.0})
    add_grant("OPEN", title="Voucher sicurezza informatica", closes_on=date.today() + timedelta(days=30),
              purposes=["Digitalizzazione"], description="cybersecurity e backup dei dati")
    add_grant("CLOSED", title="Bando chiuso", closes_on=date.today() - timedelta(days=1))
    body = client.post("/api/v1/assessments", json={"questionnaire": "dma-sme", "profile": profile(),
                                                    "answers": answers_for(questionnaire, "min")}).get_json()
    tracks, grants = body["recommendations"]["tracks"], body["recommendations"]["grants"]
    assert len(tracks) == 3 and [t["score"] for t in tracks] == sorted((t["score"] for t in tracks), reverse=True)
    assert all({"id", "title", "score", "explanation"} <= set(t) for t in tracks)
    assert [g["external_id"] for g in grants] == ["OPEN"]  # a closed grant never appears
    assert {"id", "title", "score", "explanation", "source", "external_id", "closes_on",
            "eligibility"} <= set(grants[0])
    assert grants[0]["eligibility"] in ("eligible", "to check")
    assert grants[0]["closes_on"] == (date.today() + timedelta(days=30)).isoformat()
    html = client.get(body["result_url"].split("localhost")[-1]).get_data(as_text=True)
    positions = [html.index(t["title"]) for t in tracks]
    assert positions == sorted(positions) and "Voucher sicurezza informatica" in html
    rendered = {}
    # Read what the PDF renders, without rendering it.
    monkeypatch.setattr(pdf, "HTML", lambda string, **_: rendered.setdefault("html", string) and _NoPdf())
    client.get(body["result_url"].split("localhost")[-1] + "/rapporto.pdf")
    assert all(t["title"] in rendered["html"] for t in tracks) and "Voucher sicurezza informatica" in rendered["html"]
    # Sent in English, answered in English: titles and reasons, when posting and when reading again.
    english = client.post("/api/v1/assessments", json={
        "questionnaire": "dma-sme", "language": "en", "profile": profile(),
        "answers": answers_for(questionnaire, "min")}).get_json()
    assert {t["title"] for t in english["recommendations"]["tracks"]} <= {"Track T-DATA", "Track T-GREEN", "Track T-AI"}
    again = client.get(f"/api/v1/assessments/{english['id']}/recommendations",
                       headers={"Authorization": f"Bearer {english['token']}"}).get_json()
    assert [t["title"] for t in again["tracks"]] == [t["title"] for t in english["recommendations"]["tracks"]]
    assert [t["explanation"] for t in again["tracks"]] == [t["explanation_en"] for t in again["tracks"]]


class _NoPdf:
    def write_pdf(self, *args, **kwargs) -> bytes:
        return b"%PDF-1.7 test"


def test_known_themes_are_stored_with_the_company(client, questionnaire, db_session):
    from assessment.models import Assessment, ThematicArea

    key = "digital_innovation"
    db_session.add(ThematicArea(key=key, name_it="Innovazione digitale", name_en="Digital innovation"))
    db_session.flush()
    response = client.post("/api/v1/assessments", json={
        "questionnaire": "dma-sme", "profile": {**profile(), "themes": [key]}, "answers": answers_for(questionnaire)})
    assert response.status_code == 201, response.get_json()
    assert db_session.get(Assessment, response.get_json()["id"]).company.themes == [key]


def test_an_assessment_sent_in_english_is_answered_in_english(client, questionnaire):
    body = {"questionnaire": "dma-sme", "language": "en", "profile": {**profile(), "vat_number": "123"},
            "answers": answers_for(questionnaire)}
    response = client.post("/api/v1/assessments", json=body)
    assert response.status_code == 422
    assert "11 digits" in response.get_json()["error"]["fields"]["profile.vat_number"]
    assert "11 cifre" in client.post("/api/v1/assessments", json={**body, "language": "it"}).get_json()[
        "error"]["fields"]["profile.vat_number"]
    body["profile"] = profile()
    created = client.post("/api/v1/assessments", json=body).get_json()
    # The owner's link opens in the assessment's language in a browser that never chose one.
    result = client.get(created["result_url"].split("localhost")[-1])
    assert '<html lang="en">' in result.get_data(as_text=True)


def test_a_program_reads_the_api_document_in_the_language_it_accepts(client):
    italian = client.get("/api/v1/openapi.json").get_json()
    english = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert italian["paths"]["/api/v1/tracks"]["get"]["summary"] != english["paths"]["/api/v1/tracks"]["get"]["summary"]
    assert "Active tracks" in english["paths"]["/api/v1/tracks"]["get"]["summary"]


def test_questionnaire_load_stores_new_files_once_and_names_a_broken_one(app, runner, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from assessment.extensions import db
    from assessment.models import QuestionnaireVersion

    shutil.copy(Path(app.config["QUESTIONNAIRE_DIR"]) / "dma-sme.yaml", tmp_path / "dma-sme.yaml")
    monkeypatch.setitem(app.config, "QUESTIONNAIRE_DIR", str(tmp_path))
    count = db.session.execute(db.select(db.func.count()).select_from(QuestionnaireVersion)).scalar_one()
    result = runner.invoke(args=["questionnaire", "load"])
    assert result.exit_code == 0 and "dma-sme" in result.output
    assert db.session.execute(db.select(db.func.count()).select_from(QuestionnaireVersion)).scalar_one() == count
    (tmp_path / "broken.yaml").write_text("key: broken\nversion: '1'\ndimensions: []\n", encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "load"])
    assert result.exit_code != 0 and "Traceback" not in result.output and "Error" in result.output


def test_a_company_code_is_six_digits_and_the_error_lists_them(client, questionnaire):
    body = {"questionnaire": "dma-sme", "profile": {**profile(), "ateco_code": "96.21"},
            "answers": answers_for(questionnaire)}
    response = client.post("/api/v1/assessments", json=body)
    assert response.status_code == 422
    assert "96.21.00" in response.get_json()["error"]["fields"]["profile.ateco_code"]
