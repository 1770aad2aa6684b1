"""The programme's calendar day. Deadlines ("closes on 17/10") are days where the programme runs, not where the
server runs: a server on UTC would keep yesterday's calls open for an hour or two after midnight in Italy."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """Today in the programme's time zone (setting TIMEZONE, Europe/Rome by default)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def local_now() -> datetime:
    """The programme's wall-clock time now, naive (as training sessions store their times)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).replace(tzinfo=None)


def utc_instant(local: datetime) -> datetime:
    """A naive wall-clock time of the programme as an aware UTC instant (calendars, e-mails)."""
    return local.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"])).astimezone(UTC)


def local_time(moment: datetime) -> datetime:
    """A stored instant (naive UTC, as every timestamp column holds it) as the programme's wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def utc_start_of(day: date) -> datetime | None:
    """The stored instant (naive UTC) at which a day of the programme's calendar begins; None past the last
    day a date can name."""
    if day == date.max:
        return None
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_end_of(day: date) -> datetime | None:
    """Where a day of the programme's calendar ends (exclusive), as a stored instant; None: no end."""
    return None if day == date.max else utc_start_of(day + timedelta(days=1))
