"""Small builders of training data (editions, sessions, people, registrations, presence) for the certificate,
dashboard, export and privacy tests."""
from __future__ import annotations

import itertools
import uuid
from datetime import date, time

from assessment.extensions import db
from assessment.models import (
    Attendance,
    Participant,
    Registration,
    RegistrationStatus,
    Track,
    TrainingEdition,
    TrainingSession,
)
from assessment.models.base import utcnow

_numbers = itertools.count(1)


def add_edition(track: Track, days: list[date], *, capacity: int = 20, hours: tuple[int, int] = (9, 12),
                title: str | None = None, min_percent: int = 70, **overrides) -> TrainingEdition:
    """An edition with one session per day, from hours[0]:00 to hours[1]:00."""
    n = next(_numbers)
    edition = TrainingEdition(track=track, title=title or f"Edizione {n}", capacity=capacity,
                              place="Via Jervis 77, Ivrea", trainer_name="Laura Formatrice",
                              min_attendance_percent=min_percent, **overrides)
    edition.sessions = [TrainingSession(on_date=day, start_time=time(hours[0]), end_time=time(hours[1]),
                                        check_in_code=f"C{n:03d}{i:02d}") for i, day in enumerate(days)]
    db.session.add(edition)
    db.session.flush()
    return edition


def add_person(name: str | None = None, *, company=None, email: str | None = None) -> Participant:
    n = next(_numbers)
    person = Participant(name=name or f"Persona {n}", email=email or f"persona{n}-{uuid.uuid4().hex[:6]}@example.org",
                         role="Impiegata", firm_vat_number=company.vat_number if company else "01234567897",
                         firm_name=company.name if company else "Officina Rossi", company=company,
                         privacy_consent_at=utcnow(), privacy_text_version="test")
    db.session.add(person)
    db.session.flush()
    return person


def register(person: Participant, edition: TrainingEdition,
             status: RegistrationStatus = RegistrationStatus.confirmed, token: str | None = None) -> Registration:
    from assessment.services.passwords import token_hash

    registration = Registration(participant=person, edition=edition, status=status,
                                confirmed_at=utcnow() if status == RegistrationStatus.confirmed else None,
                                cancel_token_hash=token_hash(token or uuid.uuid4().hex))
    db.session.add(registration)
    db.session.flush()
    return registration


def attend(registration: Registration, sessions=None, *, arrived: time | None = None,
           left: time | None = None) -> None:
    """Present at the given sessions (all the edition's by default), from `arrived` to `left`."""
    for session in sessions if sessions is not None else registration.edition.sessions:
        db.session.add(Attendance(registration=registration, session=session, is_present=True,
                                  arrived_at=arrived, left_at=left))
    db.session.flush()


def completed(person: Participant, edition: TrainingEdition, token: str | None = None) -> Registration:
    registration = register(person, edition, token=token)
    attend(registration)
    return registration
