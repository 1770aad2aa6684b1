"""People trained, from evidence: completion of every confirmed registration derived from the attendance
records by domain.training (never typed), and the programme's training figures for the dashboard, in a fixed
number of queries whatever the number of editions, sessions and people."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func

from ..domain.skills import SkillsChange, skills_change
from ..domain.training import Completion, Presence, SessionTimes, completion
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


def registration_results(edition_ids: list[int] | None = None) -> dict[int, RegistrationResult]:
    """{registration id: result} for the confirmed registrations of the given editions (all when None), in four
    queries: editions, sessions, registrations, presences. Cancelled editions complete nobody."""
    editions = db.select(TrainingEdition.id, TrainingEdition.min_attendance_percent).where(
        TrainingEdition.status == EditionStatus.scheduled)
    if edition_ids is not None:
        editions = editions.where(TrainingEdition.id.in_(edition_ids))
    thresholds = dict(db.session.execute(editions).all())
    if not thresholds:
        return {}
    chosen = list(thresholds) if edition_ids is not None else None

    def only(column):
        return [column.in_(chosen)] if chosen is not None else [column.in_(editions.with_only_columns(
            TrainingEdition.id))]

    sessions: dict[int, list[SessionTimes]] = defaultdict(list)
    for row in db.session.execute(db.select(
            TrainingSession.id, TrainingSession.edition_id, TrainingSession.on_date, TrainingSession.start_time,
            TrainingSession.end_time, TrainingSession.is_cancelled).where(*only(TrainingSession.edition_id))):
        sessions[row.edition_id].append(SessionTimes(row.id, row.on_date, row.start_time, row.end_time,
                                                     row.is_cancelled))
    confirmed = [Registration.status == RegistrationStatus.confirmed, *only(Registration.edition_id)]
    registrations = db.session.execute(db.select(
        Registration.id, Registration.participant_id, Registration.edition_id).where(*confirmed)).all()
    presences: dict[int, dict[int, Presence]] = defaultdict(dict)
    for row in db.session.execute(
            db.select(Attendance.registration_id, Attendance.session_id, Attendance.arrived_at, Attendance.left_at)
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Attendance.is_present.is_(True), *confirmed)):
        presences[row.registration_id][row.session_id] = Presence(True, row.arrived_at, row.left_at)
    last_on = {edition_id: max((s.on_date for s in times if not s.is_cancelled), default=None)
               for edition_id, times in sessions.items()}
    return {
        r.id: RegistrationResult(r.id, r.participant_id, r.edition_id,
                                 completion(sessions.get(r.edition_id, []), presences.get(r.id, {}),
                                            thresholds[r.edition_id]),
                                 last_on.get(r.edition_id))
        for r in registrations
    }


@dataclass(frozen=True)
class SkillsGroup:
    people: int  # with a self-check at registration and at completion of an edition of the track
    overall_change: float | None  # None: suppressed (fewer than MIN_GROUP people) or no data
    area_changes: dict[str, float]

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
    results = registration_results()
    editions = {row.id: row for row in db.session.execute(
        db.select(TrainingEdition.id, TrainingEdition.track_id, TrainingEdition.capacity)
        .where(TrainingEdition.status == EditionStatus.scheduled))}
    held_hours: dict[int, float] = defaultdict(float)  # sessions held so far (today's included)
    for row in db.session.execute(
            db.select(TrainingSession.id, TrainingSession.edition_id, TrainingSession.on_date,
                      TrainingSession.start_time, TrainingSession.end_time)
            .where(TrainingSession.is_cancelled.is_(False), TrainingSession.on_date <= today)):
        held_hours[row.edition_id] += SessionTimes(row.id, row.on_date, row.start_time, row.end_time).hours
    tracks = {t.id: t for t in db.session.execute(
        db.select(Track).where(Track.id.in_({e.track_id for e in editions.values()}))).scalars()} \
        if editions else {}
    people = {row.id: row for row in db.session.execute(
        db.select(Participant.id, Company.comune_istat, Comune.name)
        .outerjoin(Company, Company.id == Participant.company_id)
        .outerjoin(Comune, Comune.istat_code == Company.comune_istat)
        .where(Participant.id.in_({r.participant_id for r in results.values()} or {0})))}
    skills = _skills_changes()
    figures.declared_completed, figures.declared_enrolled = db.session.execute(db.select(
        func.coalesce(func.sum(db.case((Enrolment.status == EnrolmentStatus.completed, Enrolment.participants),
                                       else_=0)), 0),
        func.coalesce(func.sum(Enrolment.participants), 0)).where(
        Enrolment.status != EnrolmentStatus.withdrawn)).one()

    completed = [r for r in results.values() if r.completion.is_completed and r.edition_id in editions]
    first_completion: dict[int, date | None] = {}
    for result in sorted(completed, key=lambda r: r.last_session_on or date.max):
        first_completion.setdefault(result.participant_id, result.last_session_on)
    figures.people_trained = len(first_completion)
    months: dict[str, int] = defaultdict(int)
    for day in first_completion.values():
        if day is not None:  # always set: completion needs held sessions
            months[f"{day:%Y-%m}"] += 1
    figures.by_month = sorted(months.items())
    comuni: dict[tuple[str | None, str | None], int] = defaultdict(int)
    for participant_id in first_completion:
        row = people.get(participant_id)
        comuni[(row.comune_istat, row.name) if row else (None, None)] += 1
    figures.by_comune = sorted(((k[0], k[1], n) for k, n in comuni.items()), key=lambda x: (-x[2], x[1] or "~"))
    areas: dict[str, set[int]] = defaultdict(set)
    per_track_people: dict[int, set[int]] = defaultdict(set)
    for result in completed:
        track = tracks[editions[result.edition_id].track_id]
        areas[track.thematic_area_key].add(result.participant_id)
        per_track_people[track.id].add(result.participant_id)
    figures.by_area = sorted(((key, len(ids)) for key, ids in areas.items()), key=lambda x: (-x[1], x[0]))

    filled: dict[int, int] = defaultdict(int)
    ended: dict[int, list[bool]] = defaultdict(list)
    for result in results.values():
        if result.edition_id not in editions:
            continue
        filled[result.edition_id] += 1
        if result.last_session_on is not None and result.last_session_on <= today:
            ended[editions[result.edition_id].track_id].append(result.completion.is_completed)
    for track_id, track in sorted(tracks.items(), key=lambda item: (item[1].code, item[0])):
        own = [e for e in editions.values() if e.track_id == track_id]
        outcomes = ended.get(track_id, [])
        figures.tracks.append(TrackLine(
            track=track, editions=len(own), people_trained=len(per_track_people.get(track_id, ())),
            seats_offered=sum(e.capacity for e in own), seats_filled=sum(filled.get(e.id, 0) for e in own),
            hours_delivered=sum(held_hours.get(e.id, 0.0) for e in own),
            completion_rate=100.0 * sum(outcomes) / len(outcomes) if outcomes else None,
            skills=skills.get(track_id, SkillsGroup(0, None, {}))))
    figures.editions = len(editions)
    figures.hours_delivered = sum(line.hours_delivered for line in figures.tracks)
    figures.seats_offered = sum(line.seats_offered for line in figures.tracks)
    figures.seats_filled = sum(line.seats_filled for line in figures.tracks)
    all_outcomes = [o for outcomes in ended.values() for o in outcomes]
    figures.completion_rate = 100.0 * sum(all_outcomes) / len(all_outcomes) if all_outcomes else None
    return figures


def _skills_changes() -> dict[int, SkillsGroup]:
    """Per track, the mean change of the people's self-checks from registration to completion (one pair per
    person and track: their first registration with both); groups under MIN_GROUP people suppressed."""
    pairs: dict[int, dict[SkillsMoment, tuple[float, dict]]] = defaultdict(dict)
    track_of: dict[int, tuple[int, int]] = {}
    for row in db.session.execute(
            db.select(SkillsCheck.registration_id, SkillsCheck.moment, SkillsCheck.overall_score,
                      SkillsCheck.scores, Registration.participant_id, TrainingEdition.track_id)
            .join(Registration, Registration.id == SkillsCheck.registration_id)
            .join(TrainingEdition, TrainingEdition.id == Registration.edition_id)
            .where(SkillsCheck.overall_score.is_not(None)).order_by(SkillsCheck.registration_id)):
        pairs[row.registration_id][row.moment] = (row.overall_score, row.scores or {})
        track_of[row.registration_id] = (row.track_id, row.participant_id)
    changes: dict[int, dict[int, SkillsChange]] = defaultdict(dict)  # track -> participant -> change
    for registration_id, moments in pairs.items():
        if len(moments) < 2:
            continue
        track_id, participant_id = track_of[registration_id]
        (before, before_areas), (after, after_areas) = moments[SkillsMoment.registration], \
            moments[SkillsMoment.completion]
        changes[track_id].setdefault(participant_id, skills_change(
            before_areas, after_areas, overall_before=before, overall_after=after))
    groups = {}
    for track_id, per_person in changes.items():
        if len(per_person) < MIN_GROUP:
            groups[track_id] = SkillsGroup(len(per_person), None, {})
            continue
        areas: dict[str, list[float]] = defaultdict(list)
        for change in per_person.values():
            for key, value in change.areas.items():
                areas[key].append(value)
        groups[track_id] = SkillsGroup(len(per_person), statistics.fmean(c.overall for c in per_person.values()),
                                       {key: statistics.fmean(values) for key, values in areas.items()})
    return groups
