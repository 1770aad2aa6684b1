"""The programme dashboard on a small, hand-counted set of companies; fixed query counts on every list."""
from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, datetime

import pytest

from assessment.domain.grant_dimensions import DIMENSIONS
from assessment.extensions import db
from assessment.models import (
    Assessment,
    AssessmentStatus,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    Company,
    Comune,
    Consent,
    ConsentKind,
    DimensionScore,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeTarget,
    QuestionnaireVersion,
    Role,
    SizeClass,
    Territory,
    User,
)
from assessment.services.audit import record
from assessment.services.dashboard import DashboardFilters, build_dashboard
from tests.web.test_admin_access import add_grant, add_track, thematic_area

_names = itertools.count(1)
ATECO = {"C": "10.71.10", "G": "47.11.00"}


def add_company(assessments, *, comune="001125", section="C", size="micro", consents=(ConsentKind.privacy,
                ConsentKind.coach_contact), name=None) -> Company:
    """A company with submitted assessments: [(submitted_at, overall, level_key, {dimension: score})]."""
    version = db.session.execute(db.select(QuestionnaireVersion).filter_by(key="dma-sme")).scalars().first()
    n = next(_names)
    company = Company(name=name or f"Impresa {n}", email=f"impresa{n}@example.org", vat_number=f"{n:011d}",
                      ateco_code=ATECO[section], ateco_section=section, comune_istat=comune, employees=4,
                      annual_turnover_eur=300_000, size_class=SizeClass(size))
    company.consents = [Consent(kind=kind, text_version="test") for kind in consents]
    for submitted_at, overall, level, dimensions in assessments:
        company.assessments.append(Assessment(
            questionnaire_version_id=version.id, status=AssessmentStatus.submitted, submitted_at=submitted_at,
            overall_score=overall, level_key=level, token_hash=uuid.uuid4().hex * 2,
            dimension_scores=[DimensionScore(dimension_key=key, position=i, level_key=level,
                                             score=dimensions.get(key, overall))
                              for i, key in enumerate(DIMENSIONS)]))
    db.session.add(company)
    db.session.flush()
    return company


def two_assessments(first: float, latest: float) -> list:
    return [(datetime(2024, 1, 1), first, "basic", {}), (datetime(2024, 6, 1), latest, "basic", {})]


def assign(company, coach, status="accepted", proposed=datetime(2024, 1, 20), accepted=datetime(2024, 1, 22)):
    assignment = CoachAssignment(company_id=company.id, coach_id=coach.id, status=AssignmentStatus(status),
                                 proposed_at=proposed, reason={"it": "prova", "en": "test"})
    if status in ("accepted", "in_progress", "completed"):
        assignment.accepted_at = accepted
    if status == "declined":
        assignment.declined_at, assignment.decline_reason = accepted, "troppo lontano"
    db.session.add(assignment)
    db.session.flush()
    return assignment


def enrol(company, track, participants, status="enrolled"):
    db.session.add(Enrolment(company_id=company.id, track_id=track.id, participants=participants,
                             status=EnrolmentStatus(status)))
    db.session.flush()


@pytest.fixture
def programme_data(db_session, make_user):
    """6 coached micro firms in Ivrea (C) that went from 40 to 55; 3 small firms in Torino (G), not coached,
    50 to 52; one medium firm with a single assessment and a declined proposal."""
    coach_a, coach_b = make_user("coach", capacity=8), make_user("coach", capacity=2)
    coached = [add_company([(datetime(2024, 1, 15), 40.0, "basic", {}),
                            (datetime(2024, 3, 10), 55.0, "intermediate", {"digital_strategy": 60.0, **{
                                k: 50.0 for k in DIMENSIONS if k != "digital_strategy"}})])
               for _ in range(6)]
    for company in coached:
        assign(company, coach_a)
    others = [add_company([(datetime(2024, 2, 5), 50.0, "intermediate", {}),
                           (datetime(2024, 3, 20), 52.0, "intermediate", {})], comune="001272", section="G",
                          size="small") for _ in range(3)]
    assign(others[0], coach_b, status="proposed")
    single = add_company([(datetime(2024, 2, 10), 70.0, "advanced", {})], comune="001272", size="medium",
                         consents=(ConsentKind.privacy,))
    assign(single, coach_b, status="declined")

    area = thematic_area()
    track = add_track("T-DASH")
    enrol(coached[0], track, 3, "completed")
    enrol(coached[1], track, 5, "completed")
    enrol(others[0], track, 2)
    programme = Programme(key="p1", name_it="Programma", name_en="Programme", starts_on=date(2024, 1, 1),
                          ends_on=date(2026, 12, 31), is_current=True)
    programme.targets = [ProgrammeTarget(metric="people_trained", target=100),
                         ProgrammeTarget(metric="firms_accompanied", target=10),
                         ProgrammeTarget(metric="firms_per_area", thematic_area_key=area.key, target=4)]
    db_session.add(programme)
    db_session.flush()
    return {"coached": coached, "others": others, "single": single, "coach_a": coach_a, "coach_b": coach_b,
            "track": track, "area": area}


