"""The programme's calendar day. Deadlines ("closes on 17/10") are days where the programme runs, not where the
server runs: a server on UTC would keep yesterday's calls open for an hour or two after midnight in Italy."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """Today in the programme's time zone (setting TIMEZONE, Europe/Rome by default)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def local_time(moment: datetime) -> datetime:
    """A stored instant (naive UTC, as every timestamp column holds it) as the programme's wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
