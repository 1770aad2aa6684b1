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


def _edition(app) -> int:
    with app.app_context():
        db.session.add(ThematicArea(key="race_area", name_it="Area", name_en="Area"))
        track = Track(code="RACE-01", title_it="Corsa", title_en="Race", thematic_area_key="race_area",
                      format=TrackFormat.workshop)
        edition = TrainingEdition(track=track, title="Ultimi posti", capacity=SEATS, place="Ivrea")
        edition.sessions = [TrainingSession(on_date=date.today() + timedelta(days=20), start_time=time(9),
                                            end_time=time(12), check_in_code="RACE01")]
        db.session.add(edition)
        db.session.commit()
        return edition.id


def test_concurrent_registrations_for_the_last_seats(racing_app):
    edition_id = _edition(racing_app)
    start = threading.Barrier(PEOPLE)
    errors: list[BaseException] = []

    def person(n: int) -> None:
        try:
            with racing_app.app_context():
                start.wait()
                commit_registration(lambda: register(
                    edition_id, name=f"Persona {n}", email=f"p{n}@example.org", role="dipendente",
                    vat_number=vat_number(), firm_name="Impresa", language="it", today=date.today()))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with racing_app.app_context():
        statuses = db.session.execute(db.select(Registration.status).where(
            Registration.edition_id == edition_id)).scalars().all()
        assert len(statuses) == PEOPLE
        assert statuses.count(RegistrationStatus.confirmed) == SEATS
        assert statuses.count(RegistrationStatus.waiting) == PEOPLE - SEATS
