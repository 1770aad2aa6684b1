"""The programme's calendar day. Deadlines ("closes on 17/10") are days where the programme runs, not where the
server runs: a server on UTC would keep yesterday's calls open for an hour or two after midnight in Italy."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """Today in the programme's time zone (setting TIMEZONE, Europe/Rome by default)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
