"""Pages that list rows send the same number of SQL statements for 10 and for 1,000 rows: no N+1 anywhere.
bench/bench_queries.py prints the same comparison for 10 and 1,000 rows, with the same row builders."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from bench.bench_queries import add_rows, measured_pages
from tests.factories import submit_company


@pytest.fixture
def scene(app, db_session, make_user):
    coach = make_user("coach")
    admin = make_user("admin")
    _, result, token = submit_company(coach_contact=True)
    db_session.commit()
    return {"coach": coach, "admin": admin, "": None}, result, token


def _count(client, count_queries, user, url: str) -> list[str]:
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    client.get(url)  # warm-up: first-use caches are not what this measures
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.statements


def test_pages_send_the_same_queries_for_10_and_1000_rows(app, client, count_queries, scene):
    users, result, token = scene
    pages = measured_pages(app, token)
    assert {label for label, _, _ in pages} >= {"coach dashboard", "admin /admin/", "result page"}
    add_rows(10, coach=users["coach"], result=result)
    db.session.commit()
    few = {label: _count(client, count_queries, users[role], url) for label, role, url in pages}
    add_rows(990, coach=users["coach"], result=result)
    db.session.commit()
    many = {label: _count(client, count_queries, users[role], url) for label, role, url in pages}

    grown = {label: (len(few[label]), len(many[label])) for label in few if len(few[label]) != len(many[label])}
    details = "\n\n".join(f"{label}: {a} -> {b} statements; the last ones:\n" + "\n".join(many[label][-5:])
                          for label, (a, b) in grown.items())
    assert not grown, details


def test_the_measured_rows_are_on_the_pages(client, login_as, scene):
    users, result, token = scene
    add_rows(12, coach=users["coach"], result=result)
    db.session.commit()
    result_page = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert result_page.count("Bando di prova") >= 12 and result_page.count("Percorso ") >= 12
    login_as(users["coach"])
    assert client.get("/coach/").get_data(as_text=True).count("Impresa di prova") >= 12
