"""The last seats of an edition, asked for at once by real threads on their own connections: exactly as many
people get a seat as there are seats, the others queue. On a SQLite file, and on PostgreSQL when the suite runs
there (a scratch database of its own)."""
from __future__ import annotations

import threading
import uuid
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from assessment import create_app
from assessment.extensions import db
from assessment.models import (
    Company,
    Participant,
    Registration,
    RegistrationStatus,
    ThematicArea,
    Track,
    TrackFormat,
    TrainingEdition,
    TrainingSession,
)
from assessment.services.registrations import commit_registration, register
from tests.factories import vat_number

PEOPLE = 8
SEATS = 3


@pytest.fixture
def racing_app(database_url, tmp_path):
    """A database of its own, of the suite's kind, where every thread commits for real."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
        cleanup = None
    else:
        name = f"race_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)

        def cleanup():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    app = create_app({"TESTING": True, "SECRET_KEY": "race", "SQLALCHEMY_DATABASE_URI": url,
                      "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    if cleanup:
        cleanup()


def _edition(app, number: int = 1, capacity: int = SEATS) -> int:
    with app.app_context():
        if db.session.get(ThematicArea, "race_area") is None:
            db.session.add(ThematicArea(key="race_area", name_it="Area", name_en="Area"))
        track = Track(code=f"RACE-{number:02d}", title_it="Corsa", title_en="Race", thematic_area_key="race_area",
                      format=TrackFormat.workshop)
        edition = TrainingEdition(track=track, title="Ultimi posti", capacity=capacity, place="Ivrea")
        edition.sessions = [TrainingSession(on_date=date.today() + timedelta(days=20), start_time=time(9),
                                            end_time=time(12), check_in_code=f"RACE{number:02d}")]
        db.session.add(edition)
        db.session.commit()
        return edition.id


def _all_at_once(app, registrations: list[dict]) -> None:
    """Each registration in its own thread on its own connection, released together; none may fail."""
    start = threading.Barrier(len(registrations))
    errors: list[BaseException] = []

    def person(n: int, fields: dict) -> None:
        try:
            with app.app_context():
                start.wait()
                commit_registration(lambda: register(
                    name=f"Persona {n}", email=f"p{n}@example.org", role="dipendente", firm_name="Impresa",
                    language="it", today=date.today(), **fields))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=person, args=(n, fields)) for n, fields in enumerate(registrations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_concurrent_registrations_for_the_last_seats(racing_app):
    edition_id = _edition(racing_app)
    _all_at_once(racing_app, [{"edition_id": edition_id, "vat_number": vat_number()} for _ in range(PEOPLE)])
    with racing_app.app_context():
        statuses = db.session.execute(db.select(Registration.status).where(
            Registration.edition_id == edition_id)).scalars().all()
        assert len(statuses) == PEOPLE
        assert statuses.count(RegistrationStatus.confirmed) == SEATS
        assert statuses.count(RegistrationStatus.waiting) == PEOPLE - SEATS


def test_people_of_a_new_firm_registering_at_once_make_one_company(racing_app):
    # Different editions, so the edition's lock does not queue them: the firm's partita IVA is what they race for.
    editions = [_edition(racing_app, number, capacity=PEOPLE) for number in (1, 2)]
    firm = vat_number()
    _all_at_once(racing_app, [{"edition_id": editions[n % 2], "vat_number": firm} for n in range(PEOPLE)])
    with racing_app.app_context():
        companies = db.session.execute(db.select(Company.id).where(Company.vat_number == firm)).scalars().all()
        assert len(companies) == 1
        people = db.session.execute(db.select(Participant.company_id)).scalars().all()
        assert people == [companies[0]] * PEOPLE
        assert db.session.execute(db.select(db.func.count(Registration.id)).where(
            Registration.status == RegistrationStatus.confirmed)).scalar() == PEOPLE
