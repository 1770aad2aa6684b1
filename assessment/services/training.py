"""Training editions: the admin's create, edit, copy and cancel, and the public list of editions by area."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from ..domain.errors import InvalidField
from ..domain.training import SessionTimes, check_session_times, completion, is_registration_open
from ..extensions import db
from ..models import (
    Attendance,
    Certificate,
    EditionStatus,
    Registration,
    RegistrationStatus,
    Role,
    Track,
    TrackFormat,
    TrainingEdition,
    TrainingSession,
    User,
    utcnow,
)
from .audit import record

# Formats that have editions with sessions: one-to-one coaching has none.
TRAINING_FORMATS = (TrackFormat.workshop, TrackFormat.online_course)
EDITION_FIELDS = ("track_id", "title", "description", "place", "online_url", "capacity", "trainer_user_id",
                  "trainer_name", "registration_deadline_on", "min_attendance_percent", "is_example")


@dataclass(frozen=True)
class SessionInput:
    id: int | None  # an existing session of the edition, or None for a new one
    on_date: date
    start_time: time
    end_time: time
    is_cancelled: bool = False


@dataclass(frozen=True)
class EditionSummary:
    """An edition as the lists show it: dates from its sessions, seats from its confirmed registrations."""

    edition: TrainingEdition
    first_on: date | None
    last_on: date | None
    hours: float
    confirmed: int
    waiting: int
    is_open: bool  # takes registrations today (deadline not passed, not cancelled)

    @property
    def seats_left(self) -> int:
        return max(0, self.edition.capacity - self.confirmed)


def new_check_in_code() -> str:
    """Six characters a person types from a screen: no 0/O or 1/I to confuse."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


def training_tracks() -> list[Track]:
    return list(db.session.execute(
        db.select(Track).where(Track.format.in_(TRAINING_FORMATS), Track.is_active.is_(True))
        .order_by(Track.code)).scalars())


def trainer_coaches() -> list[User]:
    return list(db.session.execute(
        db.select(User).where(User.is_enabled.is_(True), User.role == Role.coach)
        .order_by(User.name, User.email)).scalars())


def session_times(session: TrainingSession) -> SessionTimes:
    return SessionTimes(key=session.id, on_date=session.on_date, start_time=session.start_time,
                        end_time=session.end_time, is_cancelled=session.is_cancelled)


def save_edition(edition: TrainingEdition | None, values: dict, sessions: list[SessionInput]) -> TrainingEdition:
    """Create or update an edition and its sessions. A session that has attendance cannot be removed (cancel
    it instead). Raises InvalidField naming the field; flushes."""
    _check_values(values)
    for i, item in enumerate(sessions):
        try:
            check_session_times(item.start_time, item.end_time)
        except InvalidField as error:
            raise InvalidField(f"sessions-{i}-{error.field}", error.reason) from None
    days = [item.on_date for item in sessions if not item.is_cancelled]
    deadline = values.get("registration_deadline_on")
    if deadline is not None and days and deadline > max(days):
        raise InvalidField("registration_deadline_on", "registrations must close by the last session")
    if edition is not None:
        _check_changes(edition, values, sessions)
    is_new = edition is None
    if is_new:
        edition = TrainingEdition(status=EditionStatus.scheduled)
        db.session.add(edition)
    for name in EDITION_FIELDS:
        setattr(edition, name, values.get(name))
    edition.description = edition.description or ""
    edition.updated_at = utcnow()  # the sessions may be all that changed
    if not is_new:
        bump_revision(edition)
    existing = {s.id: s for s in edition.sessions}
    kept: set[int] = set()
    for item in sessions:
        row = existing.get(item.id) if item.id is not None else None
        if row is None:
            row = TrainingSession(check_in_code=new_check_in_code())
            edition.sessions.append(row)
        else:
            kept.add(row.id)
        row.on_date, row.start_time, row.end_time = item.on_date, item.start_time, item.end_time
        row.is_cancelled = item.is_cancelled
    removed = [s for s in existing.values() if s.id not in kept]
    if removed:
        used = db.session.execute(db.select(Attendance.session_id).where(
            Attendance.session_id.in_([s.id for s in removed])).limit(1)).first()
        if used:
            raise InvalidField("sessions", "a session with attendance cannot be removed: mark it cancelled")
        for row in removed:
            edition.sessions.remove(row)
    db.session.flush()
    record("edition_created" if is_new else "edition_updated", None, edition_id=edition.id)
    return edition


def bump_revision(edition: TrainingEdition) -> None:
    """One more change of the edition: the calendars mailed from now on carry a higher SEQUENCE. Counted in
    the database (revision + 1), so two saves at once still make two revisions."""
    edition.revision = TrainingEdition.revision + 1


