"""Migrations go up from empty to head and back to base, and agree with the models."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from assessment import create_app
from assessment.extensions import db
from assessment.models import Base


@pytest.fixture
def scratch_database_url(database_url, tmp_path):
    """A database of its own, so going down to base never disturbs the suite's database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")  # already psycopg (conftest)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def upgrade_over_rows(database_url: str, before: str, statements: list[str], query: str) -> list[tuple]:
    """Migrate up to `before`, insert rows with raw SQL (foreign keys off: only these rows matter, the rows they
    point at are left out; on the driver's own connection, as SQLite changes that pragma only outside a
    transaction), migrate to the head, and return what `query` then reads."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision=before)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            is_sqlite = db.engine.dialect.name == "sqlite"
            cursor.execute("PRAGMA foreign_keys=OFF" if is_sqlite else "SET session_replication_role = replica")
            for statement in statements:
                cursor.execute(statement)
            raw.commit()
        finally:
            raw.close()
        db.engine.dispose()
        upgrade()
        with db.engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(sa.text(query)).all()]
        db.engine.dispose()
    return rows


def test_upgrade_downgrade_and_models_agree(scratch_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert connection.execute(sa.text("SELECT count(*) FROM comuni")).scalar() > 7000
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()  # and up again: nothing left behind by the downgrade blocks it
        db.engine.dispose()
