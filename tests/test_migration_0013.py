"""Migration 0013 on a database with editions already mailed: each edition's revision starts from the SEQUENCE
its calendars carried (the minute of its last change), so that the next update is still taken as newer."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from assessment import create_app
from assessment.extensions import db
from tests.test_migrations import scratch_database_url  # noqa: F401 - the fixture, a database of its own


def test_existing_editions_keep_a_sequence_at_least_as_high_as_the_one_mailed(scratch_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0012")
        raw = db.engine.raw_connection()  # the edition's track is left out: foreign keys off
        try:
            cursor = raw.cursor()
            is_sqlite = db.engine.dialect.name == "sqlite"
            cursor.execute("PRAGMA foreign_keys=OFF" if is_sqlite else "SET session_replication_role = replica")
            cursor.execute("INSERT INTO training_editions (id, track_id, title, description, place, capacity, "
                           "min_attendance_percent, status, is_example, created_at, updated_at) VALUES (1, 1, 'E', "
                           "'', 'Ivrea', 10, 70, 'scheduled', false, '2026-01-01 09:00:00', '2026-03-04 10:30:00')")
            raw.commit()
        finally:
            raw.close()
        db.engine.dispose()
        upgrade()
        with db.engine.connect() as connection:
            revision = connection.execute(sa.text("SELECT revision FROM training_editions")).scalar_one()
        db.engine.dispose()
    old_sequence = int((datetime(2026, 3, 4, 10, 30) - datetime(2020, 1, 1)).total_seconds() // 60)
    assert revision == old_sequence
