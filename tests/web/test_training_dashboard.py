"""People trained from evidence on the admin dashboard: distinct people who completed an edition, by area,
track, month and comune; hours, seats, completion rate; skills change per track with small groups
suppressed; the participants typed on enrolments shown apart as "declared"; a constant number of queries."""
from __future__ import annotations

from datetime import date, time

import pytest

from assessment.extensions import db
from assessment.models import (
    EditionStatus,
    Programme,
    ProgrammeTarget,
    SkillsCheck,
    SkillsMoment,
)
from assessment.models.base import utcnow
from assessment.services.dashboard import DashboardFilters, build_dashboard
from assessment.services.questionnaires import latest_version
from assessment.services.training_figures import training_figures
from tests.web.test_admin_access import add_track, thematic_area
from tests.web.test_admin_dashboard import add_company, enrol
from tests.web.training_data import add_edition, add_person, attend, completed, register

TODAY = date(2026, 6, 30)
MAY = [date(2026, 5, 4), date(2026, 5, 11)]
JUNE = [date(2026, 6, 8), date(2026, 6, 15)]


def skills(registration, before: float, after: float | None, areas_delta: float = 0.0) -> None:
    """Self-checks at registration and (when `after` is given) at completion: every area scores `before` at
    first, then `before + areas_delta`; the overall scores are `before` and `after`."""
    version = latest_version("skills-digcomp")
    keys = ("information_data", "communication_collaboration", "content_creation", "safety", "problem_solving")
    moments = [(SkillsMoment.registration, before)] + ([(SkillsMoment.completion, after)] if after is not None else [])
    for moment, score in moments:
        area = before + (areas_delta if moment == SkillsMoment.completion else 0.0)
        db.session.add(SkillsCheck(participant_id=registration.participant_id, registration_id=registration.id,
                                   questionnaire_version_id=version.id, moment=moment, answers={},
                                   scores={k: area for k in keys}, overall_score=score,
                                   submitted_at=utcnow()))
    db.session.flush()


@pytest.fixture
def training(db_session):
    """Two tracks in two areas. Anna completes an edition of each (counted once); Bruno completes one;
    Carla attends one session of two (50% < 70%); Dario is on a cancelled edition; Elena waits."""
    area_b = thematic_area("digital_skills")
    first, second = add_track("T-A"), add_track("T-B", thematic_area_key=area_b.key)
    ivrea = add_company([], comune="001125")
    may, june = add_edition(first, MAY, capacity=10), add_edition(second, JUNE, capacity=8)
    cancelled = add_edition(first, JUNE, status=EditionStatus.cancelled, cancelled_at=utcnow())
    anna, bruno, carla = add_person("Anna", company=ivrea), add_person("Bruno"), add_person("Carla")
    dario, elena = add_person("Dario"), add_person("Elena")
    completed(anna, may), completed(anna, june), completed(bruno, june)
    attend(register(carla, may), may.sessions[:1])
    completed(dario, cancelled)
    from assessment.models import RegistrationStatus

    register(elena, may, RegistrationStatus.waiting)
    return {"first": first, "second": second, "may": may, "june": june, "ivrea": ivrea, "area_b": area_b}


def test_a_person_counts_once_across_two_editions(training):
    figures = training_figures(TODAY)
    assert figures.people_trained == 2  # Anna (twice), Bruno; not Carla (50%), not Dario (cancelled edition)
    assert dict(figures.by_area) == {"digital_innovation": 1, "digital_skills": 2}
    assert figures.by_month == [("2026-05", 1), ("2026-06", 1)]  # Anna in May, her first completion
    assert [(name, n) for _istat, name, n in figures.by_comune] == [("Ivrea", 1), (None, 1)]
    lines = {line.track.code: line for line in figures.tracks}
    assert (lines["T-A"].people_trained, lines["T-B"].people_trained) == (1, 2)


def test_hours_seats_and_completion_rate(training):
    figures = training_figures(TODAY)
    lines = {line.track.code: line for line in figures.tracks}
    # T-A: the May edition (2 sessions of 3 hours) held; the cancelled edition neither offers nor delivers.
    assert (lines["T-A"].editions, lines["T-A"].seats_offered, lines["T-A"].seats_filled) == (1, 10, 2)
    assert lines["T-A"].hours_delivered == 6.0 and lines["T-A"].completion_rate == 50.0  # Anna yes, Carla no
    assert (lines["T-B"].seats_offered, lines["T-B"].seats_filled, lines["T-B"].completion_rate) == (8, 2, 100.0)
    assert (figures.seats_offered, figures.seats_filled, figures.hours_delivered) == (18, 4, 12.0)
    assert figures.completion_rate == 75.0
    # Before the June sessions: those hours are not delivered yet, and June's registrations have no outcome.
    early = training_figures(date(2026, 6, 1))
    assert early.hours_delivered == 6.0 and early.completion_rate == 50.0


