"""The seed catalogue (`catalogue seed`) and the demo data (`demo load`): complete, idempotent, clear errors."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from assessment.cli.catalogue import catalogue_cli
from assessment.cli.demo import demo_cli
from assessment.domain.catalogue_seed import SeedError
from assessment.domain.grant_dimensions import DIMENSIONS
from assessment.domain.matching_space import AREA_KEYS
from assessment.extensions import db
from assessment.models import (
    Assessment,
    AssignmentStatus,
    CoachAssignment,
    Company,
    Comune,
    Enrolment,
    EnrolmentStatus,
    Grant,
    Programme,
    Territory,
    ThematicArea,
    Track,
    User,
    utcnow,
)
from assessment.services.seed import load_seed
from assessment.services.users import authenticate

SEED = Path(__file__).resolve().parents[2] / "assessment" / "data" / "seed" / "canavese.yaml"
DEMO_EMAILS = ["admin@bussola.example", "coach1@bussola.example", "coach2@bussola.example",
               "coach3@bussola.example"]


def count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def seeded_tracks() -> list[Track]:
    return list(db.session.execute(db.select(Track).where(Track.code.like("CAN-%"))).scalars())


def test_seed_loads_tracks_for_every_area_and_dimension(db_session):
    report = load_seed(SEED)
    tracks = seeded_tracks()
    assert 14 <= len(tracks) <= 18 and report.counts["tracks"].added == len(tracks)
    assert {t.thematic_area_key for t in tracks} == set(AREA_KEYS)
    for dimension in DIMENSIONS:
        strong = [t.code for t in tracks if t.dimension_weights.get(dimension, 0) >= 0.6]
        assert len(strong) >= 2, f"{dimension}: {strong}"
    assert min(t.level_from for t in tracks) == 0 and max(t.level_to for t in tracks) == 4
    assert all(t.is_example for t in tracks)
    places = {t.place for t in tracks} - {None}
    found = set(db_session.execute(db.select(Comune.name).where(Comune.name.in_(places))).scalars())
    assert places and found == places
    area = db_session.get(ThematicArea, "territorial_marketing")
    assert area.name_it.startswith("Marketing territoriale (specialità enogastronomiche")


def test_default_territory_is_the_province_of_turin(db_session):
    load_seed(SEED)
    territory = db_session.execute(db.select(Territory).filter_by(is_default=True)).scalar_one()
    to_codes = set(db_session.execute(db.select(Comune.istat_code).filter_by(province_code="TO")).scalars())
    assert len(to_codes) == 312 and {c.istat_code for c in territory.comuni} == to_codes
    programme = db_session.execute(db.select(Programme).filter_by(key="canavese-2026-2028")).scalar_one()
    assert programme.territory_id == territory.id and programme.is_current
    targets = {(t.metric, t.thematic_area_key): t.target for t in programme.targets}
    assert targets[("people_trained", None)] == 2400 and targets[("firms_accompanied", None)] == 45
    assert {targets[("firms_per_area", key)] for key in AREA_KEYS} == {65}


def test_second_load_changes_nothing_and_a_changed_value_updates(db_session, runner, tmp_path):
    first = runner.invoke(catalogue_cli, ["seed", str(SEED)])
    assert first.exit_code == 0, first.output
    assert "thematic areas: added 4, updated 0, unchanged 0" in first.stdout
    rows = (count(Track), count(ThematicArea), count(Territory), count(Programme))
    second = runner.invoke(catalogue_cli, ["seed", str(SEED)])
    assert second.exit_code == 0, second.output
    assert "tracks: added 0, updated 0, unchanged" in second.stdout
    assert "programmes: added 0, updated 0, unchanged 1" in second.stdout
    assert (count(Track), count(ThematicArea), count(Territory), count(Programme)) == rows

    changed = tmp_path / "changed.yaml"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("hours: 6\n", "hours: 9\n", 1)
                       .replace("people_trained: 2400", "people_trained: 2500"), encoding="utf-8")
    report = load_seed(changed)
    assert (report.counts["tracks"].added, report.counts["tracks"].updated) == (0, 1)
    assert report.counts["programmes"].updated == 1
    assert db_session.execute(db.select(Track.hours).filter_by(code="CAN-DIG-01")).scalar_one() == 9
    assert count(Track) == rows[0]


@pytest.mark.parametrize("track, message", [
    ({"format": "x"}, 'tracks[1].format: unknown value "x"'),
    ({"thematic_area": "tourism"}, 'tracks[1].thematic_area: unknown thematic area "tourism"'),
    ({"dimension_weights": {"marketing": 0.5}}, 'tracks[1].dimension_weights: unknown dimension "marketing"'),
    ({"level_from": 3, "level_to": 1}, "tracks[1].level_to: 1 is below level_from (3)"),
    ({"level_to": 5}, "tracks[1].level_to: 5 is out of range (from 0 to 4)"),
    ({"place": "Atlantide"}, 'tracks[1].place: no comune named "Atlantide"'),
])
def test_bad_seed_file_names_the_entry_and_changes_nothing(db_session, runner, tmp_path, track, message):
    good = {"code": "T-OK", "thematic_area": "new_area", "title_it": "Uno", "title_en": "One",
            "dimension_weights": {"digital_strategy": 0.8}, "format": "workshop", "place": "Ivrea"}
    bad = dict(good, code="T-BAD", **track)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({
        "thematic_areas": [{"key": "new_area", "name_it": "Nuova", "name_en": "New", "position": 9}],
        "tracks": [good, bad]}, allow_unicode=True), encoding="utf-8")
    before = (count(Track), count(ThematicArea))
    result = runner.invoke(catalogue_cli, ["seed", str(path)])
    assert result.exit_code == 1 and message in result.stderr and "nothing was loaded" in result.stderr
    assert "Traceback" not in result.output
    assert (count(Track), count(ThematicArea)) == before


def test_unquoted_yaml_boolean_key_is_refused(db_session, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("tracks:\n  - code: T1\n    no: 3\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"tracks\[0\]: key False is not text: quote it"):
        load_seed(path)


def test_yaml_nested_absurdly_deep_is_refused_with_a_message(db_session, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("tracks: " + "[" * 100_000, encoding="utf-8")
    with pytest.raises(SeedError, match="nested too deeply"):
        load_seed(path)


def test_demo_load_twice_creates_each_account_once(db_session, runner):
    first = runner.invoke(demo_cli, ["load"], env={"DEMO_PASSWORD": "demo-password-42"})
    assert first.exit_code == 0, first.output
    assert "accounts created: admin@bussola.example, coach1@bussola.example" in first.stdout
    rows = (count(Track), count(Grant), count(Territory))
    second = runner.invoke(demo_cli, ["load"], env={"DEMO_PASSWORD": "demo-password-42"})
    assert second.exit_code == 0, second.output
    assert "accounts created: none" in second.stdout
    assert (count(Track), count(Grant), count(Territory)) == rows and rows[1] == 27 + 4  # snapshot + CCIAA
    users = db_session.execute(db.select(User).where(User.email.in_(DEMO_EMAILS))).scalars().all()
    assert sorted(u.email for u in users) == DEMO_EMAILS
    assert authenticate("coach2@bussola.example", "demo-password-42") is not None
    coaches = [u for u in users if u.is_coach]
    assert all(u.coach_profile.capacity > 0 and u.coach_profile.comuni_istat and u.coach_profile.expertise
               for u in coaches)


def test_demo_load_creates_no_accounts_in_production(db_session, runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    refused = runner.invoke(demo_cli, ["load"])
    assert refused.exit_code == 1 and "--no-accounts" in refused.stderr
    loaded = runner.invoke(demo_cli, ["load", "--no-accounts"])
    assert loaded.exit_code == 0, loaded.output
    assert count(Track) >= 14
    assert not db_session.execute(db.select(User.id).where(User.email.in_(DEMO_EMAILS))).first()
    assert "demo companies" not in loaded.stdout and not demo_companies()


def test_demo_load_recomputes_stored_recommendations(db_session, runner):
    from assessment.models import Match, MatchKind
    from tests.factories import submit_company

    company, _assessment, _token = submit_company()
    db_session.commit()
    result = runner.invoke(demo_cli, ["load", "--no-accounts"])
    assert result.exit_code == 0, result.output
    codes = set(db_session.execute(
        db.select(Track.code).join(Match, Match.track_id == Track.id)
        .where(Match.company_id == company.id, Match.kind == MatchKind.track)).scalars())
    assert codes and all(code.startswith("CAN-") for code in codes)


def demo_companies() -> list[Company]:
    return list(db.session.execute(
        db.select(Company).where(Company.email.like("demo%@bussola.example"))
        .options(db.selectinload(Company.assessments))).scalars())


def test_demo_load_creates_demo_companies_with_a_year_of_history_once(db_session, runner):
    first = runner.invoke(demo_cli, ["load"])
    assert first.exit_code == 0, first.output
    assert "demo companies created: 40" in first.stdout
    companies = demo_companies()
    assert len(companies) == 40 and all(c.name.startswith("Demo · ") for c in companies)
    assessments = [a for c in companies for a in c.assessments]
    assert all(a.is_submitted and a.created_at <= a.submitted_at <= utcnow() for a in assessments)
    assert all(c.created_at <= c.assessments[0].submitted_at for c in companies)
    assert len({a.submitted_at.strftime("%Y-%m") for a in assessments}) >= 8
    assert min(a.submitted_at for a in assessments) > utcnow() - timedelta(days=366)
    assert len({a.level_key for a in assessments}) >= 3
    assert {c.size_class.value for c in companies} == {"micro", "small", "medium"}

    again = [sorted(c.assessments, key=lambda a: a.submitted_at) for c in companies if len(c.assessments) == 2]
    assert len(again) >= 8
    for before, after in again:
        assert after.overall_score > before.overall_score
        assert timedelta(days=85) <= after.submitted_at - before.submitted_at <= timedelta(days=185)

    assignments = db_session.execute(db.select(CoachAssignment).where(
        CoachAssignment.company_id.in_([c.id for c in companies]))).scalars().all()
    assert {a.status for a in assignments} >= {AssignmentStatus.proposed, AssignmentStatus.accepted,
                                               AssignmentStatus.in_progress, AssignmentStatus.completed}
    for assignment in assignments:
        stamps = [assignment.proposed_at, assignment.accepted_at, assignment.started_at, assignment.completed_at]
        known = [s for s in stamps if s is not None]
        assert known == sorted(known) and known[-1] <= utcnow()
    active = {AssignmentStatus.proposed, AssignmentStatus.accepted, AssignmentStatus.in_progress}
    for coach in db_session.execute(db.select(User).where(User.email.in_(DEMO_EMAILS[1:]))).scalars():
        load = sum(1 for a in assignments if a.coach_id == coach.id and a.status in active)
        assert load <= coach.coach_profile.capacity
    enrolments = db_session.execute(db.select(Enrolment)).scalars().all()
    assert {e.status for e in enrolments} == {EnrolmentStatus.enrolled, EnrolmentStatus.completed}

    rows = (count(Company), count(Assessment), count(CoachAssignment), count(Enrolment))
    second = runner.invoke(demo_cli, ["load"])
    assert second.exit_code == 0, second.output
    assert "demo companies created: 0" in second.stdout
    assert (count(Company), count(Assessment), count(CoachAssignment), count(Enrolment)) == rows
