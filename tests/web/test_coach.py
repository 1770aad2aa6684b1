"""The coach workspace: who sees what, accept/decline, notes, enrolment, re-assessment invitation."""
from __future__ import annotations

import re

import pytest

from assessment.extensions import db
from assessment.models import (
    Assessment,
    AssignmentStatus,
    CoachAssignment,
    Enrolment,
    Note,
    Track,
    TrackFormat,
    utcnow,
)
from tests.factories import propose, submit_company

COMPANY_GETS = ["/coach/imprese/{id}"]
COMPANY_POSTS = ["/coach/imprese/{id}/accept", "/coach/imprese/{id}/start", "/coach/imprese/{id}/complete",
                 "/coach/imprese/{id}/decline", "/coach/imprese/{id}/note", "/coach/imprese/{id}/iscrizioni",
                 "/coach/imprese/{id}/invita", "/coach/imprese/{id}/iscrizioni/1/completa"]


@pytest.fixture
def proposed_company(db_session, make_user):
    coach = make_user("coach")
    company, assessment, _ = submit_company(coach_contact=True)
    assignment = propose(company, coach)
    db_session.commit()
    return coach, company, assignment


def test_anonymous_is_sent_to_login(client, proposed_company):
    _, company, _ = proposed_company
    for url in ["/coach/"] + COMPANY_GETS:
        response = client.get(url.format(id=company.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page_after_login(client, proposed_company):
    coach, company, _ = proposed_company
    page = f"/coach/imprese/{company.id}"
    client.get("/lang/en")
    response = client.post(f"{page}/note", data={"body": "x"}, headers={"Referer": f"http://localhost{page}"})
    assert response.headers["Location"] == f"/login?next=/coach/imprese/{company.id}"
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please log in" not in login and "Log in to continue" in login
    # Another site's page is never where the login leads.
    response = client.post(f"{page}/note", headers={"Referer": "https://evil.example/coach/"})
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("url", COMPANY_GETS + COMPANY_POSTS)
def test_other_coach_gets_404_on_every_company_route(client, login_as, proposed_company, url):
    _, company, _ = proposed_company
    login_as("coach")
    method = client.post if url in COMPANY_POSTS else client.get
    assert method(url.format(id=company.id), data={"reason": "x", "body": "x"}).status_code == 404


@pytest.mark.parametrize("url", ["/coach/"] + COMPANY_GETS)
def test_admin_is_refused_on_coach_routes(client, login_as, proposed_company, url):
    _, company, _ = proposed_company
    login_as("admin")
    assert client.get(url.format(id=company.id)).status_code == 403


def test_unknown_company_is_404(client, login_as):
    login_as("coach")
    assert client.get("/coach/imprese/999999").status_code == 404


def test_coach_sees_proposed_company_with_reason(client, login_as, proposed_company):
    coach, company, _ = proposed_company
    login_as(coach)
    html = client.get("/coach/").get_data(as_text=True)
    assert company.name in html and "Motivo di prova" in html
    assert '<span class="badge warn">proposta</span>' in html  # the status, in the page's language
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "<svg" in page and "Note private" in page and '<span class="badge warn">proposta</span>' in page
    assert "Perché a te, quando l'impresa ti è stata proposta (" in page  # the reason is of that day
    client.get("/lang/en")
    assert '<span class="badge warn">proposed</span>' in client.get("/coach/").get_data(as_text=True)


def test_company_without_contact_consent_is_hidden(client, login_as, make_user, db_session):
    coach = make_user("coach")
    company, _, _ = submit_company(coach_contact=False)
    propose(company, coach)
    db_session.commit()
    login_as(coach)
    assert company.name not in client.get("/coach/").get_data(as_text=True)
    assert client.get(f"/coach/imprese/{company.id}").status_code == 404


def test_withdrawn_consent_hides_the_company(client, login_as, proposed_company):
    coach, company, _ = proposed_company
    token = None
    from assessment.models import ConsentKind
    from assessment.services.assessments import withdraw_consent

    withdraw_consent(company, ConsentKind.coach_contact)
    db.session.commit()
    login_as(coach)
    assert client.get(f"/coach/imprese/{company.id}").status_code == 404
    assert token is None


def test_accept_then_complete(client, login_as, proposed_company):
    coach, company, assignment = proposed_company
    login_as(coach)
    page = client.post(f"/coach/imprese/{company.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Proposta accettata: l&#39;impresa è tra quelle che segui." in page
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.accepted and assignment.accepted_at is not None
    client.post(f"/coach/imprese/{company.id}/complete")
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.completed and assignment.completed_at is not None


def test_accepting_stops_at_capacity_until_an_accompaniment_ends(client, login_as, make_user, db_session):
    # An admin's override proposed two companies to a coach who follows one at a time.
    coach = make_user("coach", capacity=1)
    first, second = (submit_company(coach_contact=True)[0] for _ in range(2))
    assignments = [propose(first, coach), propose(second, coach)]
    db_session.commit()
    login_as(coach)
    client.post(f"/coach/imprese/{first.id}/accept")
    assert "Ne segui 1; la tua capacità è di 1." in client.get("/coach/").get_data(as_text=True)
    page = client.post(f"/coach/imprese/{second.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Segui già 1 impresa, quante ne prevede la tua capacità" in page
    for assignment in assignments:
        db.session.refresh(assignment)
    assert [a.status for a in assignments] == [AssignmentStatus.accepted, AssignmentStatus.proposed]
    client.post(f"/coach/imprese/{first.id}/complete")
    client.post(f"/coach/imprese/{second.id}/accept")
    db.session.refresh(assignments[1])
    assert assignments[1].status == AssignmentStatus.accepted


def test_a_coach_with_no_capacity_is_told_whom_to_ask(client, login_as, make_user, db_session):
    coach = make_user("coach", capacity=0)
    company = submit_company(coach_contact=True)[0]
    assignment = propose(company, coach)
    db_session.commit()
    login_as(coach)
    page = client.post(f"/coach/imprese/{company.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "La tua capacità è di 0 imprese: per accettare, chiedi al gestore del programma" in page
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.proposed


def test_decline_needs_a_reason_and_frees_the_company(client, login_as, proposed_company):
    coach, company, assignment = proposed_company
    login_as(coach)
    client.post(f"/coach/imprese/{company.id}/decline", data={"reason": ""})
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.proposed
    client.post(f"/coach/imprese/{company.id}/decline", data={"reason": "Settore che non conosco"})
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.declined and assignment.decline_reason == "Settore che non conosco"
    assert client.get(f"/coach/imprese/{company.id}").status_code == 404


def test_notes_are_private_and_kept(client, login_as, proposed_company):
    coach, company, _ = proposed_company
    login_as(coach)
    client.post(f"/coach/imprese/{company.id}/note", data={"body": "Primo incontro <b>fissato</b>"})
    note = db.session.execute(db.select(Note).filter_by(company_id=company.id)).scalar_one()
    assert note.author_id == coach.id
    html = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "Primo incontro &lt;b&gt;fissato&lt;/b&gt;" in html
    assert f'href="mailto:{company.email}"' in html and "italiano" in html  # how to reach the owner


def test_a_note_or_reason_that_cannot_be_saved_comes_back_as_typed(client, login_as, proposed_company):
    coach, company, assignment = proposed_company
    login_as(coach)
    page = f"/coach/imprese/{company.id}"
    # Line breaks count once, as the browser's maxlength counts them: 10,000 characters are accepted.
    lines = ("x" * 99 + "\r\n") * 100
    assert client.post(f"{page}/note", data={"body": lines[:-2]}).status_code == 302
    note = db.session.execute(db.select(Note).filter_by(company_id=company.id)).scalar_one()
    assert len(note.body) == 9_999 and "\r" not in note.body
    too_long = "Incontro del lunedì. " * 500
    response = client.post(f"{page}/note", data={"body": too_long})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "La nota può avere al massimo 10000 caratteri." in html
    assert too_long.strip() in html  # nothing typed is lost
    response = client.post(f"{page}/decline", data={"reason": "Non è il mio settore. " * 100})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Il motivo può avere al massimo 2000 caratteri." in html
    assert "Non è il mio settore." in html
    db.session.refresh(assignment)
    assert assignment.status == AssignmentStatus.proposed


def test_no_note_is_added_to_an_erased_company(client, login_as, proposed_company):
    _, company, _ = proposed_company
    login_as("admin")
    assert client.post(f"/admin/imprese/{company.id}/cancella", data={"confirm": "y"}).status_code == 302
    page = client.post(f"/admin/imprese/{company.id}/note", data={"body": "Telefono 333 1234567"},
                       follow_redirects=True).get_data(as_text=True)
    assert "non si possono aggiungere note" in page and f"Impresa cancellata n. {company.id}" in page
    assert db.session.execute(db.select(Note).filter_by(company_id=company.id)).first() is None


def test_enrolment_counts_seats_once_and_people_trained_once_trained(client, login_as, proposed_company, make_user,
                                                                      db_session):
    from datetime import date, timedelta

    from assessment.models import ThematicArea

    coach, company, assignment = proposed_company
    if db.session.get(ThematicArea, "digital_innovation") is None:
        db_session.add(ThematicArea(key="digital_innovation", name_it="Innovazione digitale",
                                    name_en="Digital innovation"))
    track = Track(code="T-SEATS", title_it="Percorso", title_en="Track", thematic_area_key="digital_innovation",
                  format=TrackFormat.workshop, seats_per_cohort=5, dimension_weights={"data_security": 1},
                  starts_on=date.today() + timedelta(days=30))
    db_session.add(track)
    other = submit_company(coach_contact=True)[0]
    propose(other, coach, "accepted")
    db_session.commit()
    login_as(coach)
    page = client.post(f"/coach/imprese/{company.id}/iscrizioni", data={"track_id": track.id, "participants": 4},
                       follow_redirects=True).get_data(as_text=True)
    assert "Accetta prima la proposta" in page  # a proposal is not yet an accompaniment
    client.post(f"/coach/imprese/{company.id}/accept")
    assert "5 posti liberi" in client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    client.post(f"/coach/imprese/{company.id}/iscrizioni", data={"track_id": track.id, "participants": 4})
    page = client.post(f"/coach/imprese/{company.id}/iscrizioni", data={"track_id": track.id, "participants": 1},
                       follow_redirects=True).get_data(as_text=True)
    assert "già iscritta a questo percorso" in page and "4 persone" in page  # a double click counts once
    # The page opens at #enrolments, far below the messages: a mistake takes the focus so it is seen and read.
    assert '<div class="flashes" role="alert" tabindex="-1" autofocus>' in page
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "autofocus" not in page
    page = client.post(f"/coach/imprese/{other.id}/iscrizioni", data={"track_id": track.id, "participants": 2},
                       follow_redirects=True).get_data(as_text=True)
    assert "ne restano 1" in page
    enrolment = db.session.execute(db.select(Enrolment).filter_by(track_id=track.id)).scalar_one()
    assert enrolment.participants == 4
    # People count as trained once the track has taken place, not before it starts.
    page = client.post(f"/coach/imprese/{company.id}/iscrizioni/{enrolment.id}/completa",
                       follow_redirects=True).get_data(as_text=True)
    assert "potrai segnarlo come completato quando sarà svolto" in page
    track.starts_on = date.today() - timedelta(days=60)
    db_session.commit()
    page = client.post(f"/coach/imprese/{company.id}/iscrizioni/{enrolment.id}/completa",
                       follow_redirects=True).get_data(as_text=True)
    assert "Percorso completato: 4 persone dichiarate." in page  # declared: never the people-trained target


def test_invite_reassessment_writes_mail(app, client, login_as, proposed_company, tmp_path):
    coach, company, _ = proposed_company
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    login_as(coach)
    client.post(f"/coach/imprese/{company.id}/invita")
    assert not list(tmp_path.glob("*.eml"))  # only once the proposal is accepted
    client.post(f"/coach/imprese/{company.id}/accept")
    client.post(f"/coach/imprese/{company.id}/invita")
    mails = list(tmp_path.glob("*.eml"))
    assert len(mails) == 1 and "/valutazione/" in mails[0].read_text()
    assert coach.email in mails[0].read_text()  # the owner knows who invites and how to reach them
    # The owner saves the profile from the invitation: no second mail with the same link.
    from tests.factories import profile
    from tests.web.test_owner_flow import _profile_form

    link = re.search(r"http://localhost(/valutazione/\S+/1)", mails[0].read_text()).group(1)
    form = _profile_form(profile(vat_number=company.vat_number, company_name=company.name, email=company.email))
    assert client.post(link, data=form).status_code == 302
    assert len(list(tmp_path.glob("*.eml"))) == 1
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "è una nuova valutazione aperta (" in page  # the invitation leaves a trace
    client.post(f"/coach/imprese/{company.id}/invita")  # invited again: the same draft under a new link
    drafts = db.session.execute(db.select(Assessment).filter_by(company_id=company.id, status="draft")).all()
    assert len(drafts) == 1 and len(list(tmp_path.glob("*.eml"))) == 2
    client.post(f"/coach/imprese/{company.id}/complete")
    page = client.post(f"/coach/imprese/{company.id}/invita", follow_redirects=True).get_data(as_text=True)
    assert "L&#39;accompagnamento è concluso" in page and "Invita il titolare" not in page


def test_dashboard_query_count_does_not_grow_with_rows(client, login_as, make_user, count_queries, db_session):
    coach = make_user("coach")
    login_as(coach)

    def measure():
        with count_queries() as counter:
            assert client.get("/coach/").status_code == 200
        return counter.count

    for _ in range(2):
        company, _, _ = submit_company(coach_contact=True)
        propose(company, coach)
    db_session.commit()
    few = measure()
    for _ in range(8):
        company, _, _ = submit_company(coach_contact=True)
        propose(company, coach)
    db_session.commit()
    assert measure() == few
    assert db.session.execute(db.select(db.func.count(CoachAssignment.id)).filter_by(coach_id=coach.id)).scalar() == 10


def test_owner_withdrawing_consent_ends_the_coaching_and_frees_the_coach_place(client, login_as, make_user,
                                                                              db_session):
    coach = make_user("coach", capacity=1)
    followed, _, followed_token = submit_company(coach_contact=True, company_name="Forno che ritira")
    waiting = submit_company(coach_contact=True, company_name="Bottega in attesa")[0]
    ongoing, proposed = propose(followed, coach, "in_progress"), propose(waiting, coach)
    db_session.commit()
    owner = client.post(f"/risultato/{followed_token}/ritira-consenso", follow_redirects=True)
    assert owner.status_code == 200 and "Hai ritirato il consenso" in owner.get_data(as_text=True)
    db.session.refresh(ongoing)
    assert ongoing.status == AssignmentStatus.withdrawn and ongoing.withdrawn_at is not None
    login_as(coach)
    assert followed.name not in client.get("/coach/").get_data(as_text=True)
    client.post(f"/coach/imprese/{waiting.id}/accept")  # the place the withdrawn company held is free again
    db.session.refresh(proposed)
    assert proposed.status == AssignmentStatus.accepted


def test_admin_is_warned_when_an_override_goes_past_a_coach_capacity(client, login_as, make_user, db_session):
    coach = make_user("coach", capacity=1)
    companies = [submit_company(coach_contact=True)[0] for _ in range(2)]
    db_session.commit()
    login_as("admin")
    plan = client.get("/admin/assegnazioni").get_data(as_text=True)
    assert f"{coach.name} · 1 posto libero" in plan and "Cruscotto" in plan  # inside the admin's pages
    page = client.post("/admin/assegnazioni", data={f"coach_{c.id}": str(coach.id) for c in companies},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 proposte inviate ai coach" in page
    assert f"{coach.name}: proposte inviate 2, posti liberi 1" in page
    within = make_user("coach", capacity=3)
    other = submit_company(coach_contact=True)[0]
    db_session.commit()
    page = client.post("/admin/assegnazioni", data={f"coach_{other.id}": str(within.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 proposta inviata ai coach" in page and "posti liberi" not in page


def test_a_completed_company_waits_for_a_coach_again_only_when_its_owner_asks_again(client, make_user, db_session):
    from assessment.services.assignment import waiting_companies
    from assessment.services.dashboard import DashboardFilters, build_dashboard

    coach = make_user("coach")
    company, _, token = submit_company(coach_contact=True)
    assert company in waiting_companies() and build_dashboard(DashboardFilters()).waiting == 1
    assignment = propose(company, coach, "accepted")
    assignment.status, assignment.completed_at = AssignmentStatus.completed, utcnow()
    db_session.commit()
    assert company not in waiting_companies()  # served: not proposed again by itself
    # A check-up the coach invited keeps the consent ticked, as it was: that is not asking again.
    submit_company(company=company, coach_contact=True)
    assert company not in waiting_companies() and build_dashboard(DashboardFilters()).waiting == 0
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Chiedi di essere seguito da un coach del programma" in page
    client.post(f"/risultato/{token}/coach")  # the owner asks again
    db.session.expire_all()
    assert company in waiting_companies() and build_dashboard(DashboardFilters()).waiting == 1
    assert "Hai chiesto di essere seguito da un coach" in client.get(f"/risultato/{token}").get_data(as_text=True)


def test_the_invitation_is_written_in_the_owner_language(app, client, login_as, proposed_company, tmp_path):
    import email
    import email.policy

    coach, company, _ = proposed_company
    company.language = "en"
    db.session.commit()
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    login_as(coach)  # the coach works in Italian
    client.post(f"/coach/imprese/{company.id}/accept")
    client.post(f"/coach/imprese/{company.id}/invita")
    mail = email.message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == "Bussola Digitale: measure your progress"
    draft = db.session.execute(db.select(Assessment).filter_by(company_id=company.id, status="draft")).scalar_one()
    assert draft.language == "en"


def test_a_coach_with_only_a_proposal_cannot_mark_a_track_completed(client, login_as, proposed_company, db_session):
    from datetime import date, timedelta

    from tests.web.test_admin_access import add_track

    coach, company, _assignment = proposed_company
    track = add_track("T-PAST", starts_on=date.today() - timedelta(days=10))
    enrolment = Enrolment(company_id=company.id, track_id=track.id, participants=3)
    db_session.add(enrolment)
    db_session.commit()
    login_as(coach)
    page = client.post(f"/coach/imprese/{company.id}/iscrizioni/{enrolment.id}/completa",
                       follow_redirects=True).get_data(as_text=True)
    assert "Accetta prima la proposta" in page
    db.session.refresh(enrolment)
    assert enrolment.status.value == "enrolled"
