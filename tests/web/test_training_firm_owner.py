"""The first owner who self-assesses a firm known only from training takes the company on (the web wizard and
the API alike), and learns nothing of the people who registered before; a company with a submitted assessment
or an e-mail is still reached only through its own link."""
from __future__ import annotations

import json

import pytest

from assessment.extensions import db
from assessment.models import Company, ConsentKind, Participant, RegistrationStatus
from assessment.services.assessments import create_and_submit
from assessment.services.questionnaires import latest_version, questionnaire_of
from assessment.services.registrations import company_registrations, firm_company
from tests.factories import answers_for, profile, propose, submit_company, vat_number
from tests.training_factories import make_edition, registration_form
from tests.web.test_owner_flow import _complete, _profile_form, _start

TAKEN = "Questa partita IVA ha già una valutazione"


@pytest.fixture
def questionnaire(app, db_session):
    return questionnaire_of(latest_version("dma-sme"))


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


def _registered(client, db_session, vat: str, name: str = "Mario Bianchi", email: str = "mario@example.org"):
    """A person of the firm registers for an edition; returns their participant row."""
    edition = make_edition(db_session)
    form = registration_form(vat_number=vat, firm_name="Officina Verdi", name=name, email=email)
    assert client.post(f"/formazione/{edition.id}", data=form).status_code == 302
    return db.session.execute(db.select(Participant).filter_by(email=email)).scalar_one()


def _api_body(questionnaire, vat: str) -> dict:
    return {"questionnaire": "dma-sme", "profile": profile(vat_number=vat, company_name="Officina Verdi srl"),
            "answers": answers_for(questionnaire, "mid")}


def test_the_first_owner_takes_on_the_company_and_sees_nothing_of_its_people(
        client, db_session, questionnaire, outbox):
    vat = vat_number()
    mario = _registered(client, db_session, vat)
    company_id = mario.company_id
    token = _start(client)
    step = client.post(f"/valutazione/{token}/1",
                       data=_profile_form(profile(vat_number=vat, company_name="Officina Verdi srl")))
    assert step.status_code == 302  # on to the questions: not sent to the company's link
    _complete(client, questionnaire, token, vat_number=vat, company_name="Officina Verdi srl",
              email="titolare@example.org")
    html = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Officina Verdi srl" in html
    assert "Mario Bianchi" not in html and "mario@example.org" not in html
    db.session.expire_all()
    company = db.session.get(Company, company_id)
    assert (company.has_profile, company.name, company.email, company.comune_istat) == \
        (True, "Officina Verdi srl", "titolare@example.org", "001125")
    assert [a.is_submitted for a in company.assessments] == [True] and company.assessments[0].company_id == company_id
    assert company.created_at >= mario.created_at  # the company as its owner knows it starts with the assessment
    exported = client.get(f"/risultato/{token}/dati.json").get_json()
    assert exported["training_participants"] == []
    assert "Mario" not in json.dumps(exported) and "mario@example.org" not in json.dumps(exported)
    # Staff still see the firm's registrations: the person is linked to the company that now has a profile.
    assert [r.participant.name for r in company_registrations(company_id)] == ["Mario Bianchi"]
    # Once taken on, the company is reached only through its own link.
    other = _start(client)
    page = client.post(f"/valutazione/{other}/1", data=_profile_form(profile(vat_number=vat))).get_data(as_text=True)
    assert TAKEN in page


def test_the_api_takes_on_the_company_once(client, db_session, questionnaire, outbox):
    vat = vat_number()
    mario = _registered(client, db_session, vat)
    response = client.post("/api/v1/assessments", json=_api_body(questionnaire, vat))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "Mario" not in json.dumps(body)
    db.session.expire_all()
    company = db.session.get(Company, mario.company_id)
    assert company.has_profile and [a.id for a in company.assessments] == [body["id"]]
    again = client.post("/api/v1/assessments", json=_api_body(questionnaire, vat))
    assert again.status_code == 422 and TAKEN in again.get_json()["error"]["fields"]["profile.vat_number"]


@pytest.mark.parametrize("holds", ["a submitted assessment", "an e-mail"])
def test_a_company_with_an_assessment_or_an_email_is_still_refused(client, db_session, questionnaire, holds):
    vat = vat_number()
    if holds == "an e-mail":
        company = firm_company(vat, "Officina Verdi")
        company.email = "titolare@example.org"  # e.g. given to the programme: its mailbox can be asked
    else:
        company = submit_company(vat_number=vat, email="")[0]
        assert company.email is None
    db_session.commit()
    token = _start(client)
    page = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(vat_number=vat))).get_data(as_text=True)
    assert TAKEN in page
    response = client.post("/api/v1/assessments", json=_api_body(questionnaire, vat))
    assert response.status_code == 422 and TAKEN in response.get_json()["error"]["fields"]["profile.vat_number"]
    db.session.expire_all()
    assert len([a for a in db.session.get(Company, company.id).assessments if a.is_submitted]) == \
        (1 if holds == "a submitted assessment" else 0)


def test_the_owners_erasure_reaches_the_people_registered_since_not_before(client, db_session, questionnaire,
                                                                             outbox):
    vat = vat_number()
    before = _registered(client, db_session, vat, name="Mario Bianchi", email="mario@example.org")
    _assessment, token = create_and_submit("dma-sme", profile(vat_number=vat), answers_for(questionnaire, "mid"))
    db_session.commit()
    since = _registered(client, db_session, vat, name="Lia Neri", email="lia@example.org")
    assert since.company_id == before.company_id
    exported = client.get(f"/risultato/{token}/dati.json").get_json()
    assert [p["name"] for p in exported["training_participants"]] == ["Lia Neri"]
    assert client.post(f"/risultato/{token}/cancella", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    mario, lia = db.session.get(Participant, before.id), db.session.get(Participant, since.id)
    assert (mario.name, mario.firm_name, mario.firm_vat_number) == ("Mario Bianchi", None, None)
    assert [r.status for r in mario.registrations] == [RegistrationStatus.confirmed]  # the seat stays
    assert (lia.name, lia.email, lia.erased_at is not None) == (None, None, True)


def test_the_firms_coach_sees_the_people_registered_before_it_was_assessed(
        client, db_session, questionnaire, login_as, make_user, outbox):
    vat = vat_number()
    mario = _registered(client, db_session, vat)
    coach = make_user("coach")
    bare = db.session.get(Company, mario.company_id)
    propose(bare, coach, "accepted")
    login_as(coach)
    assert client.get(f"/coach/imprese/{bare.id}").status_code == 404  # no consents: no coach sees it
    assessment, _token = create_and_submit("dma-sme", profile(vat_number=vat, coach_contact=True),
                                           answers_for(questionnaire, "mid"))
    assert assessment.company_id == bare.id and bare.has_active_consent(ConsentKind.coach_contact)
    db_session.commit()
    html = client.get(f"/coach/imprese/{bare.id}").get_data(as_text=True)
    assert "Mario Bianchi" in html and "posto confermato" in html
