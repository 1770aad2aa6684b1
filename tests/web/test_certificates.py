"""Certificates of participation: issued when the register shows completion, mailed as a PDF naming the
person, downloadable from the registration's link, verified at /attestati/<code> (genuine, unknown, withdrawn)."""
from __future__ import annotations

import email
import email.policy
import re
import zlib
from datetime import date

import pytest

from assessment.extensions import db
from assessment.models import Certificate
from assessment.services.certificates import (
    CODE_ALPHABET,
    certificate_of,
    issue_due_certificates,
    new_verification_code,
    normalise_code,
    render_certificate_pdf,
)
from tests.web.test_admin_access import add_track
from tests.web.training_data import add_edition, add_person, attend, completed, register

DAYS = [date(2026, 5, 4), date(2026, 5, 11)]


@pytest.fixture
def edition(db_session):
    track = add_track("T-CERT", title_it="Sicurezza informatica per la bottega", title_en="Cyber security basics",
                      provider="Camera di commercio di Torino")
    return add_edition(track, DAYS, title="Primavera a Ivrea")


def pdf_title(pdf: bytes) -> str | None:
    """The document title WeasyPrint writes in the PDF's metadata (a UTF-16 hex string, in a compressed
    object stream)."""
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            inflated = zlib.decompressobj().decompress(pdf[match.end():match.end() + 200_000])
        except zlib.error:
            continue
        found = re.search(rb"/Title <feff([0-9a-f]+)>", inflated)
        if found:
            return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
    return None


def test_codes_are_long_random_and_forgiving_when_typed():
    codes = {new_verification_code() for _ in range(500)}
    assert len(codes) == 500
    code = codes.pop()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("ABCD") is None and normalise_code("x" * 5000) is None


def test_only_completed_registrations_get_one_certificate_each(edition):
    anna = completed(add_person("Anna Bianchi"), edition)
    partial = register(add_person("Carlo Verdi"), edition)
    attend(partial, edition.sessions[:1])  # 50% of the hours, below 70%
    issued = issue_due_certificates(edition.id)
    assert [c.registration_id for c in issued] == [anna.id]
    assert issued[0].hours_attended == 6.0
    assert issue_due_certificates(edition.id) == []  # never twice
    attend(partial, edition.sessions[1:])
    assert [c.registration_id for c in issue_due_certificates(edition.id)] == [partial.id]


def test_the_pdf_is_a_pdf_naming_the_person(app, edition, db_session):
    registration = completed(add_person("Anna Bianchi"), edition)
    issue_due_certificates(edition.id)
    view = certificate_of(registration)
    with app.test_request_context("/"):
        from flask import render_template

        html = render_template("reports/certificate.html", view=view, lang="it", verify_url="http://x/attestati/c")
        pdf = render_certificate_pdf(view, "it")
    assert pdf.startswith(b"%PDF")
    for fact in ("Anna Bianchi", "Officina Rossi", "Sicurezza informatica per la bottega", "Primavera a Ivrea",
                 "dal 04/05/2026 al 11/05/2026", "6,0 ore su 6,0", "Camera di commercio di Torino",
                 view.certificate.verification_code):
        assert fact in html, fact
    # The document's title, with the person's name, is in the PDF itself.
    assert pdf_title(pdf) == "Attestato di partecipazione – Anna Bianchi"


def test_completion_on_the_register_issues_and_mails_the_certificate(app, client, login_as, edition, db_session,
                                                                       tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    registration = register(add_person("Anna Bianchi", email="anna@example.org"), edition)
    attend(registration, edition.sessions[:1])
    db_session.commit()
    login_as("admin")
    response = client.post(f"/admin/formazione/incontri/{edition.sessions[1].id}",
                           data={f"present-{registration.id}": "1"})
    assert response.status_code == 302
    certificate = db.session.execute(db.select(Certificate)).scalar_one()
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in tmp_path.glob("*.eml")]
    assert len(mails) == 1 and mails[0]["To"] == "anna@example.org"
    parts = {part.get_filename(): part for part in mails[0].walk() if part.get_filename()}
    assert parts[f"attestato-{certificate.verification_code}.pdf"].get_payload(decode=True).startswith(b"%PDF")
    assert f"/attestati/{certificate.verification_code}" in mails[0].get_body(("plain",)).get_content()
    # The register's change is in the audit log, with what it was and what it became.
    from assessment.models import AuditEntry

    entry = db.session.execute(db.select(AuditEntry).filter_by(action="attendance_recorded")).scalar_one()
    assert entry.details["changes"] == [{"registration_id": registration.id, "before": None,
                                         "after": {"present": True, "arrived": None, "left": None}}]
    assert db.session.execute(db.select(AuditEntry).filter_by(action="certificates_issued")).scalar_one()


