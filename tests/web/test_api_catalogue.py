"""Public catalogue endpoints: paged tracks and grants, the eligibility filters, JSON errors, rate limits,
and query counts that do not grow with the rows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessment.api.schemas import MAX_ID
from tests.web.test_admin_access import add_grant, add_track

PAGE_KEYS = {"items", "page", "per_page", "total", "pages"}
TODAY = date.today()


def test_tracks_are_paged_with_one_shape(client, db_session):
    for n in range(3):
        add_track(f"T-{n}", starts_on=TODAY + timedelta(days=n))
    add_track("OFF", is_active=False)
    first = client.get("/api/v1/tracks?per_page=2").get_json()
    assert set(first) == PAGE_KEYS
    assert (first["total"], first["pages"], len(first["items"])) == (3, 2, 2)
    assert [t["code"] for t in first["items"]] == ["T-0", "T-1"]  # soonest first
    second = client.get("/api/v1/tracks?per_page=2&page=2").get_json()
    assert [t["code"] for t in second["items"]] == ["T-2"]
    assert first["items"][0]["free_seats"] == 10


@pytest.mark.parametrize("query, field", [("per_page=101", "per_page"), ("page=0", "page"),
                                          ("page=x", "page"), ("format=cinema", "format")])
def test_bad_query_parameters_are_422_naming_each(client, db_session, query, field):
    response = client.get(f"/api/v1/tracks?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (422, "invalid") and field in error["fields"]


def test_one_track_and_unknown_ids(client, db_session):
    track = add_track("T-9")
    hidden = add_track("T-OFF", is_active=False)
    assert client.get(f"/api/v1/tracks/{track.id}").get_json()["code"] == "T-9"
    for track_id in (hidden.id, 999_999, MAX_ID + 1):
        response = client.get(f"/api/v1/tracks/{track_id}")
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_grants_open_on_a_date(client, db_session):
    add_grant("OPEN", opens_on=TODAY - timedelta(days=10), closes_on=TODAY + timedelta(days=10))
    add_grant("CLOSED", closes_on=TODAY - timedelta(days=1))
    body = client.get("/api/v1/grants").get_json()
    assert set(body) == PAGE_KEYS | {"open_on"} and body["open_on"] == TODAY.isoformat()
    assert [g["external_id"] for g in body["items"]] == ["OPEN"]
    assert "eligibility" not in body["items"][0]
    earlier = (TODAY - timedelta(days=5)).isoformat()
    assert {g["external_id"] for g in client.get(f"/api/v1/grants?open_on={earlier}").get_json()["items"]} == {
        "OPEN", "CLOSED"}
    assert "open_on" in client.get("/api/v1/grants?open_on=2025-02-30").get_json()["error"]["fields"]


def test_grant_eligibility_filters(client, db_session):
    small = add_grant("SMALL", sizes=["micro", "small"], regions=["Piemonte"])
    add_grant("LARGE", sizes=["large"])
    body = client.get("/api/v1/grants?size_class=micro&region=Piemonte").get_json()
    statuses = {g["external_id"]: g["eligibility"]["status"] for g in body["items"]}
    assert statuses["LARGE"] == "not eligible" and statuses["SMALL"] != "not eligible"
    only = client.get("/api/v1/grants?size_class=micro&status=not%20eligible").get_json()
    assert [g["external_id"] for g in only["items"]] == ["LARGE"] and only["total"] == 1
    detail = client.get(f"/api/v1/grants/{small.id}?size_class=large").get_json()
    assert detail["eligibility"]["status"] == "not eligible" and detail["eligibility"]["reasons"]


@pytest.mark.parametrize("query, field", [("status=eligible", "status"), ("region=Atlantide", "region"),
                                          ("comune_istat=999999", "comune_istat"), ("ateco_code=99.99", "ateco_code"),
                                          ("size_class=giant", "size_class")])
def test_wrong_company_filters_are_422(client, db_session, query, field):
    response = client.get(f"/api/v1/grants?{query}")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_owner_reads_the_same_recommendations_as_on_creation(client, db_session):
    from assessment.services.questionnaires import latest_version, questionnaire_of
    from tests.factories import answers_for, profile

    add_track("T-REC")
    created = client.post("/api/v1/assessments", json={
        "questionnaire": "dma-sme", "profile": profile(),
        "answers": answers_for(questionnaire_of(latest_version("dma-sme")), "min")}).get_json()
    url = f"/api/v1/assessments/{created['id']}/recommendations"
    by_header = client.get(url, headers={"Authorization": f"Bearer {created['token']}"})
    assert by_header.status_code == 200 and by_header.get_json() == created["recommendations"]
    assert client.get(f"{url}?token={created['token']}").get_json() == created["recommendations"]
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"questionnaire": "dma-sme", "profile": {"employees": "²"}, "answers": {}}, "profile.employees"),
    ({"questionnaire": "dma-sme", "profile": {"company_name": "a\x00b"}, "answers": {}}, "profile.company_name"),
    ({"questionnaire": "dma-sme", "profile": {"annual_turnover_eur": 10**30}, "answers": {}},
     "profile.annual_turnover_eur"),
    ({"questionnaire": "dma-sme", "profile": {}, "answers": {}, "language": "fr"}, "language"),
])
def test_values_no_column_holds_are_422_not_500(client, db_session, body, field):
    response = client.post("/api/v1/assessments", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_reference_suggestions(client, db_session):
    assert "001125" in {c["istat_code"] for c in client.get("/api/v1/comuni?q=Ivrea").get_json()["items"]}
    assert client.get("/api/v1/ateco?q=10.71").get_json()["items"]
    assert client.get("/api/v1/comuni?q=a%00b").status_code == 422


def test_public_endpoints_are_rate_limited(rate_limited_app):
    client = rate_limited_app.test_client()
    statuses = [client.get("/api/v1/tracks").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120
    assert statuses[-1] == 429
    assert client.get("/api/v1/tracks").get_json()["error"]["status"] == 429
    # Suggestions while typing allow a workshop's owners behind one address.
    statuses = [client.get("/api/v1/comuni?q=").status_code for _ in range(601)]
    assert statuses[:600] == [200] * 600 and statuses[-1] == 429


@pytest.mark.parametrize("path, add", [("/api/v1/tracks", lambda n: add_track(f"Q-{n}")),
                                       ("/api/v1/grants?size_class=micro&region=Piemonte&status=any",
                                        lambda n: add_grant(f"Q-{n}", regions=["Piemonte"]))])
def test_query_count_does_not_grow_with_rows(client, count_queries, path, add):
    add(0)
    with count_queries() as one:
        assert len(client.get(path).get_json()["items"]) == 1
    for n in range(1, 12):
        add(n)
    with count_queries() as many:
        assert len(client.get(path).get_json()["items"]) == 12
    assert many.count == one.count


def test_a_method_not_allowed_says_which_are(client):
    response = client.delete("/api/v1/tracks")
    assert response.status_code == 405 and response.get_json()["error"]["status"] == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_only_ascii_digits_are_numbers(client, db_session):
    track = add_track("T-DIGITS")
    full_width = str(track.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(f"/api/v1/tracks/{track.id}").status_code == 200
    assert client.get(f"/api/v1/tracks/{full_width}").status_code == 404  # int() would read it as the same id
    response = client.get("/api/v1/tracks?page=２")
    assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]
    response = client.get("/api/v1/grants?open_on=２０２６-01-01")
    assert response.status_code == 422 and "open_on" in response.get_json()["error"]["fields"]


def test_staff_endpoints_are_rate_limited_even_for_wrong_tokens(rate_limited_app):
    client = rate_limited_app.test_client()
    headers = {"Authorization": "Bearer not-a-token"}
    statuses = [client.get("/api/v1/statistics", headers=headers).status_code for _ in range(121)]
    assert statuses[:120] == [401] * 120 and statuses[-1] == 429


def test_an_unknown_thematic_area_is_a_422_naming_the_known_ones(client, db_session):
    track = add_track("T-AREA")
    found = client.get(f"/api/v1/tracks?thematic_area={track.thematic_area_key}").get_json()
    assert [t["code"] for t in found["items"]] == ["T-AREA"]
    response = client.get("/api/v1/tracks?thematic_area=nope")
    assert response.status_code == 422
    assert track.thematic_area_key in response.get_json()["error"]["fields"]["thematic_area"]


def test_ateco_suggestions_come_likeliest_first(client, db_session):
    codes = [item["value"] for item in client.get("/api/v1/ateco?q=bar").get_json()["items"]]
    assert codes[0] == "56.30.01"  # the bar, not beets or steel bars
    codes = [item["value"] for item in client.get("/api/v1/ateco?q=pizzeria").get_json()["items"]]
    assert codes[0] == "56.11.11"
