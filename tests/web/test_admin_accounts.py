"""Admins create staff accounts (the person sets the password through a one-time link), see a company's page
with its private notes, and export or erase a company's data on request; each step is in the audit log."""
from __future__ import annotations

import re

from assessment.extensions import db
from assessment.models import Assessment, AuditEntry, Company, Note, Role, User
from tests.factories import submit_company


def test_admin_creates_a_coach_who_sets_a_password_by_link(app, client, login_as, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    login_as("admin")
    response = client.post("/admin/account/nuovo", data={"email": " Nuova.Coach@Example.org ", "name": "Anna Neri",
                                                         "role": "coach"})
    assert response.status_code == 200
    assert "Il coach è in pausa" in response.get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+/password/[^<]+)</code>", response.get_data(as_text=True)).group(1)
    user = db.session.execute(db.select(User).filter_by(email="nuova.coach@example.org")).scalar_one()
    assert user.role == Role.coach and user.coach_profile is not None and user.password_hash is None
    assert not user.coach_profile.is_available  # no proposals before the profile is filled in
    mails = list(tmp_path.glob("*.eml"))
    assert len(mails) == 1 and link in mails[0].read_text()
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout")
    response = client.post(f"/{path}", data={"password": "una-password-lunga", "confirm": "una-password-lunga"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": "nuova.coach@example.org",
                                       "password": "una-password-lunga"}).status_code == 302


def test_duplicate_or_bad_email_is_a_form_error(client, login_as, make_user):
    login_as("admin")
    make_user("coach", email="gia@example.org")
    html = client.post("/admin/account/nuovo", data={"email": "gia@example.org", "role": "coach"}).get_data(
        as_text=True)
    assert "Esiste già un account" in html
    html = client.post("/admin/account/nuovo", data={"email": "non-una-mail", "role": "admin"}).get_data(
        as_text=True)
    assert "indirizzo e-mail valido" in html
    assert db.session.execute(db.select(User).filter_by(email="non-una-mail")).first() is None


def test_admin_reads_and_adds_private_notes(client, login_as):
    company, _, _ = submit_company()
    admin = login_as("admin")
    client.post(f"/admin/imprese/{company.id}/note", data={"body": "Telefonato al titolare"})
    html = client.get(f"/admin/imprese/{company.id}").get_data(as_text=True)
    assert "Telefonato al titolare" in html and company.name in html
    assert "/coach/imprese/" not in html  # no coach-only actions for an admin
    note = db.session.execute(db.select(Note).filter_by(company_id=company.id)).scalar_one()
    assert note.author_id == admin.id
    actions = db.session.execute(db.select(AuditEntry.action).filter_by(company_id=company.id,
                                                                        user_id=admin.id)).scalars().all()
    assert {"view", "note_added"} <= set(actions)


def test_admin_exports_and_erases_on_request(client, login_as):
    from tests.web.test_admin_access import add_track

    add_track("EXPORT-1", title_it="Vendere online")
    company, _, _ = submit_company(company_name="Cantina da Cancellare")
    admin = login_as("admin")
    data = client.get(f"/admin/imprese/{company.id}/dati.json").get_json()
    assert data["company"]["name"] == "Cantina da Cancellare" and data["assessments"][0]["answers"]
    assert "Vendere online" in [r["title"] for r in data["recommendations"]]  # named, not only an id
    assert client.post(f"/admin/imprese/{company.id}/cancella", data={}).status_code == 200  # unconfirmed
    assert db.session.get(Company, company.id).erased_at is None
    response = client.post(f"/admin/imprese/{company.id}/cancella", data={"confirm": "y"})
    assert response.status_code == 302
    erased = db.session.get(Company, company.id)
    assert erased.erased_at is not None and erased.name is None and erased.vat_number is None
    assert erased.assessments[0].overall_score is not None  # anonymous scores stay
    actions = db.session.execute(db.select(AuditEntry.action).filter_by(company_id=company.id,
                                                                        user_id=admin.id)).scalars().all()
    assert {"export", "erase"} <= set(actions)