def _check_changes(edition: TrainingEdition, values: dict, sessions: list[SessionInput]) -> None:
    """What an existing edition refuses: any change once cancelled (its people were told; a copy re-proposes
    it), fewer seats than people already confirmed, and moving a session whose register holds records (the
    register is the funder's evidence: cancel the session and add another instead)."""
    if edition.is_cancelled:
        raise InvalidField("edition", "a cancelled edition is not changed: copy it")
    confirmed = db.session.execute(db.select(func.count()).select_from(Registration).where(
        Registration.edition_id == edition.id, Registration.status == RegistrationStatus.confirmed)).scalar_one()
    if values.get("capacity") is not None and values["capacity"] < confirmed:
        raise InvalidField("capacity", "fewer seats than the people confirmed")
    existing = {s.id: s for s in edition.sessions}
    held = {(s.id, s.is_cancelled) for s in edition.sessions}
    asked = {(item.id, item.is_cancelled) for item in sessions}  # a new session's id None is never held
    if held != asked and _has_certificates(edition.id):
        # the hours printed on the attestati were counted on these sessions: another session would void them
        raise InvalidField("certified", "certificates issued: sessions are not added, removed or cancelled")
    moved = {i: item.id for i, item in enumerate(sessions) if item.id in existing
             and (existing[item.id].on_date, existing[item.id].start_time, existing[item.id].end_time)
             != (item.on_date, item.start_time, item.end_time)}
    if moved:
        recorded = set(db.session.execute(db.select(Attendance.session_id).distinct().where(
            Attendance.session_id.in_(moved.values()))).scalars())
        for i, session_id in moved.items():
            if session_id in recorded:
                raise InvalidField(f"sessions-{i}-on_date", "a session with attendance cannot be moved")


def _check_values(values: dict) -> None:
    track = db.session.get(Track, values.get("track_id") or 0)
    if track is None or track.format not in TRAINING_FORMATS:
        raise InvalidField("track_id", "choose a workshop or an online course")
    if values.get("trainer_user_id") and values.get("trainer_name"):
        raise InvalidField("trainer_name", "a coach or an external trainer, not both")
    if values.get("trainer_user_id") and db.session.get(User, values["trainer_user_id"]) is None:
        raise InvalidField("trainer_user_id", "unknown account")
    if not values.get("place") and not values.get("online_url"):
        raise InvalidField("place", "a place or an online link")


def copy_edition(source: TrainingEdition, first_on: date) -> TrainingEdition:
    """A new scheduled edition like `source`, its sessions moved so that the first falls on `first_on` (the
    gaps between sessions kept); no registrations, new check-in codes, the deadline moved alike."""
    shift = first_on - source.sessions[0].on_date if source.sessions else timedelta(0)
    copy = TrainingEdition(status=EditionStatus.scheduled,
                           **{name: getattr(source, name) for name in EDITION_FIELDS})
    if source.registration_deadline_on is not None:
        copy.registration_deadline_on = source.registration_deadline_on + shift
    copy.sessions = [TrainingSession(on_date=s.on_date + shift, start_time=s.start_time, end_time=s.end_time,
                                     is_cancelled=s.is_cancelled, check_in_code=new_check_in_code())
                     for s in source.sessions]
    db.session.add(copy)
    db.session.flush()
    record("edition_copied", None, edition_id=copy.id, source_id=source.id)
    return copy


def schedule(edition: TrainingEdition) -> tuple:
    """What a registrant's calendar holds of an edition: when and where its sessions are."""
    return (tuple(sorted((s.on_date, s.start_time, s.end_time, s.is_cancelled) for s in edition.sessions)),
            edition.place, edition.online_url, edition.title)


def active_registrations(edition: TrainingEdition) -> list[Registration]:
    """The registrations holding a seat or a place in the queue."""
    return [r for r in edition.registrations if r.status != RegistrationStatus.cancelled]


def _has_certificates(edition_id: int) -> bool:
    return db.session.execute(db.select(Certificate.id).join(Registration).where(
        Registration.edition_id == edition_id).limit(1)).first() is not None


def has_register_records(edition_id: int) -> bool:
    """Has the edition been held, even in part: does any of its registers hold a record?"""
    return db.session.execute(db.select(Attendance.id).join(TrainingSession).where(
        TrainingSession.edition_id == edition_id).limit(1)).first() is not None


