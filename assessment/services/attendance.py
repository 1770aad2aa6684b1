"""Attendance at training sessions: the register the trainer keeps, and people checking in with the room's code.
Hours and completion are never stored: domain.training derives them from these records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import joinedload, selectinload

from ..clock import local_today
from ..domain.errors import InvalidField
from ..domain.training import Completion, Presence, check_in_window, check_presence_times, completion
from ..extensions import db
from ..models import (
    Attendance,
    AttendanceSource,
    Participant,
    Registration,
    RegistrationStatus,
    TrainingEdition,
    TrainingSession,
    User,
)
from .audit import record
from .training import session_times


@dataclass(frozen=True)
class RegisterEntry:
    registration_id: int
    is_present: bool
    arrived_at: time | None = None
    left_at: time | None = None


def can_keep_register(user: User, edition: TrainingEdition) -> bool:
    """Admins, and the coach who trains the edition."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or (user.is_coach and edition.trainer_user_id == user.id)


def session_for_register(session_id: int) -> TrainingSession | None:
    return db.session.execute(
        db.select(TrainingSession).where(TrainingSession.id == session_id)
        .options(joinedload(TrainingSession.edition).selectinload(TrainingEdition.sessions))
    ).unique().scalar_one_or_none()


def register_rows(session: TrainingSession) -> list[tuple[Registration, Attendance | None]]:
    """The edition's confirmed registrations with their record for this session (two queries in all)."""
    registrations = db.session.execute(
        db.select(Registration).where(Registration.edition_id == session.edition_id,
                                      Registration.status == RegistrationStatus.confirmed)
        .options(joinedload(Registration.participant))
        .join(Participant).order_by(Participant.name, Registration.id)).scalars().all()
    records = {a.registration_id: a for a in db.session.execute(
        db.select(Attendance).where(Attendance.session_id == session.id)).scalars()}
    return [(r, records.get(r.id)) for r in registrations]


class RegisterRefused(InvalidField):
    """Rows of a register that cannot be saved: reasons = {registration id: InvalidField of the row}."""

    def __init__(self, reasons: dict[int, InvalidField]) -> None:
        super().__init__("register", "; ".join(f"{rid}: {e.reason}" for rid, e in reasons.items()))
        self.reasons = reasons


def _times(entry: RegisterEntry) -> tuple[time | None, time | None]:
    return (entry.arrived_at, entry.left_at) if entry.is_present else (None, None)


def register_problems(session: TrainingSession, entries: list[RegisterEntry],
                      existing: dict[int, Attendance] | None = None) -> dict[int, InvalidField]:
    """The rows the register refuses (domain.training.check_presence_times). A record left as it was is not
    checked again: a late check-in's arrival after the end stays as the check-in stored it."""
    if existing is None:
        existing = {a.registration_id: a for a in db.session.execute(
            db.select(Attendance).where(Attendance.session_id == session.id)).scalars()}
    problems = {}
    for entry in entries:
        arrived, left = _times(entry)
        row = existing.get(entry.registration_id)
        if row is not None and (row.is_present, row.arrived_at, row.left_at) == (entry.is_present, arrived, left):
            continue
        try:
            check_presence_times(session_times(session), arrived, left)
        except InvalidField as error:
            problems[entry.registration_id] = error
    return problems


def takes_presence(session: TrainingSession, today: date) -> bool:
    """Presence is evidence (attestati follow from it): a register records it from the session's day, never
    ahead of it."""
    return session.on_date <= today


