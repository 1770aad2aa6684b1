"""People trained, from evidence: completion of every confirmed registration derived from the attendance
records by domain.training (never typed), and the programme's training figures for the dashboard, in a fixed
number of queries whatever the number of editions, sessions and people."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, case, distinct, func
from sqlalchemy.orm import aliased

from ..domain.training import Completion, completion_of_minutes, reaches_threshold
from ..extensions import db
from ..models import (
    Attendance,
    Company,
    Comune,
    EditionStatus,
    Enrolment,
    EnrolmentStatus,
    Participant,
    Registration,
    RegistrationStatus,
    SkillsCheck,
    SkillsMoment,
    Track,
    TrainingEdition,
    TrainingSession,
)
from .peers import MIN_PEERS

MIN_GROUP = MIN_PEERS  # a skills change of fewer people is not shown: it would describe individuals


@dataclass(frozen=True)
class RegistrationResult:
    registration_id: int
    participant_id: int
    edition_id: int
    completion: Completion
    last_session_on: date | None  # the day of the edition's last held session: when completion was reached


def _minutes_of(column, dialect: str):
    """Minutes since midnight of a time column (seconds ignored, as domain.training does)."""
    if dialect == "sqlite":  # stored as text "HH:MM:SS[.ffffff]"
        return (func.cast(func.substr(column, 1, 2), Integer) * 60 + func.cast(func.substr(column, 4, 2), Integer))
    # date_part is double precision: much cheaper than EXTRACT's numeric on tens of thousands of rows.
    return func.cast(func.date_part("hour", column) * 60 + func.date_part("minute", column), Integer)


def _greater(a, b):
    return case((a > b, a), else_=b)


def _lesser(a, b):
    return case((a < b, a), else_=b)


def registration_results(edition_ids: list[int] | None = None) -> dict[int, RegistrationResult]:
    """{registration id: result} for the confirmed registrations of the given editions (all when None), in two
    queries whatever their number; the threshold is domain.training.completion_of_minutes. Cancelled editions
    complete nobody."""
    editions, rows = _attended_minutes(edition_ids)
    return {
        r.id: RegistrationResult(r.id, r.participant_id, r.edition_id,
                                 completion_of_minutes(editions[r.edition_id].minutes, r.minutes,
                                                       editions[r.edition_id].min_attendance_percent),
                                 editions[r.edition_id].last_on)
        for r in rows
    }


def _attended_minutes(edition_ids: list[int] | None) -> tuple[dict, list]:
    """({edition id: (id, track_id, capacity, min_attendance_percent, minutes, last_on)}, [(id, participant_id,
    edition_id, minutes)] of its confirmed registrations), for the scheduled editions among edition_ids (all when
    None). The database sums the minutes, each presence clipped to its session exactly as
    domain.training.presence_hours does (tests/web/test_training_dashboard.py checks both agree); rows are plain
    tuples, as the dashboard reads thousands of them."""
    dialect = db.session.get_bind().dialect.name
    start, end = _minutes_of(TrainingSession.start_time, dialect), _minutes_of(TrainingSession.end_time, dialect)
    scheduled = [TrainingEdition.status == EditionStatus.scheduled]
    if edition_ids is not None:
        scheduled.append(TrainingEdition.id.in_(edition_ids))
    editions = {row.id: row for row in db.session.execute(
        db.select(TrainingEdition.id, TrainingEdition.track_id, TrainingEdition.capacity,
                  TrainingEdition.min_attendance_percent,
                  func.coalesce(func.sum(end - start), 0).label("minutes"),
                  func.max(TrainingSession.on_date).label("last_on"))
        .outerjoin(TrainingSession, (TrainingSession.edition_id == TrainingEdition.id)
                   & TrainingSession.is_cancelled.is_(False))
        .where(*scheduled).group_by(TrainingEdition.id, TrainingEdition.track_id, TrainingEdition.capacity,
                                    TrainingEdition.min_attendance_percent))}
    if not editions:
        return {}, []
    # Each held session's start and end in minutes, computed once (3,000 rows, not once per presence); a full
    # presence counts the session's minutes, a partial one its times clipped to the session.
    held = (db.select(TrainingSession.id.label("id"), start.label("starts"), end.label("ends"))
            .where(TrainingSession.is_cancelled.is_(False),
                   *([TrainingSession.edition_id.in_(edition_ids)] if edition_ids is not None else []))
            .offset(0)  # materialised here: neither SQLite nor PostgreSQL re-inlines it into the join
            .subquery())
    arrived = case((Attendance.arrived_at.is_(None), held.c.starts),
                   else_=_minutes_of(Attendance.arrived_at, dialect))
    left = case((Attendance.left_at.is_(None), held.c.ends), else_=_minutes_of(Attendance.left_at, dialect))
    clipped = _lesser(held.c.ends, left) - _greater(held.c.starts, arrived)
    minutes = case((Attendance.arrived_at.is_(None) & Attendance.left_at.is_(None), held.c.ends - held.c.starts),
                   (clipped > 0, clipped), else_=0)
    attended = (db.select(Attendance.registration_id.label("registration_id"), func.sum(minutes).label("minutes"))
                .join(held, held.c.id == Attendance.session_id).where(Attendance.is_present.is_(True))
                .group_by(Attendance.registration_id).subquery())
    chosen = (Registration.edition_id.in_(edition_ids) if edition_ids is not None
              else Registration.edition_id.in_(db.select(TrainingEdition.id).where(*scheduled)))
    rows = db.session.execute(
        db.select(Registration.id, Registration.participant_id, Registration.edition_id,
                  func.coalesce(attended.c.minutes, 0).label("minutes"))
        .outerjoin(attended, attended.c.registration_id == Registration.id)
        .where(Registration.status == RegistrationStatus.confirmed, chosen)).all()
    return editions, [r for r in rows if r.edition_id in editions]


@dataclass(frozen=True)
class SkillsGroup:
    people: int  # with a self-check at registration and at completion of an edition of the track
    overall_change: float | None  # None: suppressed (fewer than MIN_GROUP people) or no data

    @property
    def is_suppressed(self) -> bool:
        return self.people < MIN_GROUP


@dataclass(frozen=True)
class TrackLine:
    track: Track
    editions: int
    people_trained: int
    seats_offered: int
    seats_filled: int
    hours_delivered: float
    completion_rate: float | None  # completed over confirmed registrations of the editions already held
    skills: SkillsGroup


@dataclass
class TrainingFigures:
    people_trained: int = 0  # distinct people who completed at least one edition
    declared_completed: int = 0  # participants typed on completed enrolments: shown apart, never the target
    declared_enrolled: int = 0  # typed on enrolments not withdrawn
    editions: int = 0
    hours_delivered: float = 0.0  # hours of the sessions held so far
    seats_offered: int = 0
    seats_filled: int = 0
    completion_rate: float | None = None
    by_area: list[tuple[str, int]] = field(default_factory=list)  # (thematic area key, people)
    by_month: list[tuple[str, int]] = field(default_factory=list)  # ("2026-05", people completing first then)
    by_comune: list[tuple[str | None, str | None, int]] = field(default_factory=list)  # (istat, name, people)
    tracks: list[TrackLine] = field(default_factory=list)


def training_figures(today: date) -> TrainingFigures:
    """The programme's training figures, programme-wide; people are counted once however many editions they
    completed (and once per area, track, comune; in the month of their first completion)."""
    figures = TrainingFigures()
    editions, registrations = _attended_minutes(None)
    dialect = db.session.get_bind().dialect.name
    session_minutes = (_minutes_of(TrainingSession.end_time, dialect)
                       - _minutes_of(TrainingSession.start_time, dialect))  # as SessionTimes.hours, in minutes
    held_hours = {edition_id: minutes / 60 for edition_id, minutes in db.session.execute(
        db.select(TrainingSession.edition_id, func.sum(session_minutes))
        .where(TrainingSession.is_cancelled.is_(False), TrainingSession.on_date <= today)  # held so far
        .group_by(TrainingSession.edition_id))}
    tracks = {t.id: t for t in db.session.execute(
        db.select(Track).where(Track.id.in_({e.track_id for e in editions.values()}))).scalars()} \
        if editions else {}
    comune = func.coalesce(Company.comune_istat, Participant.trace_comune_istat)  # an erased person's trace
    people = {row.id: row for row in db.session.execute(
        db.select(Participant.id, comune.label("comune_istat"), Comune.name)
        .outerjoin(Company, Company.id == Participant.company_id)
        .outerjoin(Comune, Comune.istat_code == comune)
        .where(Participant.id.in_(db.select(Registration.participant_id)
                                  .where(Registration.status == RegistrationStatus.confirmed))))}
    skills = _skills_changes()
    figures.declared_completed, figures.declared_enrolled = db.session.execute(db.select(
        func.coalesce(func.sum(db.case((Enrolment.status == EnrolmentStatus.completed, Enrolment.participants),
                                       else_=0)), 0),
        func.coalesce(func.sum(Enrolment.participants), 0)).where(
        Enrolment.status != EnrolmentStatus.withdrawn)).one()

    # One pass over the registrations, on plain values: thousands of them, no object per row.
    first_completion: dict[int, date] = {}  # participant: the day of the first edition they completed
    per_track_people: dict[int, set[int]] = defaultdict(set)
    filled: dict[int, int] = defaultdict(int)
    ended: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # track: [completed, registrations] of ended
    for registration in registrations:
        edition = editions[registration.edition_id]
        filled[edition.id] += 1
        completed = reaches_threshold(edition.minutes, registration.minutes, edition.min_attendance_percent)
        if edition.last_on is not None and edition.last_on <= today:
            outcome = ended[edition.track_id]
            outcome[0] += completed
            outcome[1] += 1
        if completed:  # completion needs held sessions: last_on is set
            per_track_people[edition.track_id].add(registration.participant_id)
            known = first_completion.get(registration.participant_id)
            if known is None or edition.last_on < known:
                first_completion[registration.participant_id] = edition.last_on
    figures.people_trained = len(first_completion)
    months: dict[str, int] = defaultdict(int)
    for day in first_completion.values():
        months[f"{day:%Y-%m}"] += 1
    figures.by_month = sorted(months.items())
    comuni: dict[tuple[str | None, str | None], int] = defaultdict(int)
    for participant_id in first_completion:
        row = people.get(participant_id)
        comuni[(row.comune_istat, row.name) if row else (None, None)] += 1
    figures.by_comune = sorted(((k[0], k[1], n) for k, n in comuni.items()), key=lambda x: (-x[2], x[1] or "~"))
    areas: dict[str, set[int]] = defaultdict(set)
    for track_id, ids in per_track_people.items():
        areas[tracks[track_id].thematic_area_key].update(ids)
    figures.by_area = sorted(((key, len(ids)) for key, ids in areas.items()), key=lambda x: (-x[1], x[0]))

    by_track: dict[int, list] = defaultdict(list)
    for edition in editions.values():
        by_track[edition.track_id].append(edition)
    for track_id, track in sorted(tracks.items(), key=lambda item: (item[1].code, item[0])):
        own = by_track[track_id]
        done, outcomes = ended.get(track_id, (0, 0))
        figures.tracks.append(TrackLine(
            track=track, editions=len(own), people_trained=len(per_track_people.get(track_id, ())),
            seats_offered=sum(e.capacity for e in own), seats_filled=sum(filled.get(e.id, 0) for e in own),
            hours_delivered=sum(held_hours.get(e.id, 0.0) for e in own),
            completion_rate=100.0 * done / outcomes if outcomes else None,
            skills=skills.get(track_id, SkillsGroup(0, None))))
    figures.editions = len(editions)
    figures.hours_delivered = sum(line.hours_delivered for line in figures.tracks)
    figures.seats_offered = sum(line.seats_offered for line in figures.tracks)
    figures.seats_filled = sum(line.seats_filled for line in figures.tracks)
    all_done = sum(done for done, _ in ended.values())
    all_outcomes = sum(outcomes for _, outcomes in ended.values())
    figures.completion_rate = 100.0 * all_done / all_outcomes if all_outcomes else None
    return figures


def _skills_changes() -> dict[int, SkillsGroup]:
    """Per track, the mean change of the overall self-check score from registration to completion of the same
    registration, and how many distinct people it rests on; groups under MIN_GROUP people suppressed. One
    grouped query."""
    before, after = aliased(SkillsCheck), aliased(SkillsCheck)
    rows = db.session.execute(
        db.select(TrainingEdition.track_id, func.count(distinct(Registration.participant_id)),
                  func.avg(after.overall_score - before.overall_score))
        .select_from(before)
        .join(after, (after.registration_id == before.registration_id) & (after.moment == SkillsMoment.completion))
        .join(Registration, Registration.id == before.registration_id)
        .join(TrainingEdition, TrainingEdition.id == Registration.edition_id)
        .where(before.moment == SkillsMoment.registration, before.overall_score.is_not(None),
               after.overall_score.is_not(None))
        .group_by(TrainingEdition.track_id)).all()
    return {track_id: SkillsGroup(people, None if people < MIN_GROUP else float(mean))
            for track_id, people, mean in rows}
