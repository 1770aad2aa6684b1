"""The API's view of the catalogue's life: grants changed since a moment, with their status; the sync log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from assessment.extensions import db
from assessment.models import GrantSync, SyncOutcome, utcnow
from tests.web.test_admin_access import add_grant
from tests.web.test_api_staff import bearer  # noqa: F401 - the fixture

LONG_AGO = utcnow() - timedelta(days=40)


def old_grant(external_id: str, **values):
    return add_grant(external_id, **{"first_seen_at": LONG_AGO, "last_seen_at": LONG_AGO,
                                     "last_changed_at": LONG_AGO, **values})


@pytest.fixture
def catalogue(db_session):
    """Grants with a history: one unchanged for weeks, one amended, one withdrawn, one new, one closed+amended."""
    now = utcnow()
    return {
        "unchanged": old_grant("OLD"),
        "amended": old_grant("AMENDED", last_changed_at=now - timedelta(days=2)),
        "withdrawn": old_grant("GONE", withdrawn_at=now - timedelta(days=1)),
        "new": add_grant("NEW", first_seen_at=now, last_seen_at=now, last_changed_at=now),
        "closed": old_grant("CLOSED", closes_on=(now - timedelta(days=30)).date(),
                            last_changed_at=now - timedelta(days=3)),
    }


def ids(body) -> list[str]:
    return [item["external_id"] for item in body["items"]]


def test_changed_since_lists_what_changed_withdrawn_and_closed_ones_included(client, catalogue):
    since = (utcnow() - timedelta(days=5)).replace(microsecond=0).isoformat() + "Z"
    body = client.get(f"/api/v1/grants?changed_since={since}").get_json()
    assert sorted(ids(body)) == ["AMENDED", "CLOSED", "GONE", "NEW"] and body["total"] == 4
    assert body["changed_since"] == since
    by_id = {item["external_id"]: item for item in body["items"]}
    assert by_id["AMENDED"]["status"] == "amended" and by_id["NEW"]["status"] == "new"
    assert by_id["GONE"]["status"] == "withdrawn" and by_id["GONE"]["withdrawn_at"].endswith("Z")
    assert by_id["GONE"]["is_open"] is False and by_id["CLOSED"]["is_open"] is False
    assert by_id["NEW"]["first_seen_at"].endswith("Z") and by_id["NEW"]["withdrawn_at"] is None
    assert by_id["NEW"]["last_seen_at"].endswith("Z")
    # A date means the start of that day in Italy; later than every change: nothing.
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert client.get(f"/api/v1/grants?changed_since={tomorrow}").get_json()["items"] == []
    day = (utcnow() - timedelta(days=1, hours=12)).date().isoformat()
    assert "GONE" in ids(client.get(f"/api/v1/grants?changed_since={day}").get_json())


def test_a_past_local_call_loaded_today_is_not_new(client, db_session):
    """A chamber voucher of 2023 loaded on installation day was closed before anyone saw it here."""
    now = utcnow()
    add_grant("CCIAA-2023", source="cciaa-torino", opens_on=(now - timedelta(days=900)).date(),
              closes_on=(now - timedelta(days=800)).date(), first_seen_at=now, last_seen_at=now, last_changed_at=now)
    since = (now - timedelta(days=1)).replace(microsecond=0).isoformat() + "Z"
    [item] = client.get(f"/api/v1/grants?changed_since={since}").get_json()["items"]
    assert item["status"] == "unchanged" and item["is_open"] is False


def test_without_changed_since_a_withdrawn_grant_is_not_listed_as_open(client, catalogue):
    body = client.get("/api/v1/grants").get_json()
    assert sorted(ids(body)) == ["AMENDED", "NEW", "OLD"]
    assert {item["external_id"]: item["status"] for item in body["items"]} == {
        "AMENDED": "amended", "NEW": "new", "OLD": "unchanged"}
    gone = client.get(f"/api/v1/grants/{catalogue['withdrawn'].id}").get_json()
    assert gone["status"] == "withdrawn" and gone["is_open"] is False


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-12-01T25:00:00", "2026-12-01T"])
def test_a_bad_changed_since_is_422_naming_it(client, db_session, value):
    response = client.get(f"/api/v1/grants?changed_since={value}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "changed_since" in error["fields"]
    assert "date-time" in error["fields"]["changed_since"]


def test_the_sync_log_is_for_admin_tokens(client, bearer):  # noqa: F811
    finished = utcnow() - timedelta(hours=3)
    db.session.add_all([
        GrantSync(source_url="https://www.incentivi.gov.it/solr/coredrupal/select", outcome=SyncOutcome.succeeded,
                  started_at=finished - timedelta(minutes=1), finished_at=finished, pages=12, found=5980, seen=5980,
                  new=4, amended=9, withdrawn=1, rejected=1, rejections=[["4711", "missing Titolo"]]),
        GrantSync(source_url="https://www.incentivi.gov.it/solr/coredrupal/select", outcome=SyncOutcome.failed,
                  started_at=finished, finished_at=finished + timedelta(minutes=1), error="page 2: HTTP 503"),
    ])
    db.session.flush()
    assert client.get("/api/v1/grant-syncs").status_code == 401
    assert client.get("/api/v1/grant-syncs", headers=bearer("coach")).status_code == 403
    body = client.get("/api/v1/grant-syncs", headers=bearer("admin")).get_json()
    assert body["total"] == 2 and [s["outcome"] for s in body["items"]] == ["failed", "succeeded"]
    failed, good = body["items"]
    assert failed["error"] == "page 2: HTTP 503" and failed["finished_at"].endswith("Z")
    assert (good["seen"], good["new"], good["amended"], good["withdrawn"]) == (5980, 4, 9, 1)
    assert good["rejections"] == [{"external_id": "4711", "reason": "missing Titolo"}]
    assert body["last_good_sync_at"] == good["finished_at"]
