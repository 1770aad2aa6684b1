"""Two people doing the same thing at the same moment: one company, one active accompaniment. The concurrent
tests run real threads on a scratch database of their own (a SQLite file, or a PostgreSQL database), with real
commits, as two gunicorn workers would."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from assessment.extensions import db
from assessment.models import AssignmentStatus, CoachAssignment, CoachProfile, Role, User
from assessment.services.passwords import hash_password
from tests.factories import propose, submit_company
from tests.web.test_faults import ScratchDatabase

TAKEN = "non era più in attesa di un coach"
NOT_NOW = "Questa operazione non è possibile nello stato attuale."


@pytest.fixture(scope="module")
def scratch(database_url, tmp_path_factory):
    database = ScratchDatabase(database_url, tmp_path_factory.mktemp("races"))
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="module")
def races_app(scratch):
    return scratch.new_app()


def _staff(role: str, n: int) -> User:
    user = User(email=f"race-{role}{n}@example.org", name=f"Race {role} {n}", role=Role(role),
                password_hash=hash_password("correct horse battery"))
    if role == "coach":
        user.coach_profile = CoachProfile(capacity=10, is_available=True)
    db.session.add(user)
    return user


def _client_as(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def _at_once(*calls):
    """Run the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _pages_after(clients_and_responses) -> list[str]:
    """The page each redirect leads to, with its messages, opened one after the other once the race is over."""
    return [client.get(response.headers["Location"]).get_data(as_text=True)
            for client, response in clients_and_responses]


def _active(app, company_id: int) -> list[CoachAssignment]:
    with app.app_context():
        return list(db.session.execute(db.select(CoachAssignment).where(
            CoachAssignment.company_id == company_id,
            CoachAssignment.status.in_((AssignmentStatus.proposed, AssignmentStatus.accepted,
                                        AssignmentStatus.in_progress)))).scalars())


def test_two_admins_sending_at_once_make_one_proposal_and_the_second_is_told(races_app):
    app = races_app
    with app.app_context():
        admins = [_staff("admin", n) for n in (1, 2)]
        coaches = [_staff("coach", n) for n in (1, 2)]
        companies = [submit_company(coach_contact=True)[0] for _ in range(3)]
        db.session.commit()
        admin_ids, coach_ids = [a.id for a in admins], [c.id for c in coaches]
        company_ids = [c.id for c in companies]
    first, second = (_client_as(app, admin_id) for admin_id in admin_ids)
    for company_id in company_ids:  # a few rounds: each one a fresh company, both admins at once
        responses = _at_once(
            lambda cid=company_id: first.post("/admin/assegnazioni", data={f"coach_{cid}": str(coach_ids[0])}),
            lambda cid=company_id: second.post("/admin/assegnazioni", data={f"coach_{cid}": str(coach_ids[1])}))
        assert [response.status_code for response in responses] == [302, 302]
        texts = _pages_after(zip((first, second), responses))
        assert sum("1 proposta inviata ai coach" in text for text in texts) == 1, texts
        assert sum(TAKEN in text for text in texts) == 1
        assert len(_active(app, company_id)) == 1

    # The loser's coach has nothing to accept: one coach follows each company.
    for company_id in company_ids:
        (winner,) = _active(app, company_id)
        loser_id = coach_ids[1] if winner.coach_id == coach_ids[0] else coach_ids[0]
        assert _client_as(app, loser_id).post(f"/coach/imprese/{company_id}/accept").status_code == 404


def test_two_accepts_at_once_accept_once(races_app):
    """A double click (or two tabs) on Accept: the second sees the first's answer, not a second acceptance."""
    app = races_app
    with app.app_context():
        coach = _staff("coach", 3)
        company = submit_company(coach_contact=True)[0]
        db.session.flush()
        propose(company, coach)
        db.session.commit()
        coach_id, company_id = coach.id, company.id
    tabs = [_client_as(app, coach_id) for _ in range(2)]
    responses = _at_once(*(lambda tab=tab: tab.post(f"/coach/imprese/{company_id}/accept") for tab in tabs))
    assert [response.status_code for response in responses] == [302, 302]
    texts = _pages_after(zip(tabs, responses))
    assert sum("Proposta accettata" in text for text in texts) == 1, texts
    assert sum(NOT_NOW in text for text in texts) == 1
    (assignment,) = _active(app, company_id)
    assert assignment.status == AssignmentStatus.accepted


def test_the_database_refuses_a_second_active_assignment(db_session, make_user):
    company = submit_company(coach_contact=True)[0]
    first, second = make_user("coach"), make_user("coach")
    propose(company, first, "accepted")
    with pytest.raises(IntegrityError), db_session.begin_nested():
        propose(company, second)
    # Ended ones do not count: a company served once can be proposed again later.
    db_session.execute(db.update(CoachAssignment).where(CoachAssignment.company_id == company.id)
                       .values(status=AssignmentStatus.completed))
    propose(company, second)


def test_a_stale_assignment_page_sent_twice_proposes_once(client, login_as, make_user, db_session):
    coach, other = make_user("coach", capacity=3), make_user("coach", capacity=3)
    company = submit_company(coach_contact=True)[0]
    db_session.commit()
    login_as("admin")
    page = client.post("/admin/assegnazioni", data={f"coach_{company.id}": str(coach.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 proposta inviata ai coach" in page and TAKEN not in page
    page = client.post("/admin/assegnazioni", data={f"coach_{company.id}": str(other.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "0 proposte inviate ai coach" in page and TAKEN in page
    assert db_session.execute(db.select(db.func.count(CoachAssignment.id))
                              .where(CoachAssignment.company_id == company.id)).scalar_one() == 1