def test_assessment_figures(programme_data):
    data = build_dashboard(DashboardFilters())
    assert data.months == [("2024-01", 6), ("2024-02", 4), ("2024-03", 9)]
    assert data.levels == {"basic": 6, "intermediate": 12, "advanced": 1}
    assert data.overall.count == 19
    assert data.overall.mean == pytest.approx(946 / 19) and data.overall.median == 52.0
    strategy = data.dimensions["digital_strategy"]
    assert strategy.count == 19 and strategy.median == 52.0
    assert strategy.mean == pytest.approx((6 * 40 + 6 * 60 + 3 * 50 + 3 * 52 + 70) / 19)


def test_filters_narrow_every_figure(programme_data):
    micro = build_dashboard(DashboardFilters(size_class="micro"))
    assert micro.months == [("2024-01", 6), ("2024-03", 6)] and micro.proposals == {"accepted": 6}
    torino = build_dashboard(DashboardFilters(comune_istat="001272", date_from=date(2024, 3, 1)))
    assert torino.months == [("2024-03", 3)] and torino.levels == {"intermediate": 3}
    section = build_dashboard(DashboardFilters(ateco_section="G", date_to=date(2024, 2, 28)))
    assert section.months == [("2024-02", 3)]


def test_matching_and_coaching_figures(programme_data):
    data = build_dashboard(DashboardFilters())
    assert data.proposals == {"accepted": 6, "proposed": 1, "declined": 1}
    assert data.acceptance_rate == pytest.approx(100 * 6 / 7)
    assert data.mean_days_to_accept == pytest.approx(2.0)
    loads = {coach.id: load for coach, load in data.coach_load}
    assert loads[programme_data["coach_a"].id] == 6 and loads[programme_data["coach_b"].id] == 1
    assert [(t.code, n, people) for t, n, people in data.track_enrolments] == [("T-DASH", 3, 10)]
    assert data.area_participants == {programme_data["area"].key: 10}
    # Two of the three Torino firms: the third has a pending proposal, the medium firm no coach consent.
    assert data.waiting == 2


def test_progress_against_targets(programme_data):
    data = build_dashboard(DashboardFilters())
    progress = {(p.metric, p.area_key): (p.value, p.target) for p in data.progress}
    # People trained come from attendance at editions: the participants typed on enrolments are "declared".
    assert progress == {("people_trained", None): (0, 100), ("firms_accompanied", None): (6, 10),
                        ("firms_per_area", programme_data["area"].key): (3, 4)}


def test_an_erased_company_still_counts_in_every_figure(programme_data):
    from assessment.services.privacy import erase_company

    def figures():
        data = build_dashboard(DashboardFilters())
        return (data.overall.count, data.months, data.track_enrolments[0][1:], data.area_participants,
                {(p.metric, p.area_key): p.value for p in data.progress}, data.coached.companies)

    before = figures()
    erase_company(programme_data["coached"][0])  # accompanied, enrolled, assessed twice
    after = figures()
    assert after == before  # the owner is told its anonymous scores stay for the programme's statistics
    data = build_dashboard(DashboardFilters())
    assert data.proposals == {"accepted": 5, "withdrawn": 1, "proposed": 1, "declined": 1}


def test_impact_compares_coached_with_the_others_and_hides_small_groups(programme_data):
    data = build_dashboard(DashboardFilters())
    assert data.coached.companies == 6 and data.coached.overall_change == pytest.approx(15.0)
    assert data.coached.dimension_changes["digital_strategy"] == pytest.approx(20.0)
    assert data.coached.dimension_changes["green_digital"] == pytest.approx(10.0)
    assert data.not_coached.companies == 3 and data.not_coached.is_suppressed
    assert data.not_coached.overall_change is None and data.not_coached.dimension_changes == {}


@pytest.mark.parametrize("count, shown", [(4, False), (5, True)])
def test_impact_group_of_five_is_the_smallest_shown(db_session, make_user, count, shown):
    coach = make_user("coach")
    for _ in range(count):
        assign(add_company(two_assessments(30.0, 36.0)), coach)
    group = build_dashboard(DashboardFilters()).coached
    assert group.companies == count and (group.overall_change == pytest.approx(6.0) if shown
                                         else group.overall_change is None)