def test_admin_disables_and_enables_a_coach_account(client, login_as, make_user):
    coach = make_user("coach", email="in-uscita@example.org", password="una-password-lunga")
    login_as("admin")
    assert client.post(f"/admin/coach/{coach.id}/account").status_code == 302
    assert db.session.get(User, coach.id).is_enabled is False
    client.post("/logout")
    refused = client.post("/login", data={"email": "in-uscita@example.org", "password": "una-password-lunga"})
    assert refused.status_code == 200  # the form again, with its error
    login_as("admin")
    client.post(f"/admin/coach/{coach.id}/account")
    assert db.session.get(User, coach.id).is_enabled is True
    entries = db.session.execute(db.select(AuditEntry.action).where(
        AuditEntry.action.in_(("account_disabled", "account_enabled")))).scalars().all()
    assert sorted(entries) == ["account_disabled", "account_enabled"]


def test_a_disabled_coach_companies_wait_for_another_coach(client, login_as, make_user):
    from assessment.models import AssignmentStatus
    from assessment.services.assignment import waiting_companies
    from tests.factories import propose

    coach = make_user("coach")
    proposed, followed = (submit_company(coach_contact=True)[0] for _ in range(2))
    assignments = [propose(proposed, coach), propose(followed, coach, "accepted")]
    db.session.commit()
    assert not {proposed, followed} & set(waiting_companies())
    login_as("admin")
    page = client.post(f"/admin/coach/{coach.id}/account", follow_redirects=True).get_data(as_text=True)
    assert "Account disattivato: 2 imprese tornano in attesa di un coach." in page
    for assignment in assignments:
        db.session.refresh(assignment)
    assert {a.status for a in assignments} == {AssignmentStatus.withdrawn}
    assert {proposed, followed} <= set(waiting_companies())


def test_staff_accounts_are_listed_renewed_and_switched_off(app, client, login_as, make_user, tmp_path):
    from datetime import timedelta

    from assessment.models import utcnow
    from assessment.services.users import create_user

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    other_admin = make_user("admin", email="collega@example.org", password="una-password-lunga")
    late, first_token = create_user("in-ritardo@example.org", "coach", "Coach in ritardo")
    late.password_token_expires_at = utcnow() - timedelta(hours=1)  # the first link expired unused
    db.session.commit()
    assert "Link non più valido" in client.get(f"/password/{first_token}").get_data(as_text=True)

    me = login_as("admin")
    page = client.get("/admin/account").get_data(as_text=True)
    assert "collega@example.org" in page and "in-ritardo@example.org" in page and "link scaduto" in page
    # A new link for the person whose first one expired: mailed, shown once, and it works.
    page = client.post(f"/admin/account/{late.id}/link").get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+/password/[^<]+)</code>", page).group(1)
    assert "Nuovo link per la password" in page and len(list(tmp_path.glob("*.eml"))) == 1
    assert client.get("/" + link.split("://", 1)[1].split("/", 1)[1]).status_code == 200
    assert client.get(f"/password/{first_token}").status_code == 404
    # Another programme manager can be switched off; oneself cannot.
    client.post(f"/admin/account/{other_admin.id}/stato")
    assert db.session.get(User, other_admin.id).is_enabled is False
    page = client.post(f"/admin/account/{me.id}/stato", follow_redirects=True).get_data(as_text=True)
    assert "Non puoi disattivare il tuo stesso account." in page and db.session.get(User, me.id).is_enabled
    client.post(f"/admin/account/{late.id}/nome", data={"name": "  Giulia Verdi "})  # mended after creation
    assert db.session.get(User, late.id).name == "Giulia Verdi"
    page = client.post(f"/admin/account/{late.id}/nome", data={"name": ""}, follow_redirects=True)
    assert "Scrivi un nome" in page.get_data(as_text=True) and db.session.get(User, late.id).name == "Giulia Verdi"
    actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
    assert {"password_link_issued", "account_disabled", "account_renamed"} <= actions


