"""People registering for a training edition: a seat or the waiting list, cancel links, promotion in order.

The last seat goes to exactly one of two people registering at once: the edition's row is locked before the
seats are counted (SELECT ... FOR UPDATE on PostgreSQL; on SQLite a write to the row takes the database's
write lock, and the loser of a lock race is retried by `commit_registration`).
"""
from __future__ import annotations

import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from ..clock import local_today
from ..domain.company_profile import validate_vat_number
from ..domain.errors import InvalidField
from ..domain.training import is_registration_open
from ..extensions import db
from ..models import (
    Company,
    Participant,
    Registration,
    RegistrationStatus,
    TrainingEdition,
    User,
    utcnow,
)
from .audit import record
from .passwords import new_token, token_hash
from .profiles import PRIVACY_NOTICE_VERSION

T = TypeVar("T")


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration
    cancel_token: str | None  # a new registration's secret link (mailed, never stored); None: mail_link makes one
    was_registered: bool  # the person already held a seat or a place in the queue: nothing changed


class RegistrationClosed(InvalidField):
    def __init__(self) -> None:
        super().__init__("edition", "registrations are closed")


class PersonOfAnotherFirm(InvalidField):
    """Staff registering a firm's people gave the address of someone registered for another firm."""

    def __init__(self) -> None:
        super().__init__("email", "registered for another firm")


