"""A grant's life on its source catalogue: new, amended, withdrawn or unchanged on a given day, and what changed
between two versions of its record. Every page, API answer and admin list asks grant_status."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

NEW = "new"
AMENDED = "amended"
WITHDRAWN = "withdrawn"
UNCHANGED = "unchanged"
STATUSES = (NEW, AMENDED, WITHDRAWN, UNCHANGED)
RECENT_DAYS = 7  # "new" and "amended" last this many calendar days, the day it happened included

# The normalised columns a revision compares (old -> new), in reading order. Not compared: the content hash
# and the raw record (they always differ when anything does), the dimensions our keyword rules derive.
TRACKED_FIELDS = (
    "title", "description", "purposes", "opens_on", "closes_on", "opening_notes", "sizes", "subject_types",
    "aid_forms", "eligible_costs", "spend_min_eur", "spend_max_eur", "aid_min_eur", "aid_max_eur", "sectors",
    "is_all_sectors", "ateco_codes", "ateco_text", "regions", "comuni_istat", "comuni_unresolved",
    "territorial_scope", "granting_body", "legal_basis_primary", "legal_basis_secondary", "implementing_act",
    "official_journal", "budget_eur", "budget_text", "link", "other_features", "source_updated_at",
)


def grant_status(first_seen_on: date, last_changed_on: date | None, is_withdrawn: bool, today: date,
                 closes_on: date | None = None) -> str:
    """withdrawn (absent from the last complete sync) wins; then new (first seen in the last RECENT_DAYS
    days: today and the six before); then amended (its content changed in those days); else unchanged.
    A call that had already closed when we first saw it (a past chamber voucher loaded on installation, an
    old record) was never new to anyone: never "new". Dates are calendar days of the programme's time zone."""
    if is_withdrawn:
        return WITHDRAWN
    closed_when_seen = closes_on is not None and closes_on < first_seen_on
    if 0 <= (today - first_seen_on).days < RECENT_DAYS and not closed_when_seen:
        return NEW
    if last_changed_on is not None and last_changed_on > first_seen_on and (
            0 <= (today - last_changed_on).days < RECENT_DAYS):
        return AMENDED
    return UNCHANGED


def _plain(value: Any) -> Any:
    """A column value as JSON keeps it: dates as ISO text, tuples as lists."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"old": ..., "new": ...}} for the tracked fields whose value differs (JSON-ready values)."""
    changes = {}
    for name in TRACKED_FIELDS:
        if name not in new:
            continue
        before, after = _plain(old.get(name)), _plain(new[name])
        if before != after:
            changes[name] = {"old": before, "new": after}
    return changes


# What the bundled snapshot keeps shortened (its republisher cut these texts) or only to the day.
ABRIDGED_TEXTS = ("description", "opening_notes", "ateco_text")


def only_completes(changes: dict[str, dict[str, Any]]) -> bool:
    """True when a change of an abridged copy only brings what it lacked: the shortened texts in full, the ATECO
    codes its shortened text left out (none removed), the update time of the day it kept, fields it left empty.
    Anything else (a date, an amount, a size, a region...) is an amendment."""
    def completes(name: str, old: Any, new: Any) -> bool:
        if old in (None, "", []) or name in ABRIDGED_TEXTS:
            return True
        if name == "ateco_codes":
            return set(old) <= set(new or ())
        if name == "source_updated_at":
            return isinstance(old, str) and isinstance(new, str) and old[:10] == new[:10]
        return False

    return all(completes(name, change["old"], change["new"]) for name, change in changes.items())