def test_dashboard_page_shows_the_numbers_beside_the_charts(client, login_as, programme_data):
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert html.count("<svg") >= 3 and "mar 2024</th><td class=\"num\">9<" in html
    assert "<progress max=\"10\" value=\"6\">" in html and "60,0%" in html
    assert "+15,0" in html and "Gruppo troppo piccolo" in html
    assert "85,7%" in html
    assert re.search(r">\d+,\d</text>", html)  # the chart writes numbers as the table beside it does
    filtered = client.get("/admin/?size_class=small&comune=Torino").get_data(as_text=True)
    assert "feb 2024</th><td class=\"num\">3<" in filtered and "gen 2024</th>" not in filtered
    wrong = client.get("/admin/?comune=Atlantide").get_data(as_text=True)
    assert "Comune non trovato" in wrong and "gen 2024</th>" in wrong  # the filters are ignored, not guessed
    assert "Atlantide" not in re.findall(r'href="(/admin/exports/[^"]+)"', wrong)[0]  # nor carried to exports


def add_rows(n: int, track) -> None:
    """n of everything an admin list shows: companies (assessed, coached, enrolled), tracks, grants,
    coaches (each with an assignment), territories, audit entries."""
    for _ in range(n):
        tag = uuid.uuid4().hex[:8]
        coach = User(email=f"coach-{tag}@example.org", name=f"Coach {tag}", role=Role.coach,
                     coach_profile=CoachProfile(capacity=3))
        db.session.add(coach)
        db.session.flush()
        company = add_company(two_assessments(30.0, 40.0))
        assign(company, coach)
        enrol(company, track, 2, "completed")
        add_track(f"T-{tag}")
        add_grant(tag)
        db.session.add(Territory(key=f"t-{tag}", name_it=tag, name_en=tag,
                                 comuni=[db.session.get(Comune, "001125")]))
        record("view", company.id, user_id=coach.id, actor="test")
    db.session.flush()


@pytest.mark.parametrize("url", ["/admin/", "/admin/imprese", "/admin/percorsi", "/admin/bandi",
                                 "/admin/coach", "/admin/audit", "/admin/territori"])
def test_query_count_does_not_grow_with_rows(client, login_as, count_queries, db_session, url):
    login_as("admin")
    track = add_track("T-Q")

    def measure() -> int:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    add_rows(10, track)
    measure()  # warm-up: first-use caches (the parsed questionnaire) are not what this measures
    ten = measure()
    add_rows(50, track)
    assert measure() == ten


def test_periods_are_days_of_the_programme_calendar(app):
    from assessment.services.dashboard import in_period

    with app.app_context():  # Europe/Rome: in winter a day starts at 23:00 UTC the day before
        start, end = in_period(Assessment.submitted_at,
                               DashboardFilters(date_from=date(2026, 12, 1), date_to=date(2026, 12, 1)))
        assert start.right.value == datetime(2026, 11, 30, 23, 0)
        assert end.right.value == datetime(2026, 12, 1, 23, 0)
        assert len(in_period(Assessment.submitted_at, DashboardFilters(date_to=date.max))) == 0


def test_months_are_months_of_the_programme_calendar(db_session):
    add_company([(datetime(2024, 2, 29, 23, 30), 50.0, "intermediate", {})])  # 1 March, 00:30 in Rome
    assert build_dashboard(DashboardFilters()).months == [("2024-03", 1)]


def test_ateco_sections_are_named_in_the_page_language(client, login_as, make_user):
    from assessment.models import AtecoCode
    from assessment.services.reference import section_titles_en

    assert len(section_titles_en()) == 22
    assert set(section_titles_en()) == set(db.session.execute(
        db.select(AtecoCode.code).where(AtecoCode.level == "sezione")).scalars())
    login_as(make_user("admin"))
    assert "I – Attività dei servizi di alloggio e di ristorazione" in client.get("/admin/").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/admin/").get_data(as_text=True)
    assert "I – Accommodation and food service activities" in page and "Attività dei servizi di" not in page


@pytest.mark.parametrize(("query", "message"), [
    ("date_from=0001-01-01", "Data fuori dal calendario del programma"),
    ("date_to=9999-12-31", "Data fuori dal calendario del programma"),
    ("date_from=abc", "Non è una data valida")])
def test_a_day_outside_the_programme_calendar_is_a_filter_error(client, login_as, db_session, query, message):
    login_as("admin")
    response = client.get(f"/admin/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the figures unfiltered, the error beside the field
    assert message in page
    assert client.get(f"/admin/exports/assessments.csv?{query}").status_code == 400
