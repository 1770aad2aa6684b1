"""Training rules: hours of a session and of a person's presence, completion against an edition's threshold,
when a session's check-in code is accepted, and whether an edition still takes registrations.

Times are the programme's wall-clock times (local date plus local start and end), as sessions store them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .errors import InvalidField

CHECK_IN_MARGIN = timedelta(minutes=15)  # before the start and after the end, the code is still accepted


@dataclass(frozen=True)
class SessionTimes:
    key: int  # the session's id
    on_date: date
    start_time: time
    end_time: time
    is_cancelled: bool = False

    @property
    def hours(self) -> float:
        return _minutes(self.start_time, self.end_time) / 60


@dataclass(frozen=True)
class Presence:
    """One attendance record: absent, or present from arrived_at (None: the start) to left_at (None: the end)."""

    is_present: bool
    arrived_at: time | None = None
    left_at: time | None = None


@dataclass(frozen=True)
class Completion:
    total_hours: float  # of the sessions that were not cancelled
    attended_hours: float
    percent: float  # attended / total, 0..100; 0 when there are no hours
    min_percent: int
    is_completed: bool


@dataclass(frozen=True)
class CheckInWindow:
    opens_at: datetime  # local, naive
    closes_at: datetime

    def is_open(self, now_local: datetime) -> bool:
        return self.opens_at <= now_local <= self.closes_at


def _minutes(start: time, end: time) -> int:
    return max(0, (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))


def check_session_times(start_time: time, end_time: time) -> None:
    """A session ends after it starts, on the same day. Raises InvalidField("end_time", ...)."""
    if end_time <= start_time:
        raise InvalidField("end_time", "must be after the start time")


def check_presence_times(session: SessionTimes, arrived_at: time | None, left_at: time | None) -> None:
    """Times a register records lie within the session (an arrival before its end, a departure after its start)
    and a departure comes after the arrival. Raises InvalidField("arrived_at" or "left_at", "outside the
    session" or "must be after the arrival")."""
    if arrived_at is not None and not session.start_time <= arrived_at < session.end_time:
        raise InvalidField("arrived_at", "outside the session")
    if left_at is not None and not session.start_time < left_at <= session.end_time:
        raise InvalidField("left_at", "outside the session")
    if arrived_at is not None and left_at is not None and left_at <= arrived_at:
        raise InvalidField("left_at", "must be after the arrival")


def presence_hours(session: SessionTimes, presence: Presence | None) -> float:
    """Hours of the session a person was present: partial times are clipped to the session; a cancelled
    session, an absence or no record count nothing."""
    return _presence_minutes(session, presence) / 60


def _presence_minutes(session: SessionTimes, presence: Presence | None) -> int:
    if session.is_cancelled or presence is None or not presence.is_present:
        return 0
    start = max(session.start_time, presence.arrived_at or session.start_time)
    end = min(session.end_time, presence.left_at or session.end_time)
    return _minutes(start, end)


def completion(sessions: Iterable[SessionTimes], presences: Mapping[int, Presence], min_percent: int) -> Completion:
    """Hours attended over the edition's hours (cancelled sessions left out of both) against min_percent.
    Exactly min_percent completes; an edition with no hours completes nobody."""
    held = [s for s in sessions if not s.is_cancelled]
    # Minutes, whole numbers: the comparison at the threshold is exact, never a float rounding.
    total = sum(_minutes(s.start_time, s.end_time) for s in held)
    attended = sum(_presence_minutes(s, presences.get(s.key)) for s in held)
    return completion_of_minutes(total, attended, min_percent)


def completion_of_minutes(total_minutes: int, attended_minutes: int, min_percent: int) -> Completion:
    """The threshold rule on minutes already summed (the dashboard sums them in the database, each presence
    clipped to its session as presence_hours does). Exactly min_percent completes; no hours complete nobody."""
    total, attended = int(total_minutes), int(attended_minutes)
    percent = 100 * attended / total if total else 0.0
    return Completion(total_hours=total / 60, attended_hours=attended / 60, percent=percent,
                      min_percent=min_percent, is_completed=reaches_threshold(total, attended, min_percent))


def reaches_threshold(total_minutes: int, attended_minutes: int, min_percent: int) -> bool:
    """The completion rule alone, for callers that count thousands of registrations (the dashboard): exactly
    min_percent completes; an edition with no hours completes nobody."""
    if not 0 <= min_percent <= 100:
        raise InvalidField("min_attendance_percent", "must be between 0 and 100")
    return total_minutes > 0 and attended_minutes * 100 >= min_percent * total_minutes


def check_in_window(session: SessionTimes, margin: timedelta = CHECK_IN_MARGIN) -> CheckInWindow:
    """When the session's code is accepted: from `margin` before the start to `margin` after the end."""
    return CheckInWindow(opens_at=datetime.combine(session.on_date, session.start_time) - margin,
                         closes_at=datetime.combine(session.on_date, session.end_time) + margin)


def registration_closes_on(deadline_on: date | None, first_session_on: date | None) -> date | None:
    """The last day to register: the edition's deadline, or else the day before its first session."""
    if deadline_on is not None:
        return deadline_on
    return first_session_on - timedelta(days=1) if first_session_on else None


def is_registration_open(deadline_on: date | None, first_session_on: date | None, today: date) -> bool:
    """An edition with no sessions yet takes no registrations; otherwise until the last day inclusive."""
    closes_on = registration_closes_on(deadline_on, first_session_on)
    return first_session_on is not None and closes_on is not None and today <= closes_on