def test_the_admin_reads_decline_reasons_and_takes_back_a_stuck_proposal(client, login_as, make_user):
    from assessment.models import AssignmentStatus
    from assessment.services.assignment import waiting_companies
    from tests.factories import propose

    coach, other = make_user("coach"), make_user("coach")
    coach.name = "Coach Lenta"
    company = submit_company(coach_contact=True)[0]
    declined = propose(company, other)
    declined.status, declined.decline_reason = AssignmentStatus.declined, "Troppo lontano da Ivrea"
    declined.declined_at = declined.proposed_at
    db.session.flush()
    stuck = propose(company, coach)
    db.session.commit()
    login_as("admin")
    page = client.get(f"/admin/imprese/{company.id}").get_data(as_text=True)
    assert "Troppo lontano da Ivrea" in page and "Coach Lenta" in page
    client.post(f"/admin/imprese/{company.id}/affidamenti/{stuck.id}/ritira")
    db.session.refresh(stuck)
    assert stuck.status == AssignmentStatus.withdrawn and company in waiting_companies()
    assert client.post(f"/admin/imprese/{company.id + 1}/affidamenti/{stuck.id}/ritira").status_code == 404


def test_the_helpdesk_gives_an_owner_a_new_link_to_the_result(app, client, login_as, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    company, _assessment, older_token = submit_company(email="")
    _company, _again, old_token = submit_company(company=company)
    from assessment.services.assessments import save_section, start_draft

    draft, draft_token = start_draft("dma-sme", company=company)  # a re-assessment begun, some answers given
    save_section(draft, answers={"ds_plan": "written"})
    db.session.commit()
    login_as("admin")
    page = client.get(f"/admin/imprese/{company.id}").get_data(as_text=True)
    assert "Link personale del titolare" in page
    # No address: the link is shown, to be handed over; the old one stops working.
    page = client.post(f"/admin/imprese/{company.id}/link-titolare", data={"email": ""},
                       follow_redirects=True).get_data(as_text=True)
    link = re.search(r"http://localhost(/risultato/[A-Za-z0-9_-]+)", page).group(1)
    assert client.get(link).status_code == 200 and client.get(f"/risultato/{old_token}").status_code == 404
    assert client.get(f"/risultato/{older_token}/dati.json").status_code == 404  # every older link, not only the last
    assert not list(tmp_path.glob("*.eml"))
    # The assessment begun is not stranded: it has a new link too, with its answers.
    draft_link = re.search(r"http://localhost(/riprendi/[A-Za-z0-9_-]+)", page).group(1)
    assert client.get(f"/riprendi/{draft_token}").status_code == 404 and client.get(draft_link).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, draft.id).draft_answers == {"ds_plan": "written"}
    # A wrong address is said on the page, nothing changes.
    for wrong in ("non-una-mail", "ab@ex..org", "a,b@example.org", "<x>@example.org"):
        response = client.post(f"/admin/imprese/{company.id}/link-titolare", data={"email": wrong})
        assert response.status_code == 422 and "indirizzo e-mail valido" in response.get_data(as_text=True), wrong
    assert client.get(link).status_code == 200
    # An address given: it becomes the company's, the link goes there.
    page = client.post(f"/admin/imprese/{company.id}/link-titolare", data={"email": "Titolare@Example.org"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Nuovo link inviato a titolare@example.org" in page
    mail = next(tmp_path.glob("*.eml")).read_text()
    assert "To: titolare@example.org" in mail
    mailed = re.search(r"http://localhost(/risultato/[A-Za-z0-9_-]+)", mail).group(1)
    assert client.get(mailed).status_code == 200 and client.get(link).status_code == 404
    db.session.expire_all()
    assert db.session.get(Company, company.id).email == "titolare@example.org"
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "nuovo link personale per il titolare" in audit


def test_a_new_password_ends_the_other_sessions(client, login_as, make_user, db_session):
    from assessment.services.users import set_password

    coach = make_user("coach")
    login_as(coach)
    assert client.get("/coach/").status_code == 200
    set_password(coach, "a brand new passphrase")  # set elsewhere: from the password link, on another device
    db_session.commit()
    response = client.get("/coach/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
