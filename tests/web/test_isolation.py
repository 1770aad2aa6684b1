"""Each test runs in a transaction that is rolled back, commits included."""
from __future__ import annotations

from assessment.extensions import db
from assessment.models import Territory


def test_first_writes_and_commits(db_session):
    db_session.add(Territory(key="isolation-probe", name_it="Prova", name_en="Probe"))
    db_session.commit()
    assert db.session.execute(db.select(Territory).filter_by(key="isolation-probe")).scalar_one()


def test_second_does_not_see_the_first(db_session):
    assert db.session.execute(db.select(Territory).filter_by(key="isolation-probe")).scalar_one_or_none() is None
