"""Staff tokens: 401 without a live token, 403 for a coach on admin endpoints, a coach sees only the companies
linked to them, every company read is audited, small groups are suppressed; the admin page that issues and
revokes tokens."""
from __future__ import annotations

import re

import pytest

from assessment.extensions import db
from assessment.models import ApiToken, AuditEntry
from assessment.services.api_tokens import issue_token, revoke_token
from tests.factories import propose, submit_company

ADMIN_ONLY = ["/api/v1/companies/{company}/matches", "/api/v1/statistics"]
STAFF = [*ADMIN_ONLY, "/api/v1/companies", "/api/v1/companies/{company}"]


@pytest.fixture
def bearer(db_session, make_user):
    """`bearer("admin")` → Authorization headers with a fresh token of a new user of that role."""
    def _bearer(role_or_user="admin") -> dict:
        user = make_user(role_or_user) if isinstance(role_or_user, str) else role_or_user
        _token, secret = issue_token(user, f"test {user.role.value}")
        return {"Authorization": f"Bearer {secret}"}

    return _bearer


@pytest.fixture
def company(db_session):
    return submit_company()[0]


def _audit_count(company_id: int) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.company_id == company_id, AuditEntry.action == "view")).scalar_one()


@pytest.mark.parametrize("path", STAFF)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}])
def test_no_live_token_is_401(client, company, path, headers):
    response = client.get(path.format(company=company.id), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(client, db_session, make_user):
    token, secret = issue_token(make_user("admin"), "to revoke")
    assert client.get("/api/v1/statistics", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoke_token(token)
    assert client.get("/api/v1/statistics", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_coach_token_is_403_on_admin_endpoints(client, company, bearer, path):
    response = client.get(path.format(company=company.id), headers=bearer("coach"))
    assert response.status_code == 403 and response.get_json()["error"]["status"] == 403


def test_coach_reads_only_the_companies_linked_to_them(client, company, bearer, make_user):
    coach, stranger = make_user("coach"), make_user("coach")
    propose(company, coach)
    assert client.get(f"/api/v1/companies/{company.id}", headers=bearer(stranger)).status_code == 404
    before = _audit_count(company.id)
    response = client.get(f"/api/v1/companies/{company.id}", headers=bearer(coach))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == company.id and body["latest_assessment"]["overall"] is not None
    assert _audit_count(company.id) == before + 1
    # The list says which: no need to probe ids.
    assert [c["id"] for c in client.get("/api/v1/companies", headers=bearer(coach)).get_json()["items"]] == [company.id]
    assert client.get("/api/v1/companies", headers=bearer(stranger)).get_json()["total"] == 0


def test_tracks_and_grants_are_open_to_coach_tokens(client, bearer):
    headers = bearer("coach")
    assert client.get("/api/v1/tracks", headers=headers).status_code == 200
    assert client.get("/api/v1/grants", headers=headers).status_code == 200


def test_admin_lists_companies_paged_and_audited(client, bearer, count_queries):
    headers = bearer("admin")
    first = submit_company()[0]
    with count_queries() as one:
        body = client.get("/api/v1/companies", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == first.id and _audit_count(first.id) == 1
    for _ in range(4):
        submit_company()
    with count_queries() as five:
        body = client.get("/api/v1/companies?per_page=3", headers=headers).get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (5, 2, 3)
    assert five.count == one.count


def test_admin_reads_a_companys_matches(client, company, bearer):
    body = client.get(f"/api/v1/companies/{company.id}/matches", headers=bearer("admin")).get_json()
    assert body["company_id"] == company.id and body["assessment_id"] is not None
    assert set(body) == {"company_id", "assessment_id", "tracks", "grants"}
    assert client.get("/api/v1/companies/999999/matches", headers=bearer("admin")).status_code == 404


def test_statistics_suppress_groups_of_fewer_than_five_companies(client, bearer):
    headers = bearer("admin")
    company = submit_company("max")[0]
    for _ in range(5):  # five assessments, one company: still one company
        submit_company("mid", company=company)
    for _ in range(3):
        submit_company("mid")
    body = client.get("/api/v1/statistics", headers=headers).get_json()
    assert (body["companies"], body["min_group"]) == (4, 5)
    assert body["overall"]["mean"] is None and body["overall"]["count"] == 9
    assert all(d["mean"] is None and d["is_suppressed"] for d in body["dimensions"])
    submit_company("mid")
    body = client.get("/api/v1/statistics", headers=headers).get_json()
    assert body["companies"] == 5 and body["overall"]["mean"] is not None
    assert all(not d["is_suppressed"] for d in body["dimensions"])
    assert client.get("/api/v1/statistics?date_from=2025-02-01&date_to=2025-01-01",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/statistics?date_to=2100-12-31", headers=headers).get_json()["companies"] == 5
    for outside in ("date_from=0001-01-01", "date_to=9999-12-31"):  # 0001 overflowed the filter: a 500
        response = client.get(f"/api/v1/statistics?{outside}", headers=headers)
        field = outside.split("=")[0]
        assert response.status_code == 422 and "between 2000-01-01 and 2100-12-31" in \
            response.get_json()["error"]["fields"][field]
    for wrong in ("comune_istat=999999", "territory_id=99999"):  # a typo is not "no companies there"
        response = client.get(f"/api/v1/statistics?{wrong}", headers=headers)
        assert response.status_code == 422 and wrong.split("=")[0] in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/statistics?comune_istat=001125", headers=headers).status_code == 200


# The admin page


def test_admin_page_issues_a_token_shown_once_and_revokes_it(client, login_as, make_user):
    login_as("admin")
    coach = make_user("coach")
    response = client.post("/admin/token-api", data={"user_id": coach.id, "name": "CRM"})
    assert response.status_code == 200
    secret = re.search(r'id="token-secret"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/tracks", headers=headers).status_code == 200
    assert client.get("/api/v1/statistics", headers=headers).status_code == 403  # a coach's token
    page = client.get("/admin/token-api").get_data(as_text=True)
    assert "CRM" in page and secret not in page and coach.email in page
    token = db.session.execute(db.select(ApiToken).filter_by(name="CRM")).scalar_one()
    assert token.last_used_at is not None
    assert client.post(f"/admin/token-api/{token.id}/revoca").status_code == 302
    assert client.get("/api/v1/tracks/1", headers=headers).status_code in (404,)  # public: token ignored
    assert client.get(f"/api/v1/companies/{1}", headers=headers).status_code == 401
    assert "revocato" in client.get("/admin/token-api").get_data(as_text=True)


def test_admin_page_refuses_a_token_without_name(client, login_as, make_user):
    login_as("admin")
    response = client.post("/admin/token-api", data={"user_id": make_user("coach").id, "name": ""})
    assert response.status_code == 422 and 'id="token-secret"' not in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(ApiToken)).scalar_one() == 0


@pytest.mark.parametrize("role, status", [("coach", 403), (None, 302)])
def test_token_page_is_for_admins_only(client, login_as, role, status):
    if role:
        login_as(role)
    assert client.get("/admin/token-api").status_code == status