def test_the_threshold_is_the_editions_own(db_session):
    track = add_track("T-EDGE")
    edition = add_edition(track, MAY, min_percent=50)
    exactly_half = register(add_person(), edition)
    attend(exactly_half, edition.sessions[:1])
    late = register(add_person(), edition)
    attend(late, edition.sessions[:1], arrived=time(9, 30))  # 2.5 hours of 6: below 50%
    assert training_figures(TODAY).people_trained == 1


def test_skills_change_per_track_is_suppressed_under_five_people(db_session):
    track = add_track("T-SKILLS")
    edition = add_edition(track, MAY, capacity=30)
    for n in range(4):
        skills(completed(add_person(), edition), 40.0, 50.0 + n, areas_delta=10.0)
    skills(register(add_person(), edition), 30.0, None)  # only the first self-check: no change to count
    line = training_figures(TODAY).tracks[0]
    assert line.skills.people == 4 and line.skills.is_suppressed and line.skills.overall_change is None
    skills(completed(add_person(), edition), 40.0, 60.0, areas_delta=10.0)
    line = training_figures(TODAY).tracks[0]
    assert line.skills.people == 5 and not line.skills.is_suppressed
    assert line.skills.overall_change == pytest.approx((10 + 11 + 12 + 13 + 20) / 5)


def test_declared_participants_are_shown_apart_and_never_reach_the_target(client, login_as, training, db_session):
    enrol(training["ivrea"], training["first"], 12, "completed")
    enrol(training["ivrea"], training["second"], 3)
    programme = Programme(key="p-train", name_it="Programma", name_en="Programme", starts_on=date(2026, 1, 1),
                          ends_on=date(2027, 12, 31), is_current=True)
    programme.targets = [ProgrammeTarget(metric="people_trained", target=2400)]
    db_session.add(programme)
    db_session.commit()
    data = build_dashboard(DashboardFilters(), today=TODAY)
    assert [(p.metric, p.value, p.target) for p in data.progress] == [("people_trained", 2, 2400)]
    assert (data.training.declared_completed, data.training.declared_enrolled) == (12, 15)
    login_as("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert '<p class="figure" id="people-trained">2</p>' in page
    assert '<p class="figure" id="people-declared">12</p>' in page
    assert "fuori dall'obiettivo: 12 persone" in page
    assert "Partecipanti dichiarati" in page


def test_dashboard_queries_do_not_grow_with_training_data(client, login_as, count_queries, db_session):
    login_as("admin")
    track = add_track("T-COUNT")

    def grow(editions: int, people: int) -> None:
        for _ in range(editions):
            edition = add_edition(track, MAY)
            for _ in range(people):
                registration = completed(add_person(), edition)
                skills(registration, 40.0, 55.0)
        db_session.commit()

    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/admin/").status_code == 200
        return counter.count

    grow(1, 1)
    few = measure()
    grow(6, 6)
    assert measure() == few



def test_the_database_sums_agree_with_the_domain_rule(db_session):
    """registration_results sums minutes in SQL: on varied partial presences and a cancelled session, every
    registration's hours and completion equal domain.training.completion on the same records."""
    import random

    from assessment.domain.training import Presence, completion
    from assessment.models import Attendance
    from assessment.services.training import session_times
    from assessment.services.training_figures import registration_results

    rng = random.Random(20)
    track = add_track("T-AGREE")
    edition = add_edition(track, [date(2026, 5, d) for d in (4, 5, 6, 7)], hours=(9, 13), min_percent=60)
    edition.sessions[2].is_cancelled = True
    registrations = [register(add_person(), edition) for _ in range(25)]
    for registration in registrations:
        for session in edition.sessions:
            kind = rng.choice(["none", "absent", "full", "late", "early", "both", "outside"])
            if kind == "none":
                continue
            arrived = {"late": time(rng.randint(9, 12), rng.choice([0, 15, 45])), "both": time(10, 10),
                       "outside": time(8, 0)}.get(kind)
            left = {"early": time(rng.randint(10, 12), rng.choice([0, 30])), "both": time(11, 50),
                    "outside": time(14, 0)}.get(kind)
            db_session.add(Attendance(registration=registration, session=session, is_present=kind != "absent",
                                      arrived_at=arrived if kind != "absent" else None,
                                      left_at=left if kind != "absent" else None))
    db_session.flush()
    results = registration_results([edition.id])
    times = [session_times(s) for s in edition.sessions]
    outcomes = set()
    for registration in registrations:
        expected = completion(times, {a.session_id: Presence(a.is_present, a.arrived_at, a.left_at)
                                      for a in registration.attendances}, 60)
        assert results[registration.id].completion == expected, registration.id
        outcomes.add(expected.is_completed)
    assert outcomes == {True, False}
