"""Certificates of participation (attestati): issued to the registrations that completed an edition, as a PDF
with an unguessable verification code that `/attestati/<code>` confirms without showing more than the
certificate itself."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Certificate,
    Participant,
    Registration,
    TrainingEdition,
    TrainingSession,
)
from .audit import record
from .catalogue import current_programme
from .mail import send_mail
from .training_figures import RegistrationResult, registration_results

# 16 characters of Crockford's base32 alphabet (no I, L, O, U: nothing to misread when typed from paper):
# 80 random bits, printed in four groups of four.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str | None:
    """A code as typed (lower case, spaces, O for 0...) in its printed form; None when it cannot be one."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())[:40]
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def issue_due_certificates(edition_id: int) -> list[Certificate]:
    """A certificate for every confirmed registration of the edition that completed it and has none yet
    (completion derived from the attendance records). Flushes; the caller commits, then mails them."""
    results = registration_results([edition_id])
    done = {r.registration_id: r for r in results.values() if r.completion.is_completed}
    if not done:
        return []
    have = set(db.session.execute(db.select(Certificate.registration_id)
                                  .where(Certificate.registration_id.in_(done))).scalars())
    issued = []
    for registration_id, result in done.items():
        if registration_id in have:
            continue
        certificate = Certificate(registration_id=registration_id, verification_code=new_verification_code(),
                                  hours_attended=round(result.completion.attended_hours, 2))
        db.session.add(certificate)
        issued.append(certificate)
    db.session.flush()
    if issued:
        record("certificates_issued", None, edition_id=edition_id, certificates=len(issued))
    return issued


@dataclass(frozen=True)
class CertificateView:
    """What a certificate prints, and all that the verification page may show."""

    certificate: Certificate
    registration: Registration
    participant: Participant
    edition: TrainingEdition
    sessions: list[TrainingSession]  # held sessions
    total_hours: float
    programme_name: dict | None  # {"it", "en"}
    issuer: str
    firm: str
    still_completed: bool  # the register as it stands today still completes the registration

    @property
    def first_on(self) -> date | None:
        return self.sessions[0].on_date if self.sessions else None

    @property
    def last_on(self) -> date | None:
        return self.sessions[-1].on_date if self.sessions else None

    @property
    def is_withdrawn(self) -> bool:
        """The person's data were erased on request: the certificate no longer names anyone."""
        return self.participant.erased_at is not None

    @property
    def is_void(self) -> bool:
        """The register was corrected after the certificate was issued (or the edition cancelled), and the
        attendance no longer reaches the edition's threshold: completion is derived, so the certificate follows
        it; a correction back makes it valid again."""
        return not self.still_completed


def _view(certificate: Certificate, result: RegistrationResult | None) -> CertificateView:
    registration = certificate.registration
    edition = registration.edition
    participant = registration.participant
    programme = current_programme()
    issuer = current_app.config.get("PRIVACY_CONTROLLER") or edition.track.provider or \
        (programme.name_it if programme else "Bussola Digitale")
    firm = participant.firm_name or (participant.company.name if participant.company else "") or ""
    return CertificateView(
        certificate=certificate, registration=registration, participant=participant, edition=edition,
        sessions=[s for s in edition.sessions if not s.is_cancelled],
        total_hours=result.completion.total_hours if result else 0.0,
        programme_name={"it": programme.name_it, "en": programme.name_en} if programme else None,
        issuer=issuer, firm=firm, still_completed=result is not None and result.completion.is_completed)


def _options() -> tuple:
    registration = joinedload(Certificate.registration)
    return (registration.joinedload(Registration.participant).joinedload(Participant.company),
            registration.joinedload(Registration.edition).joinedload(TrainingEdition.track),
            registration.joinedload(Registration.edition).selectinload(TrainingEdition.sessions))


def _loaded(query):
    return db.session.execute(query.options(*_options())).unique().scalar_one_or_none()


def certificate_by_code(code: str) -> CertificateView | None:
    printed = normalise_code(code)
    if printed is None:
        return None
    certificate = _loaded(db.select(Certificate).where(Certificate.verification_code == printed))
    return _with_hours(certificate)


def certificate_of(registration: Registration) -> CertificateView | None:
    certificate = _loaded(db.select(Certificate).where(Certificate.registration_id == registration.id))
    return _with_hours(certificate)


def _with_hours(certificate: Certificate | None) -> CertificateView | None:
    if certificate is None:
        return None
    result = registration_results([certificate.registration.edition_id]).get(certificate.registration_id)
    return _view(certificate, result)


def mail_certificates(certificate_ids: list[int]) -> int:
    """Mail each certificate to its holder; returns how many mails did not go."""
    certificates = db.session.execute(db.select(Certificate).where(Certificate.id.in_(certificate_ids))
                                      .options(*_options())).unique().scalars().all()
    edition_ids = sorted({c.registration.edition_id for c in certificates})
    results = registration_results(edition_ids)
    return sum(not mail_certificate(_view(c, results.get(c.registration_id))) for c in certificates)


def render_certificate_pdf(view: CertificateView, lang: str) -> bytes:
    from flask import render_template
    from weasyprint import HTML

    from ..config import PROJECT_ROOT
    from ..urls import external_url

    verify_url = external_url("public.certificate_verify", code=view.certificate.verification_code)
    html = render_template("reports/certificate.html", view=view, lang=lang, verify_url=verify_url)
    return HTML(string=html, base_url=str(PROJECT_ROOT / "assessment" / "static")).write_pdf()


def certificate_filename(view: CertificateView) -> str:
    return f"attestato-{view.certificate.verification_code}.pdf"


def mail_certificate(view: CertificateView) -> bool:
    """The certificate as a PDF attachment, in the person's language, with the address that verifies it."""
    from ..urls import external_url

    participant = view.participant
    if not participant.email or participant.erased_at is not None:
        return False
    lang = participant.language or "it"
    with force_locale(lang):
        pdf = render_certificate_pdf(view, lang)
        body = _("Buongiorno %(name)s,\n\nhai completato «%(title)s»: in allegato trovi il tuo attestato di "
                 "partecipazione. Chiunque può verificarne l'autenticità con il codice %(code)s a questo "
                 "indirizzo:\n\n%(link)s\n\nDal link personale dell'e-mail di iscrizione puoi rifare "
                 "l'autovalutazione delle competenze digitali e vedere che cosa è cambiato.\n",
                 name=participant.name, title=view.edition.title,
                 code=view.certificate.verification_code,
                 link=external_url("public.certificate_verify", code=view.certificate.verification_code))
        return send_mail(participant.email, _("Il tuo attestato: %(title)s", title=view.edition.title), body,
                         attachments=((certificate_filename(view), "application/pdf", pdf),))
