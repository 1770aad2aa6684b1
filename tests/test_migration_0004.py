"""Migration 0004 on a database where a race already left two active assignments for one company: the one
furthest along stays (then the oldest), the others are withdrawn, and the unique index can be built."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from assessment import create_app
from assessment.extensions import db
from tests.test_migrations import scratch_database_url  # noqa: F401 - the fixture, a database of its own

ROWS = [(1, 7, 1, "accepted"), (2, 7, 2, "accepted"), (3, 7, 3, "proposed"), (4, 8, 1, "proposed"),
        (5, 8, 2, "in_progress"), (6, 9, 1, "completed"), (7, 9, 2, "proposed")]


def test_duplicate_active_assignments_are_withdrawn_before_the_index(scratch_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0003")
        # Only the assignments matter here: the rows they point at are left out, foreign keys off (on the
        # driver's own connection: SQLite changes that pragma only outside a transaction).
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            is_sqlite = db.engine.dialect.name == "sqlite"
            cursor.execute("PRAGMA foreign_keys=OFF" if is_sqlite else "SET session_replication_role = replica")
            for id_, company_id, coach_id, status in ROWS:
                cursor.execute("INSERT INTO coach_assignments (id, company_id, coach_id, status, fit_score, reason, "
                               f"proposed_at) VALUES ({id_}, {company_id}, {coach_id}, '{status}', 0, '{{}}', "
                               "'2026-01-01')")
            raw.commit()
        finally:
            raw.close()
        db.engine.dispose()
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT id, status, withdrawn_at IS NOT NULL FROM coach_assignments ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "accepted", False), (2, "withdrawn", True), (3, "withdrawn", True), (4, "withdrawn", True),
        (5, "in_progress", False), (6, "completed", False), (7, "proposed", False)]