def lock_edition(edition_id: int) -> TrainingEdition | None:
    """The edition, locked for the rest of the transaction against other registrations and cancellations."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a no-op write takes the database's write lock until commit.
        db.session.execute(update(TrainingEdition).where(TrainingEdition.id == edition_id)
                           .values(capacity=TrainingEdition.capacity, updated_at=TrainingEdition.updated_at)
                           .execution_options(synchronize_session=False))
    return db.session.execute(db.select(TrainingEdition).where(TrainingEdition.id == edition_id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def confirmed_count(edition_id: int) -> int:
    return db.session.execute(db.select(func.count()).select_from(Registration).where(
        Registration.edition_id == edition_id, Registration.status == RegistrationStatus.confirmed)).scalar_one()


def find_participant(email: str) -> Participant | None:
    return db.session.execute(db.select(Participant).where(
        Participant.email == email.strip().lower())).scalar_one_or_none()


def _participant(name: str, email: str, role: str, vat_number: str, firm_name: str, language: str,
                 may_update: bool) -> Participant:
    """The person with this address, or a new one, linked to the firm's company (firm_company). Nothing about
    that company is read back to the registrant. The public form never changes what is stored of a known
    address (whoever types someone's address must not rename them or move them to another firm); the coach of
    their own firm may (may_update), never for another firm's person (PersonOfAnotherFirm)."""
    participant = find_participant(email)
    if participant is not None and not may_update:
        return participant
    company = firm_company(vat_number, firm_name, language)
    if participant is not None and (participant.company_id not in (None, company.id)
                                    or participant.firm_vat_number not in (None, vat_number)):
        raise PersonOfAnotherFirm()
    if participant is None:
        participant = Participant(email=email.strip().lower())
        db.session.add(participant)
    participant.name, participant.role, participant.language = name.strip(), role.strip(), language
    participant.firm_vat_number, participant.firm_name = vat_number, firm_name.strip()
    participant.company = company
    participant.privacy_consent_at, participant.privacy_text_version = utcnow(), PRIVACY_NOTICE_VERSION
    return participant


def _company_with_vat(vat_number: str) -> Company | None:
    return db.session.execute(db.select(Company).where(
        Company.vat_number == vat_number, Company.erased_at.is_(None))).scalar_one_or_none()


def firm_company(vat_number: str, firm_name: str, language: str = "it") -> Company:
    """The company with this partita IVA, or a new company without assessment: the partita IVA and the name
    typed, no profile, until the first owner who self-assesses with that partita IVA takes it on. Two people of
    the same new firm registering at once both insert it: the loser's savepoint is rolled back and the
    winner's company read (on PostgreSQL the second INSERT waits for the first transaction, then fails)."""
    company = _company_with_vat(vat_number)
    if company is not None:
        return company
    company = Company(name=firm_name.strip() or None, vat_number=vat_number, language=language)
    try:
        with db.session.begin_nested():
            db.session.add(company)
    except IntegrityError:
        company = _company_with_vat(vat_number)
        if company is None:  # not the partita IVA that clashed
            raise
    return company


def register(edition_id: int, *, name: str, email: str, role: str, vat_number: str, firm_name: str,
             language: str, today, registered_by: User | None = None) -> RegistrationOutcome:
    """Register a person: a seat while there is one, else the end of the waiting list. Registering again while
    registered changes nothing, and the link they hold keeps working until mail_link mails a new one. Raises
    InvalidField (vat_number, or RegistrationClosed); flushes. The caller commits through commit_registration."""
    vat_number = validate_vat_number(vat_number)
    edition = lock_edition(edition_id)
    if edition is None or edition.is_cancelled:
        raise RegistrationClosed()
    first = next((s.on_date for s in edition.sessions if not s.is_cancelled), None)
    if not is_registration_open(edition.registration_deadline_on, first, today):
        raise RegistrationClosed()
    participant = _participant(name, email, role, vat_number, firm_name, language,
                               may_update=registered_by is not None)
    db.session.flush()
    registration = db.session.execute(db.select(Registration).where(
        Registration.participant_id == participant.id, Registration.edition_id == edition.id)).scalar_one_or_none()
    seats_taken = confirmed_count(edition.id)
    token = None
    was_registered = registration is not None and registration.status != RegistrationStatus.cancelled
    if registration is None:
        token = new_token()
        registration = Registration(participant=participant, edition=edition, cancel_token_hash=token_hash(token),
                                    status=RegistrationStatus.waiting)
        db.session.add(registration)
    if not was_registered:
        registration.registered_by_id = registered_by.id if registered_by is not None else None
        now = utcnow()
        registration.queued_at, registration.cancelled_at = now, None
        if seats_taken < edition.capacity:
            registration.status, registration.confirmed_at = RegistrationStatus.confirmed, now
        else:
            registration.status, registration.confirmed_at = RegistrationStatus.waiting, None
    db.session.flush()
    return RegistrationOutcome(registration=registration, cancel_token=token, was_registered=was_registered)


def commit_registration(work: Callable[[], T], attempts: int = 5) -> T:
    """Run `work` (which registers or cancels) and commit; on SQLite, a transaction that lost the race for the
    write lock is rolled back and run again, so the seats are counted after the winner's commit."""
    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if "locked" not in str(error.orig) or attempt == attempts - 1:
                raise
            clock_time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def mail_link(outcome: RegistrationOutcome, send: Callable[[Registration, str], bool]) -> bool:
    """Mail the registration's secret link with `send(registration, token)`; True once sent. A registration that
    existed gets a new link only when the mail goes: the link is committed before sending (so it works when it
    arrives) and the old one put back if the mail fails, so a person never loses the link they hold to a mail
    that never reached them. Commits."""
    registration = outcome.registration
    if outcome.cancel_token is not None:
        return send(registration, outcome.cancel_token)
    previous, token = registration.cancel_token_hash, new_token()

    def set_link(old: str, new: str) -> None:  # only if no one else replaced it meanwhile
        db.session.execute(update(Registration).where(Registration.id == registration.id,
                                                      Registration.cancel_token_hash == old)
                           .values(cancel_token_hash=new))

    commit_registration(lambda: set_link(previous, token_hash(token)))
    if send(registration, token):
        return True
    commit_registration(lambda: set_link(token_hash(token), previous))
    return False


def find_by_cancel_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(db.select(Registration).where(
        Registration.cancel_token_hash == token_hash(token))).scalar_one_or_none()


def cancel_registration(registration_id: int) -> tuple[Registration, list[Registration]]:
    """Cancel a registration; a seat it frees goes to the first on the waiting list. Returns the registration and
    the ones promoted (to mail). Flushes."""
    registration = db.session.get(Registration, registration_id)
    edition = lock_edition(registration.edition_id)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.cancelled:
        return registration, []
    registration.status, registration.cancelled_at = RegistrationStatus.cancelled, utcnow()
    db.session.flush()
    return registration, fill_seats(edition)


def cancel_by_staff(registration_id: int) -> tuple[Registration, list[Registration]]:
    """cancel_registration on the person's behalf, in the audit log (who, whose, from which status)."""
    registration = db.session.get(Registration, registration_id)
    status = registration.status.value
    cancelled, promoted = cancel_registration(registration_id)
    record("registration_cancelled_by_staff", registration.participant.company_id,
           registration_id=registration_id, edition_id=registration.edition_id, status_before=status,
           promoted=[r.id for r in promoted])
    return cancelled, promoted


def waiting_list(edition_id: int) -> list[Registration]:
    """The edition's waiting list in the order seats are given (people loaded)."""
    return list(db.session.execute(db.select(Registration).where(
        Registration.edition_id == edition_id, Registration.status == RegistrationStatus.waiting)
        .options(selectinload(Registration.participant))
        .order_by(Registration.queued_at, Registration.id)).scalars())


def fill_seats(edition: TrainingEdition) -> list[Registration]:
    """Give free seats to the waiting list in order (queued_at, then id); the edition must be locked. Returns
    the promoted registrations. Nothing moves on a cancelled edition, nor once its last session's day has
    passed (a seat freed then is of no use: "a seat freed up" was mailed for a course already over)."""
    if edition.is_cancelled or _is_over(edition):
        return []
    free = edition.capacity - confirmed_count(edition.id)
    if free <= 0:
        return []
    waiting = db.session.execute(db.select(Registration).where(
        Registration.edition_id == edition.id, Registration.status == RegistrationStatus.waiting)
        .order_by(Registration.queued_at, Registration.id).limit(free)).scalars().all()
    now = utcnow()
    for registration in waiting:
        registration.status, registration.confirmed_at = RegistrationStatus.confirmed, now
    db.session.flush()
    return list(waiting)


def _is_over(edition: TrainingEdition) -> bool:
    days = [s.on_date for s in edition.sessions if not s.is_cancelled]
    return bool(days) and max(days) < local_today()


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in the queue; None when not waiting."""
    if registration.status != RegistrationStatus.waiting:
        return None
    ahead = db.session.execute(db.select(func.count()).select_from(Registration).where(
        Registration.edition_id == registration.edition_id, Registration.status == RegistrationStatus.waiting,
        (Registration.queued_at < registration.queued_at)
        | ((Registration.queued_at == registration.queued_at) & (Registration.id < registration.id)))).scalar_one()
    return ahead + 1


def company_registrations(company_id: int) -> list[Registration]:
    """The registrations of a company's people, for the coach's company page."""
    from sqlalchemy.orm import joinedload

    return list(db.session.execute(
        db.select(Registration).join(Participant).where(Participant.company_id == company_id,
                                                        Participant.erased_at.is_(None))
        .options(joinedload(Registration.participant), joinedload(Registration.edition))
        .order_by(Registration.id.desc())).scalars())
