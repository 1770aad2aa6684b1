"""The mail server refusing or timing out never costs a request its work: every e-mail has another way to its
reader, and the page says which one. SMTP is configured and every connection to it fails."""
from __future__ import annotations

import logging
import re
import smtplib

import pytest

from assessment.extensions import db
from assessment.models import AuditEntry, CoachAssignment, User
from assessment.services.mail import send_mail
from tests.factories import profile, propose, submit_company


@pytest.fixture
def smtp_down(app, monkeypatch):
    """MAIL_SERVER set, and every SMTP connection refused; the attempts are counted."""
    attempts = []

    def refuse(host, port, timeout=None):
        attempts.append((host, port))
        assert timeout == app.config["MAIL_TIMEOUT"] == 10  # a silent server holds a page 10 s at most
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setattr(smtplib, "SMTP", refuse)
    return attempts


def test_send_mail_says_whether_the_mail_went(app, smtp_down, caplog, tmp_path, monkeypatch):
    with app.test_request_context(), caplog.at_level(logging.WARNING):
        assert send_mail("owner@example.org", "Oggetto di prova", "Testo") is False
    assert smtp_down == [("smtp.example.org", 587)]
    assert "Oggetto di prova" in caplog.text and "ConnectionRefusedError" in caplog.text
    assert "owner@example.org" not in caplog.text  # no owner's address in the server's log
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    with app.test_request_context():
        assert send_mail("owner@example.org", "Oggetto di prova", "Testo") is True
    assert len(list(tmp_path.glob("*.eml"))) == 1
    (tmp_path / "a-file").write_text("")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "a-file" / "outbox"))  # cannot be made
    with app.test_request_context():
        assert send_mail("owner@example.org", "Oggetto di prova", "Testo") is False


def _start(client) -> str:
    return re.search(r"/valutazione/([^/]+)/1$", client.post("/valutazione").headers["Location"]).group(1)


def test_owner_profile_is_saved_and_the_link_shown_when_the_resume_mail_fails(client, smtp_down):
    token = _start(client)
    data = profile(company_name="Officina Posta Srl", email="titolare@example.org", comune_istat="Ivrea (TO)")
    form = {k: v for k, v in data.items() if k not in ("privacy_accepted", "coach_contact")}
    form.update(annual_turnover_eur="2000000", privacy_accepted="y", action="next")
    response = client.post(f"/valutazione/{token}/1", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/valutazione/{token}/2")
    assert len(smtp_down) == 1
    page = client.get(f"/valutazione/{token}/2").get_data(as_text=True)
    assert "Non siamo riusciti a inviarti l&#39;e-mail" in page and f"/riprendi/{token}" in page
    # Saved, and not marked as sent: saving the profile again tries the mail again.
    saved = client.get(f"/valutazione/{token}/1").get_data(as_text=True)
    assert 'value="Officina Posta Srl"' in saved
    client.post(f"/valutazione/{token}/1", data=form)
    assert len(smtp_down) == 2


def test_new_staff_account_is_created_and_its_link_shown_when_the_mail_fails(client, login_as, smtp_down):
    login_as("admin")
    response = client.post("/admin/account/nuovo", data={"email": "nuovo.coach@example.org", "name": "Nuovo Coach",
                                                         "role": "coach"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(smtp_down) == 1
    assert "non è stato possibile inviargli" in html and "/password/" in html
    assert db.session.execute(db.select(User).filter_by(email="nuovo.coach@example.org")).scalar_one()


def test_reassessment_link_is_given_to_the_coach_when_the_invitation_mail_fails(client, login_as, make_user,
                                                                                 smtp_down, db_session):
    coach = make_user("coach")
    company, _, _ = submit_company(coach_contact=True)
    propose(company, coach, "accepted")
    db_session.commit()
    login_as(coach)
    response = client.post(f"/coach/imprese/{company.id}/invita", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(smtp_down) == 1
    assert "Non è stato possibile inviare l&#39;e-mail" in html and "/valutazione/" in html
    with client.session_transaction() as session:  # shown on the page, never carried in the session cookie
        assert "/valutazione/" not in str(dict(session))
    event = db.session.execute(db.select(AuditEntry).filter_by(action="reassessment_invited")).scalar_one()
    assert event.details["emailed"] is False


def test_proposals_are_kept_and_the_admin_told_when_coach_mails_fail(client, login_as, make_user, smtp_down,
                                                                      db_session):
    coach = make_user("coach", capacity=3)
    company, _, _ = submit_company(coach_contact=True)
    db_session.commit()
    login_as("admin")
    response = client.post("/admin/assegnazioni", data={f"coach_{company.id}": str(coach.id)},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(smtp_down) == 1
    assert "1 proposta inviata ai coach" in html and "1 coach non ha ricevuto l&#39;e-mail" in html
    assert db.session.execute(db.select(CoachAssignment).filter_by(company_id=company.id,
                                                                   coach_id=coach.id)).scalar_one()