def cancel_edition(edition: TrainingEdition) -> list[Registration]:
    """Cancel the edition; returns the registrations (confirmed and waiting) to tell by mail. Flushes. An
    edition already held, even in part (a register holds records), is not cancelled: InvalidField("held") —
    its registers are the funder's evidence and its completions count; cancel its remaining sessions instead."""
    if edition.is_cancelled:
        return []
    if has_register_records(edition.id):
        raise InvalidField("held", "an edition with attendance records is not cancelled")
    edition.status, edition.cancelled_at = EditionStatus.cancelled, utcnow()
    bump_revision(edition)
    db.session.flush()
    record("edition_cancelled", None, edition_id=edition.id)
    return active_registrations(edition)


def edition_for_page(edition_id: int) -> TrainingEdition | None:
    return db.session.execute(
        db.select(TrainingEdition).where(TrainingEdition.id == edition_id)
        .options(selectinload(TrainingEdition.sessions), joinedload(TrainingEdition.track)
                 .joinedload(Track.thematic_area), joinedload(TrainingEdition.trainer))).unique().scalar_one_or_none()


def _counts(edition_ids: list[int]) -> dict[tuple[int, RegistrationStatus], int]:
    if not edition_ids:
        return {}
    rows = db.session.execute(
        db.select(Registration.edition_id, Registration.status, func.count())
        .where(Registration.edition_id.in_(edition_ids)).group_by(Registration.edition_id, Registration.status))
    return {(edition_id, status): n for edition_id, status, n in rows}


def summarise(editions: list[TrainingEdition], today: date) -> list[EditionSummary]:
    """Each edition with its dates and seat counts: one query for the counts, whatever the number of rows."""
    counts = _counts([e.id for e in editions])
    result = []
    for edition in editions:
        held = [s for s in edition.sessions if not s.is_cancelled]
        first_on = held[0].on_date if held else None
        hours = completion([session_times(s) for s in edition.sessions], {}, 0).total_hours
        result.append(EditionSummary(
            edition=edition, first_on=first_on, last_on=held[-1].on_date if held else None, hours=hours,
            confirmed=counts.get((edition.id, RegistrationStatus.confirmed), 0),
            waiting=counts.get((edition.id, RegistrationStatus.waiting), 0),
            is_open=not edition.is_cancelled and is_registration_open(
                edition.registration_deadline_on, first_on, today)))
    return result


def public_editions(today: date, track_ids: list[int] | None = None) -> list[EditionSummary]:
    """Scheduled editions not yet over, first session first; with track_ids, only those tracks' editions."""
    upcoming = db.select(TrainingSession.edition_id).where(
        TrainingSession.on_date >= today, TrainingSession.is_cancelled.is_(False))
    query = (db.select(TrainingEdition)
             .join(Track, Track.id == TrainingEdition.track_id)
             .where(TrainingEdition.status == EditionStatus.scheduled, Track.is_active.is_(True),
                    TrainingEdition.id.in_(upcoming))
             .options(selectinload(TrainingEdition.sessions),
                      joinedload(TrainingEdition.track).joinedload(Track.thematic_area)))
    if track_ids is not None:
        query = query.where(TrainingEdition.track_id.in_(track_ids))
    summaries = summarise(list(db.session.execute(query).unique().scalars()), today)
    return sorted(summaries, key=lambda s: (s.first_on or date.max, s.edition.id))


def by_area(summaries: list[EditionSummary]) -> list[tuple[object, list[EditionSummary]]]:
    """Group the summaries by thematic area (in the areas' order), keeping the order inside each area."""
    groups: dict[str, tuple[object, list[EditionSummary]]] = {}
    for summary in summaries:
        area = summary.edition.track.thematic_area
        groups.setdefault(area.key, (area, []))[1].append(summary)
    return sorted(groups.values(), key=lambda pair: (pair[0].position, pair[0].key))


def edition_registrations(edition_id: int) -> list[Registration]:
    """Everyone registered for an edition (seats first, then the queue in order, then cancellations)."""
    order = {RegistrationStatus.confirmed: 0, RegistrationStatus.waiting: 1, RegistrationStatus.cancelled: 2}
    rows = db.session.execute(db.select(Registration).where(Registration.edition_id == edition_id)
                              .options(joinedload(Registration.participant), joinedload(Registration.registered_by))
                              ).scalars().all()
    return sorted(rows, key=lambda r: (order[r.status], r.queued_at, r.id))


def admin_editions(page: int, per_page: int = 50):
    """Every edition, newest first, for the admin list (paginated)."""
    query = (db.select(TrainingEdition).order_by(TrainingEdition.id.desc())
             .options(selectinload(TrainingEdition.sessions), joinedload(TrainingEdition.track)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
