"""A registered person's pages (the registration's secret link): the skills self-check at registration and at
completion, with the profile and its change; erasure of their data keeping the programme's totals; their data
in the firm's export and erasure; the attendance register downloads."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from assessment.extensions import db
from assessment.models import AuditEntry, Participant, RegistrationStatus, SkillsCheck, SkillsMoment
from assessment.services.privacy import erase_company, export_company
from assessment.services.questionnaires import latest_version, questionnaire_of
from assessment.services.training_figures import training_figures
from tests.factories import answers_for
from tests.web.test_admin_access import add_track
from tests.web.test_admin_dashboard import add_company
from tests.web.training_data import add_edition, add_person, attend, completed, register

DAYS = [date(2026, 5, 4), date(2026, 5, 11)]
TODAY = date(2026, 6, 30)


@pytest.fixture
def skills(app, db_session):
    return questionnaire_of(latest_version("skills-digcomp"))


@pytest.fixture
def edition(db_session):
    return add_edition(add_track("T-PERSON"), DAYS, title="Edizione di maggio")


def test_self_check_at_registration_then_at_completion_shows_the_change(client, skills, edition, db_session):
    registration = register(add_person("Anna Bianchi"), edition, token="anna-secret")
    db_session.commit()
    page = client.get("/formazione/iscrizione/anna-secret/competenze").get_data(as_text=True)
    assert "Prima del corso" in page and str(escape(skills.questions[0].text.it)) in page
    low = answers_for(skills, "min")
    assert client.post("/formazione/iscrizione/anna-secret/competenze", data=low).status_code == 302
    first = db.session.execute(db.select(SkillsCheck)).scalar_one()
    assert (first.moment, first.overall_score, first.registration_id) == (SkillsMoment.registration, 0,
                                                                           registration.id)
    page = client.get("/formazione/iscrizione/anna-secret/competenze").get_data(as_text=True)
    assert "Il tuo profilo" in page and "Invia le risposte" not in page  # nothing due until completion
    attend(registration)
    db_session.commit()
    page = client.get("/formazione/iscrizione/anna-secret/competenze").get_data(as_text=True)
    assert "Alla fine del corso: rispondi di nuovo" in page
    assert client.post("/formazione/iscrizione/anna-secret/competenze",
                       data=answers_for(skills, "max")).status_code == 302
    page = client.get("/formazione/iscrizione/anna-secret/competenze").get_data(as_text=True)
    assert "Variazione" in page and "+100,0" in page and "Invia le risposte" not in page
    assert db.session.execute(db.select(db.func.count(SkillsCheck.id))).scalar_one() == 2


def test_a_missing_answer_is_named_and_nothing_is_stored(client, skills, edition, db_session):
    register(add_person(), edition, token="tok-missing")
    db_session.commit()
    answers = answers_for(skills, "max")
    del answers["sa_phishing"]
    response = client.post("/formazione/iscrizione/tok-missing/competenze", data=answers)
    assert response.status_code == 400
    assert "Rispondi a questa domanda per continuare." in response.get_data(as_text=True)
    assert db.session.execute(db.select(SkillsCheck)).first() is None


def test_unknown_link_is_404(client, db_session):
    assert client.get("/formazione/iscrizione/nope/competenze").status_code == 404
    assert client.get("/formazione/iscrizione/nope/cancella-dati").status_code == 404


def test_the_confirmation_mail_offers_the_self_check(app, edition, db_session, tmp_path, monkeypatch):
    from assessment.services.training_mail import mail_registration

    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    registration = register(add_person(), edition, token="tok-mail")
    with app.test_request_context("/"):
        assert mail_registration(registration, "tok-mail")
    text = next(tmp_path.glob("*.eml")).read_text()
    assert "/formazione/iscrizione/tok-mail/competenze" in text


def test_a_person_erases_their_data_and_the_totals_stay(client, skills, edition, db_session):
    firm = add_company([(datetime(2026, 1, 10), 50.0, "basic", {})], comune="001125")
    anna = add_person("Anna Bianchi", email="anna@example.org", company=firm)
    registration = completed(anna, edition, token="anna-erase")
    client_check = answers_for(skills, "mid")
    db_session.commit()
    client.post("/formazione/iscrizione/anna-erase/competenze", data=client_check)
    future = add_edition(add_track("T-LATER"), [date.today() + timedelta(days=30)], capacity=1)
    register(anna, future)
    waiting = register(add_person("Bruno"), future, RegistrationStatus.waiting)
    db_session.commit()
    before = training_figures(TODAY)
    assert "Cancellare i tuoi dati" in client.get("/formazione/iscrizione/anna-erase/cancella-dati").get_data(
        as_text=True)
    done = client.post("/formazione/iscrizione/anna-erase/cancella-dati")
    assert done.status_code == 200 and "I tuoi dati sono stati cancellati" in done.get_data(as_text=True)
    person = db.session.get(Participant, anna.id)
    assert (person.name, person.email, person.role, person.firm_name, person.erased_at is not None) == \
        (None, None, None, None, True)
    assert db.session.execute(db.select(SkillsCheck.answers)).scalar_one() == {}
    after = training_figures(TODAY)
    def rate(figures):
        return {line.track.code: line.completion_rate for line in figures.tracks}["T-PERSON"]

    assert (after.people_trained, after.hours_delivered, rate(after)) == \
        (before.people_trained, before.hours_delivered, rate(before)) == (1, 6.0, 100.0)
    assert [(istat, n) for istat, _name, n in after.by_comune] == [("001125", 1)] == \
        [(istat, n) for istat, _name, n in before.by_comune]  # still counted in the firm's comune
    assert person.company_id is None  # the firm itself is no longer linked
    db.session.refresh(waiting)
    assert waiting.status == RegistrationStatus.confirmed  # Anna's seat in the future edition went to Bruno
    assert client.get("/formazione/iscrizione/anna-erase/competenze").status_code == 404
    assert db.session.execute(db.select(AuditEntry).filter_by(action="participant_erased")).scalar_one()
    assert registration.id


def test_the_firms_export_and_erasure_cover_its_people_since_it_had_an_owner_and_keep_the_totals(
        edition, db_session):
    company = add_company([(datetime(2026, 1, 10), 50.0, "basic", {})], comune="001125")
    company.vat_number = "01234567897"
    # Registered while the firm was a company without assessment: never its owner's to see or erase.
    earlier = add_person("Carlo Verdi", company=company)
    earlier.created_at = datetime(2025, 12, 1)
    completed(earlier, edition)
    linked = completed(add_person("Anna Bianchi", company=company), edition)
    stranger = completed(add_person("Elena Neri"), add_edition(add_track("T-OTHER"), DAYS))
    stranger.participant.firm_vat_number = "11111111115"
    db_session.flush()
    exported = export_company(company)["training_participants"]
    assert {p["name"] for p in exported} == {"Anna Bianchi"}
    assert exported[0]["registrations"][0]["edition"] == "Edizione di maggio"
    assert len(exported[0]["registrations"][0]["attendance"]) == 2
    before = training_figures(TODAY).people_trained
    erase_company(company)
    assert db.session.get(Participant, linked.participant_id).name is None
    db.session.refresh(earlier)
    assert (earlier.name, earlier.firm_name, earlier.firm_vat_number) == ("Carlo Verdi", None, None)
    assert [r.status for r in earlier.registrations] == [RegistrationStatus.confirmed]
    assert stranger.participant.name == "Elena Neri"
    assert training_figures(TODAY).people_trained == before == 3


def test_attendance_register_downloads(client, login_as, make_user, edition, db_session):
    anna = completed(add_person("Anna Bianchi"), edition)
    late = register(add_person("Carlo Verdi"), edition)
    from datetime import time

    attend(late, edition.sessions[:1], arrived=time(10, 30))
    db_session.commit()
    assert client.get(f"/admin/formazione/{edition.id}/registro.csv").status_code in (302, 401, 404)
    login_as("admin")
    response = client.get(f"/admin/formazione/{edition.id}/registro.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, lines = rows[0], {r[1]: r for r in rows[1:]}
    assert header[:2] == ["registration_id", "person"] and header[-5:] == [
        "hours_attended", "hours_total", "attendance_percent", "completed", "certificate_code"]
    assert lines["Anna Bianchi"][6:8] == ["3.0", "3.0"] and lines["Anna Bianchi"][-2] == "yes"
    assert lines["Carlo Verdi"][6:8] == ["1.5", ""] and lines["Carlo Verdi"][-4:-1] == ["6.0", "25.0", "no"]
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/formazione/{edition.id}/registro.xlsx").data))
    sheet = list(workbook.active.values)
    assert sheet[0][1] == "person" and {row[1] for row in sheet[1:]} == {"Anna Bianchi", "Carlo Verdi"}
    pdf = client.get(f"/admin/formazione/{edition.id}/registro.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/admin/formazione/{edition.id}/registro.doc").status_code == 404
    exports = db.session.execute(db.select(AuditEntry).filter_by(action="export")).scalars().all()
    assert [e.details.get("kind") for e in exports] == ["attendance_register"] * 3
    login_as(make_user("coach"))  # not this edition's trainer
    assert client.get(f"/coach/formazione/{edition.id}/registro.csv").status_code == 404
    assert anna.id


def test_the_register_table_is_complete_before_the_session_closes(edition, db_session):
    # The CSV streams after the view committed and the request's session closed: no row may still need it.
    from assessment.services.exports import csv_chunks
    from assessment.services.training_register import register_lines, register_table

    completed(add_person("Anna Bianchi"), edition)
    db_session.commit()
    table = register_table(edition, register_lines(edition))
    db_session.commit()
    db_session.close()  # what the end of the request does before the body streams
    text = "".join(csv_chunks(table))
    assert "Anna Bianchi" in text and "yes" in text


def test_a_person_downloads_their_own_data_from_their_link(client, edition, db_session):
    person = add_person("Carla Neri")
    registration = register(person, edition, token="carla-secret")
    attend(registration, edition.sessions[:1])
    db_session.commit()
    page = client.get("/formazione/annulla/carla-secret").get_data(as_text=True)
    assert 'href="/formazione/iscrizione/carla-secret/dati.json"' in page
    response = client.get("/formazione/iscrizione/carla-secret/dati.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["name"] == "Carla Neri" and data["registrations"][0]["edition"] == "Edizione di maggio"
    assert data["registrations"][0]["attendance"][0]["is_present"] is True
    assert db.session.execute(db.select(AuditEntry).filter_by(action="export")).scalar_one().details[
        "participant_id"] == person.id
    assert client.get("/formazione/iscrizione/not-a-link/dati.json").status_code == 404
