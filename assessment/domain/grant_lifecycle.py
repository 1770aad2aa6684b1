"""A grant's life on its source catalogue: new, amended, withdrawn or unchanged on a given day. Every page,
API answer and admin list asks grant_status."""
from __future__ import annotations

from datetime import date

NEW = "new"
AMENDED = "amended"
WITHDRAWN = "withdrawn"
UNCHANGED = "unchanged"
STATUSES = (NEW, AMENDED, WITHDRAWN, UNCHANGED)
RECENT_DAYS = 7  # "new" and "amended" last this many calendar days, the day it happened included


def grant_status(first_seen_on: date, last_changed_on: date | None, is_withdrawn: bool, today: date) -> str:
    """withdrawn (absent from the last complete sync) wins; then new (first seen in the last RECENT_DAYS
    days: today and the six before); then amended (its content changed in those days); else unchanged.
    Dates are calendar days of the programme's time zone."""
    if is_withdrawn:
        return WITHDRAWN
    if 0 <= (today - first_seen_on).days < RECENT_DAYS:
        return NEW
    if last_changed_on is not None and last_changed_on > first_seen_on and (
            0 <= (today - last_changed_on).days < RECENT_DAYS):
        return AMENDED
    return UNCHANGED
