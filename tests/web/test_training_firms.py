"""A firm new to the programme, met through its people's training registrations: stored as a company without
assessment, matched by partita IVA without the page telling anything, shown to the programme managers as such,
and left out of everything that needs an assessment (API, recommendations, queue, dashboard, peers)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessment.extensions import db
from assessment.models import Company, Match, Note, Participant, RegistrationStatus
from assessment.services import registrations
from assessment.services.assignment import waiting_companies
from assessment.services.dashboard import DashboardFilters, build_dashboard
from assessment.services.peers import compare_with_peers
from tests.factories import submit_company, vat_number
from tests.training_factories import body_of, mails, make_edition, registration_form
from tests.web.test_admin_access import add_track
from tests.web.test_api_staff import bearer  # noqa: F401 - the fixture
from tests.web.training_data import add_edition, completed

PROFILE = ("ateco_code", "ateco_section", "comune_istat", "employees", "annual_turnover_eur", "size_class")


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _register(client, edition, **overrides):
    return client.post(f"/formazione/{edition.id}", data=registration_form(**overrides))


def _company(vat: str) -> Company:
    return db.session.execute(db.select(Company).filter_by(vat_number=vat)).scalar_one()


def _person(email: str) -> Participant:
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one()


def test_a_new_partita_iva_is_stored_as_a_company_without_assessment(client, db_session, outbox):
    edition = make_edition(db_session)
    vat = vat_number()
    response = _register(client, edition, vat_number=vat, firm_name="Officina Verdi", email="mario@example.org")
    assert response.status_code == 302
    company = _company(vat)
    assert (company.name, company.email, company.has_profile, company.assessments) == \
        ("Officina Verdi", None, False, [])
    assert [getattr(company, column) for column in PROFILE] == [None] * len(PROFILE)
    mario = _person("mario@example.org")
    assert (mario.company_id, mario.firm_vat_number, mario.firm_name) == (company.id, vat, "Officina Verdi")
    # A colleague types another name for the same partita IVA: the same company, named as the first typed it.
    _register(client, make_edition(db_session), vat_number=vat, firm_name="Verdi srl", email="lia@example.org")
    assert db.session.execute(db.select(db.func.count()).select_from(Company)
                              .filter_by(vat_number=vat)).scalar_one() == 1
    assert _person("lia@example.org").company_id == company.id and _company(vat).name == "Officina Verdi"


def test_a_known_partita_iva_is_linked_and_the_answer_is_the_same_as_for_an_unknown_one(
        client, db_session, outbox):
    assessed = submit_company(company_name="Cantina Nota")[0]
    known_from_training = registrations.firm_company(vat_number(), "Forno Noto")
    edition = make_edition(db_session)
    responses = [_register(client, edition, vat_number=vat, firm_name="Come la chiamo io", email=f"p{n}@example.org")
                 for n, vat in enumerate((assessed.vat_number, known_from_training.vat_number, vat_number()))]
    assert len({(r.status_code, r.headers["Location"], r.get_data()) for r in responses}) == 1
    thanks = client.get(responses[0].headers["Location"]).get_data(as_text=True)
    assert "Cantina Nota" not in thanks and "Forno Noto" not in thanks
    sent = mails(outbox)
    assert len({m["Subject"] for m in sent}) == 1
    assert not any(name in body_of(m) for m in sent for name in ("Cantina Nota", "Forno Noto"))
    assert [_person(f"p{n}@example.org").company_id for n in range(2)] == [assessed.id, known_from_training.id]
    db.session.expire_all()
    assert (db.session.get(Company, assessed.id).name, db.session.get(Company, known_from_training.id).name) == \
        ("Cantina Nota", "Forno Noto")  # what a registrant types never renames a company


def test_register_creates_the_firm_once_for_all_its_people(db_session):
    edition = make_edition(db_session)
    vat = vat_number()
    for n in range(3):
        registrations.register(edition.id, name=f"Persona {n}", email=f"firm{n}@example.org", role="tecnico",
                               vat_number=vat, firm_name="Officina", language="en", today=date.today())
    company = _company(vat)
    assert not company.has_profile and company.language == "en"
    assert db.session.execute(db.select(db.func.count()).select_from(Participant)
                              .filter_by(company_id=company.id)).scalar_one() == 3


def test_a_company_saved_meanwhile_by_another_registration_is_read_instead_of_failing(db_session, monkeypatch):
    """The other registration's company was committed between this one's look-up and its insert: the insert
    breaks the unique partita IVA, its savepoint is rolled back, the other company is used."""
    vat = vat_number()
    other = Company(name="Prima", vat_number=vat)
    db.session.add(other)
    db.session.flush()
    looked_up = registrations._company_with_vat
    calls: list[str] = []

    def missed_the_first_time(number: str):
        calls.append(number)
        return None if len(calls) == 1 else looked_up(number)

    monkeypatch.setattr(registrations, "_company_with_vat", missed_the_first_time)
    assert registrations.firm_company(vat, "Seconda") is other
    assert len(calls) == 2
    assert db.session.execute(db.select(Company.name).filter_by(vat_number=vat)).scalars().all() == ["Prima"]


def test_admin_pages_show_the_company_as_without_assessment_with_its_people(client, login_as, db_session, outbox):
    edition = make_edition(db_session, title="Officina digitale")
    vat = vat_number()
    _register(client, edition, vat_number=vat, firm_name="Officina Verdi", name="Mario Bianchi")
    submit_company(company_name="Cantina Valutata")
    company = _company(vat)
    login_as("admin")
    listing = client.get("/admin/imprese").get_data(as_text=True)
    assert "Officina Verdi" in listing and "Cantina Valutata" in listing
    def row(name: str) -> str:
        return listing[listing.index(name):listing.index("</tr>", listing.index(name))]

    assert "senza valutazione" in row("Officina Verdi")
    assert "1 persona iscritta alla formazione" in row("Officina Verdi")
    assert "senza valutazione" not in row("Cantina Valutata") and "Ivrea" in row("Cantina Valutata")
    page = client.get(f"/admin/imprese/{company.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "senza valutazione" in html and vat in html
    assert "Mario Bianchi" in html and "Officina digitale" in html  # its registrations
    # A note would be read by the owner who takes the company on (it is in the company's data): not yet.
    refused = client.post(f"/admin/imprese/{company.id}/note", data={"body": "Chiamato"}, follow_redirects=True)
    assert "non ha ancora una valutazione" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Note).filter_by(company_id=company.id)).first() is None
    exported = client.get(f"/admin/imprese/{company.id}/dati.json").get_json()
    assert (exported["company"]["size_class"], exported["company"]["comune_istat"]) == (None, None)
    client.get("/lang/en")
    assert "no assessment" in client.get("/admin/imprese").get_data(as_text=True)
    assert "1 person registered for training" in client.get("/admin/imprese").get_data(as_text=True)


def test_the_admin_erases_a_company_without_assessment_and_its_people_keep_their_seats(
        client, login_as, db_session, outbox):
    edition = make_edition(db_session)
    vat = vat_number()
    _register(client, edition, vat_number=vat, firm_name="Officina Verdi", name="Mario Bianchi",
              email="mario@example.org")
    company = _company(vat)
    login_as("admin")
    assert client.post(f"/admin/imprese/{company.id}/cancella", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    company = db.session.get(Company, company.id)
    assert (company.name, company.vat_number, company.erased_at is not None) == (None, None, True)
    mario = _person("mario@example.org")
    assert (mario.name, mario.firm_name, mario.firm_vat_number) == ("Mario Bianchi", None, None)
    assert [r.status for r in mario.registrations] == [RegistrationStatus.confirmed]
    # The partita IVA is free again: the firm registering later is a new company without assessment.
    _register(client, edition, vat_number=vat, email="lia@example.org")
    assert _company(vat).id != company.id


def test_the_staff_api_leaves_out_companies_without_assessment(client, bearer, db_session):  # noqa: F811
    headers = bearer("admin")
    assessed = submit_company()[0]
    bare = registrations.firm_company(vat_number(), "Officina")
    body = client.get("/api/v1/companies", headers=headers).get_json()
    assert (body["total"], [item["id"] for item in body["items"]]) == (1, [assessed.id])
    assert client.get(f"/api/v1/companies/{bare.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/companies/{bare.id}/matches", headers=headers).status_code == 404
    assert client.get("/api/v1/statistics", headers=headers).get_json()["companies"] == 1


def test_recommendations_the_queue_peers_and_the_dashboard_ignore_companies_without_assessment(
        client, runner, login_as, db_session):
    add_track("T-FIRMS")
    company, assessment, _token = submit_company(coach_contact=True)
    bare = [registrations.firm_company(vat_number(), f"Officina {n}") for n in range(5)]
    db_session.commit()
    result = runner.invoke(args=["match", "run"])
    assert result.exit_code == 0, result.output
    stored = set(db.session.execute(db.select(Match.company_id)).scalars())
    assert stored == {company.id}
    result = runner.invoke(args=["match", "run", "--company", str(bare[0].id)])
    assert result.exit_code == 0 and "stored 0 matches" in result.output
    assert [c.id for c in waiting_companies()] == [company.id]
    data = build_dashboard(DashboardFilters())
    assert (data.waiting, data.overall.count, sum(data.levels.values())) == (1, 1, 1)
    assert all(group.count == 0 for group in compare_with_peers(assessment))
    # A person of a firm without profile counts among the people trained, under "comune non indicato".
    past = add_edition(add_track("T-PAST"), [date.today() - timedelta(days=20)])
    person = Participant(name="Mario", email="mario.f@example.org", role="tecnico", company=bare[0],
                         firm_vat_number=bare[0].vat_number, firm_name="Officina 0")
    db.session.add(person)
    completed(person, past)
    login_as("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Comune non indicato" in page
