"""Hours and completion of a training edition, the check-in code's window, the registration deadline."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from assessment.domain.errors import InvalidField
from assessment.domain.training import (
    Presence,
    SessionTimes,
    check_in_window,
    check_presence_times,
    check_session_times,
    completion,
    is_registration_open,
    presence_hours,
    registration_closes_on,
)

DAY = date(2027, 3, 4)


def session(key: int, start: str, end: str, cancelled: bool = False, on: date = DAY) -> SessionTimes:
    return SessionTimes(key=key, on_date=on, start_time=time.fromisoformat(start),
                        end_time=time.fromisoformat(end), is_cancelled=cancelled)


def test_a_session_lasts_from_start_to_end():
    assert session(1, "09:00", "12:30").hours == 3.5


def test_a_session_must_end_after_it_starts():
    with pytest.raises(InvalidField) as error:
        check_session_times(time(10), time(10))
    assert error.value.field == "end_time"
    check_session_times(time(9), time(9, 1))


@pytest.mark.parametrize(("arrived", "left", "fault"), [
    (time(7), None, ("arrived_at", "outside the session")),
    (time(13), None, ("arrived_at", "outside the session")),
    (None, time(13, 1), ("left_at", "outside the session")),
    (None, time(9), ("left_at", "outside the session")),
    (time(11), time(10), ("left_at", "must be after the arrival")),
    (time(9), time(13), None),
    (None, None, None),
])
def test_register_times_lie_within_the_session(arrived, left, fault):
    if fault is None:
        check_presence_times(session(1, "09:00", "13:00"), arrived, left)
        return
    with pytest.raises(InvalidField) as error:
        check_presence_times(session(1, "09:00", "13:00"), arrived, left)
    assert (error.value.field, error.value.reason) == fault


@pytest.mark.parametrize(("arrived", "left", "hours"), [
    (None, None, 4.0),
    (time(10), None, 3.0),
    (None, time(11, 30), 2.5),
    (time(10), time(12), 2.0),
    (time(8), time(14), 4.0),  # clipped to the session
    (time(12), time(13), 1.0),
    (time(14), time(15), 0.0),  # after the end: nothing
])
def test_partial_presence_is_clipped_to_the_session(arrived, left, hours):
    assert presence_hours(session(1, "09:00", "13:00"), Presence(True, arrived, left)) == hours


def test_absence_no_record_and_cancelled_sessions_count_nothing():
    assert presence_hours(session(1, "09:00", "13:00"), Presence(False)) == 0
    assert presence_hours(session(1, "09:00", "13:00"), None) == 0
    assert presence_hours(session(1, "09:00", "13:00", cancelled=True), Presence(True)) == 0


def test_cancelled_sessions_are_left_out_of_the_total():
    sessions = [session(1, "09:00", "13:00"), session(2, "09:00", "13:00", cancelled=True)]
    result = completion(sessions, {1: Presence(True)}, 70)
    assert (result.total_hours, result.attended_hours, result.percent) == (4.0, 4.0, 100.0)
    assert result.is_completed


def test_exactly_the_threshold_completes_and_a_minute_less_does_not():
    sessions = [session(1, "09:00", "19:00")]  # 600 minutes: 70% is 420 minutes
    exactly = completion(sessions, {1: Presence(True, left_at=time(16, 0))}, 70)
    assert exactly.percent == 70 and exactly.is_completed
    short = completion(sessions, {1: Presence(True, left_at=time(15, 59))}, 70)
    assert not short.is_completed


def test_threshold_edges_zero_and_hundred():
    sessions = [session(1, "09:00", "12:00"), session(2, "14:00", "17:00")]
    assert completion(sessions, {}, 0).is_completed  # 0%: registration is enough
    assert not completion(sessions, {1: Presence(True)}, 100).is_completed
    assert completion(sessions, {1: Presence(True), 2: Presence(True)}, 100).is_completed
    with pytest.raises(InvalidField):
        completion(sessions, {}, 101)


def test_an_edition_without_hours_completes_nobody():
    assert not completion([session(1, "09:00", "12:00", cancelled=True)], {}, 0).is_completed
    assert not completion([], {}, 70).is_completed


def test_hours_add_up_over_sessions_with_partial_presence():
    sessions = [session(1, "09:00", "13:00"), session(2, "09:00", "13:00", on=DAY + timedelta(days=7))]
    result = completion(sessions, {1: Presence(True, arrived_at=time(10)), 2: Presence(False)}, 70)
    assert (result.total_hours, result.attended_hours) == (8.0, 3.0)
    assert result.percent == pytest.approx(37.5)
    assert not result.is_completed


def test_check_in_window_opens_before_the_start_and_closes_after_the_end():
    window = check_in_window(session(1, "09:00", "13:00"))
    assert not window.is_open(datetime(2027, 3, 4, 8, 44))
    assert window.is_open(datetime(2027, 3, 4, 8, 45))
    assert window.is_open(datetime(2027, 3, 4, 11, 0))
    assert window.is_open(datetime(2027, 3, 4, 13, 15))
    assert not window.is_open(datetime(2027, 3, 4, 13, 16))
    assert not window.is_open(datetime(2027, 3, 5, 11, 0))  # same hours, another day


def test_check_in_window_margin_can_be_set():
    window = check_in_window(session(1, "09:00", "10:00"), margin=timedelta(0))
    assert not window.is_open(datetime(2027, 3, 4, 8, 59))
    assert window.is_open(datetime(2027, 3, 4, 9, 0)) and window.is_open(datetime(2027, 3, 4, 10, 0))


def test_registration_closes_on_the_deadline_or_the_day_before_the_first_session():
    assert registration_closes_on(date(2027, 2, 20), DAY) == date(2027, 2, 20)
    assert registration_closes_on(None, DAY) == date(2027, 3, 3)
    assert is_registration_open(None, DAY, date(2027, 3, 3))
    assert not is_registration_open(None, DAY, DAY)
    assert is_registration_open(date(2027, 2, 20), DAY, date(2027, 2, 20))
    assert not is_registration_open(date(2027, 2, 20), DAY, date(2027, 2, 21))
    assert not is_registration_open(date(2027, 2, 20), None, date(2027, 1, 1))  # no sessions yet