def test_verification_page_genuine_unknown_and_withdrawn(client, edition, db_session):
    registration = completed(add_person("Anna Bianchi", email="anna.b@example.org"), edition)
    certificate = issue_due_certificates(edition.id)[0]
    db_session.commit()
    page = client.get(f"/attestati/{certificate.verification_code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Attestato autentico." in text
    assert "Anna Bianchi" in text and "Primavera a Ivrea" in text and "6,0 / 6,0" in text
    assert "anna.b@example.org" not in text and "01234567897" not in text  # no more than the certificate
    typed = client.get("/attestati", query_string={"codice": certificate.verification_code.lower().replace("-", "")})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(certificate.verification_code)
    unknown = client.get("/attestati/0000-0000-0000-0000")
    assert unknown.status_code == 404 and "Codice sconosciuto." in unknown.get_data(as_text=True)
    assert "Anna" not in unknown.get_data(as_text=True)
    assert client.get("/attestati/not-a-code").status_code == 404
    registration.participant.erased_at, registration.participant.name = db.func.now(), None
    registration.participant.email = None
    db_session.commit()
    withdrawn = client.get(f"/attestati/{certificate.verification_code}").get_data(as_text=True)
    assert "Attestato ritirato." in withdrawn and "Primavera" not in withdrawn


def test_a_register_corrected_below_the_threshold_voids_the_certificate_until_corrected_back(
        client, make_user, edition, db_session):
    from assessment.services.attendance import RegisterEntry, save_register

    admin = make_user("admin")
    registration = completed(add_person("Anna Bianchi"), edition, token="secret-anna")
    certificate = issue_due_certificates(edition.id)[0]
    db_session.commit()
    first = edition.sessions[0]
    save_register(first, [RegisterEntry(registration.id, is_present=False)], admin)  # 3 of 6 hours: below 70%
    db_session.commit()
    page = client.get(f"/attestati/{certificate.verification_code}").get_data(as_text=True)
    assert "Attestato annullato." in page and "Attestato autentico." not in page and "Anna" not in page
    assert client.get("/formazione/iscrizione/secret-anna/attestato.pdf").status_code == 404
    save_register(first, [RegisterEntry(registration.id, is_present=True)], admin)
    db_session.commit()
    assert "Attestato autentico." in client.get(f"/attestati/{certificate.verification_code}").get_data(as_text=True)
    assert client.get("/formazione/iscrizione/secret-anna/attestato.pdf").status_code == 200


def test_download_from_the_registration_link_only(client, edition, db_session):
    registration = completed(add_person("Anna Bianchi"), edition, token="secret-anna")
    other = register(add_person("Bruno"), edition, token="secret-bruno")
    issue_due_certificates(edition.id)
    db_session.commit()
    pdf = client.get("/formazione/iscrizione/secret-anna/attestato.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert client.get("/formazione/iscrizione/secret-bruno/attestato.pdf").status_code == 404  # not completed
    assert client.get("/formazione/iscrizione/wrong/attestato.pdf").status_code == 404
    assert other.id != registration.id


def test_participants_page_issues_missing_certificates_for_the_trainer_only(client, login_as, make_user, edition,
                                                                            db_session):
    trainer, stranger = make_user("coach"), make_user("coach")
    edition.trainer_name, edition.trainer_user_id = None, trainer.id
    completed(add_person("Anna Bianchi"), edition)
    db_session.commit()
    login_as(stranger)
    assert client.get(f"/coach/formazione/{edition.id}/partecipanti").status_code == 404
    assert client.post(f"/coach/formazione/{edition.id}/attestati").status_code == 404
    login_as(trainer)
    page = client.get(f"/coach/formazione/{edition.id}/partecipanti").get_data(as_text=True)
    assert "Anna Bianchi" in page and "6,0 / 6,0" in page
    done = client.post(f"/coach/formazione/{edition.id}/attestati", follow_redirects=True).get_data(as_text=True)
    assert "1 attestato rilasciato" in done
    assert db.session.execute(db.select(db.func.count(Certificate.id))).scalar_one() == 1


def test_participants_page_queries_do_not_grow_with_people(client, login_as, count_queries, edition, db_session):
    login_as("admin")

    def measure() -> int:
        with count_queries() as counter:
            assert client.get(f"/admin/formazione/{edition.id}/partecipanti").status_code == 200
        return counter.count

    completed(add_person(), edition)
    issue_due_certificates(edition.id)
    db_session.commit()
    few = measure()
    for _ in range(12):
        completed(add_person(), edition)
    issue_due_certificates(edition.id)
    db_session.commit()
    assert measure() == few