def save_register(session: TrainingSession, entries: list[RegisterEntry], user: User) -> int:
    """Record presence for the listed registrations of the session's edition; returns how many records changed.
    Raises InvalidField("session") before the session's day, and RegisterRefused, writing nothing, when a row's
    times are outside the session or its departure is not after the arrival."""
    if not takes_presence(session, local_today()):
        raise InvalidField("session", "not held yet")
    allowed = {r.id for r, _a in register_rows(session)}
    existing = {a.registration_id: a for a in db.session.execute(
        db.select(Attendance).where(Attendance.session_id == session.id)).scalars()}
    entries = [e for e in entries if e.registration_id in allowed]
    problems = register_problems(session, entries, existing)
    if problems:
        raise RegisterRefused(problems)
    changed, changes = 0, []
    for entry in entries:
        arrived, left = _times(entry)
        row = existing.get(entry.registration_id)
        if row is None:
            row = Attendance(registration_id=entry.registration_id, session_id=session.id)
            db.session.add(row)
            before = None
        elif (row.is_present, row.arrived_at, row.left_at) == (entry.is_present, arrived, left):
            continue
        else:
            before = _audited(row.is_present, row.arrived_at, row.left_at)
        row.is_present, row.arrived_at, row.left_at = entry.is_present, arrived, left
        row.source, row.recorded_by_id = AttendanceSource.register, user.id
        changes.append({"registration_id": entry.registration_id, "before": before,
                        "after": _audited(entry.is_present, arrived, left)})
        changed += 1
    db.session.flush()
    if changed:
        # What changed, for whom, before and after: the register is evidence for the funder.
        record("attendance_recorded", None, session_id=session.id, edition_id=session.edition_id, changed=changed,
               changes=changes)
    return changed


def _audited(is_present: bool, arrived: time | None, left: time | None) -> dict:
    return {"present": is_present, "arrived": arrived.strftime("%H:%M") if arrived else None,
            "left": left.strftime("%H:%M") if left else None}


def check_in(email: str, code: str, now_local: datetime) -> Attendance | None:
    """The person with this address, confirmed on the edition whose session shows this code and is running now,
    is marked present (from now, when they arrive late). None, and nothing written, otherwise: the caller says
    one same thing whatever was wrong, so the form tells nobody who is registered."""
    code = "".join((code or "").split()).upper()
    email = (email or "").strip().lower()
    if not code or not email or len(code) > 12:
        return None
    sessions = db.session.execute(db.select(TrainingSession).where(
        TrainingSession.check_in_code == code, TrainingSession.on_date == now_local.date(),
        TrainingSession.is_cancelled.is_(False))).scalars().all()
    for session in sessions:
        if not check_in_window(session_times(session)).is_open(now_local):
            continue
        registration = db.session.execute(
            db.select(Registration).join(Participant).where(
                Registration.edition_id == session.edition_id, Participant.email == email,
                Participant.erased_at.is_(None), Registration.status == RegistrationStatus.confirmed)
        ).scalar_one_or_none()
        if registration is None:
            continue
        row = db.session.execute(db.select(Attendance).filter_by(
            registration_id=registration.id, session_id=session.id)).scalar_one_or_none()
        arrived = now_local.time().replace(second=0, microsecond=0)
        arrived_at = arrived if arrived > session.start_time else None
        if row is None:
            row = Attendance(registration_id=registration.id, session_id=session.id, is_present=True,
                             arrived_at=arrived_at, source=AttendanceSource.check_in)
            db.session.add(row)
        elif not row.is_present:
            # Marked absent, then here: present from now, not for the whole session.
            row.is_present, row.arrived_at, row.left_at = True, arrived_at, None
            row.source = AttendanceSource.check_in
        else:
            return row  # already present: nothing changed, nothing to audit
        db.session.flush()
        # a register change like the trainer's, by the person themselves
        record("attendance_checked_in", registration.participant.company_id, session_id=session.id,
               edition_id=session.edition_id, registration_id=registration.id,
               arrived_at=arrived_at.isoformat() if arrived_at else None)
        return row
    return None


def registration_completion(registration: Registration) -> Completion:
    """Hours attended and completion of one registration (its edition's sessions and its records)."""
    edition = registration.edition
    presences = {a.session_id: Presence(a.is_present, a.arrived_at, a.left_at) for a in registration.attendances}
    return completion([session_times(s) for s in edition.sessions], presences, edition.min_attendance_percent)


def edition_completions(edition: TrainingEdition) -> dict[int, Completion]:
    """Completion of every confirmed registration of an edition: {registration id: Completion}, in two queries."""
    registrations = db.session.execute(
        db.select(Registration).where(Registration.edition_id == edition.id,
                                      Registration.status == RegistrationStatus.confirmed)
        .options(selectinload(Registration.attendances))).scalars().all()
    times = [session_times(s) for s in edition.sessions]
    return {r.id: completion(times, {a.session_id: Presence(a.is_present, a.arrived_at, a.left_at)
                                     for a in r.attendances}, edition.min_attendance_percent)
            for r in registrations}
