"""A coach or a programme manager logged in while the database goes away gets the friendly 503, like an owner:
building that page never asks the database again (not for the user, not for the language)."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import CoachProfile, Role, User
from assessment.services.passwords import hash_password
from tests.factories import propose, submit_company
from tests.web.test_faults import ScratchDatabase, _assert_friendly_503


@pytest.fixture(scope="module")
def scratch(database_url, tmp_path_factory):
    database = ScratchDatabase(database_url, tmp_path_factory.mktemp("staff-outage"))
    try:
        yield database
    finally:
        database.up()
        database.drop()


def _logged_in(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def test_staff_pages_give_the_friendly_503_while_the_database_is_down(scratch):
    app = scratch.new_app()
    with app.app_context():
        coach = User(email="coach-outage@example.org", name="Coach", role=Role.coach, language="en",
                     password_hash=hash_password("correct horse battery"), coach_profile=CoachProfile())
        admin = User(email="admin-outage@example.org", name="Admin", role=Role.admin,
                     password_hash=hash_password("correct horse battery"))
        db.session.add_all([coach, admin])
        company = submit_company(coach_contact=True)[0]
        db.session.flush()
        propose(company, coach, "accepted")
        db.session.commit()
        coach_id, admin_id, company_id = coach.id, admin.id, company.id
    coach_client, admin_client = _logged_in(app, coach_id), _logged_in(app, admin_id)
    pages = {coach_client: ["/coach/", f"/coach/imprese/{company_id}"],
             admin_client: ["/admin/", "/admin/imprese", f"/admin/imprese/{company_id}"]}
    for client, urls in pages.items():
        for url in urls:
            assert client.get(url).status_code == 200, url

    scratch.down()
    try:
        for client, urls in pages.items():
            for url in urls:
                _assert_friendly_503(client.get(url))
        _assert_friendly_503(coach_client.post(f"/coach/imprese/{company_id}/note", data={"body": "Nota"}))
    finally:
        scratch.up()
    for client, urls in pages.items():  # back by itself, still logged in
        for url in urls:
            assert client.get(url).status_code == 200, url
