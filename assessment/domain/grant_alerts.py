"""What a grant alert says to one recipient about one company today: the decision rules, pure.

Rules (each call at most once per reason and occasion; `notified` holds what was already said):
* new_match: the call is in the company's top ALERT_TOP_K today (ranked by the recommender, so open and
  eligible or to check) and became so since the last alert: first seen since then, opened since then (its
  opening day is after the day of the last alert), or changed since then (reappeared on the catalogue, or
  amended so that it now qualifies). Occasion: its closing date, so a call that reopens with a new deadline
  is news again.
* closing_14 / closing_3: a matched open call (in today's top list, or told about before) whose closing day,
  a day of the programme's calendar, is at most 14 (more than 3) or at most 3 days away; one reminder each
  per deadline, so a moved deadline is reminded again. A round that missed a day still reminds.
* amended: a matched call whose revision since the last alert changed a date, an amount, the territory or who
  may apply (other fields, such as a corrected description, are not news). Occasion: the revision.
* withdrawn: a matched call withdrawn from the national catalogue since the last alert.
A call that is new in this alert is not also reported as amended.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

ALERT_TOP_K = 10
REMINDER_DAYS = (14, 3)  # closing_14, then closing_3
NEW_MATCH, CLOSING_14, CLOSING_3, AMENDED, WITHDRAWN = ("new_match", "closing_14", "closing_3", "amended",
                                                        "withdrawn")
REASONS = (NEW_MATCH, CLOSING_14, CLOSING_3, AMENDED, WITHDRAWN)

# The fields of a revision an owner acts on, by what they are about.
NOTABLE_FIELDS: Mapping[str, str] = {
    "opens_on": "date", "closes_on": "date",
    "aid_min_eur": "amount", "aid_max_eur": "amount", "spend_min_eur": "amount", "spend_max_eur": "amount",
    "budget_eur": "amount", "aid_forms": "amount",
    "regions": "territory", "comuni_istat": "territory", "comuni_unresolved": "territory",
    "territorial_scope": "territory",
    "sizes": "who", "subject_types": "who", "ateco_codes": "who", "is_all_sectors": "who", "sectors": "who",
}


@dataclass(frozen=True)
class GrantState:
    """A call as the catalogue holds it today."""

    grant_id: int
    title: str
    opens_on: date | None
    closes_on: date | None
    first_seen_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class GrantChange:
    """One revision of a call: kind "amended", "withdrawn" or "reappeared"; changes {field: {old, new}}."""

    revision_id: int
    grant_id: int
    kind: str
    changed_at: datetime
    changes: Mapping[str, Mapping] | None = None


@dataclass(frozen=True)
class RankedGrant:
    """A call in the company's top list today, with the reason line its result page shows."""

    grant_id: int
    rank: int
    eligibility: str | None
    reason_it: str
    reason_en: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    topic: str  # date | amount | territory | who
    old: object
    new: object


@dataclass(frozen=True)
class AlertItem:
    grant_id: int
    reason: str
    occasion: str
    title: str
    closes_on: date | None
    days_left: int | None = None
    rank: int | None = None
    reason_it: str = ""
    reason_en: str = ""
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class CompanyAlertFacts:
    company_id: int
    since: datetime  # the last alert (or the confirmation): naive UTC
    since_on: date  # the programme's day of `since`
    top: tuple[RankedGrant, ...]
    told_before: frozenset[int] = frozenset()  # calls this recipient heard about for this company
    notified: frozenset[tuple[int, str, str]] = frozenset()  # (grant_id, reason, occasion) already sent


def days_left(closes_on: date | None, today: date) -> int | None:
    return None if closes_on is None else (closes_on - today).days


def notable_changes(changes: Mapping[str, Mapping] | None) -> tuple[FieldChange, ...]:
    """The fields of a revision an owner acts on, in a stable order."""
    found = []
    for field in sorted(changes or {}):
        topic = NOTABLE_FIELDS.get(field)
        value = (changes or {})[field]
        if topic is None or not isinstance(value, Mapping):
            continue
        found.append(FieldChange(field, topic, value.get("old"), value.get("new")))
    return tuple(found)


def _occasion(closes_on: date | None) -> str:
    return closes_on.isoformat() if closes_on else ""


def decide_alert_items(facts: CompanyAlertFacts, grants: Mapping[int, GrantState],
                       changes: Mapping[int, Sequence[GrantChange]], today: date) -> tuple[AlertItem, ...]:
    """The items of today's alert for one company, new calls first (by rank), then reminders (soonest first),
    then changes. Empty: nothing new, no mail."""
    top_ids = {r.grant_id for r in facts.top}
    matched = top_ids | set(facts.told_before)

    def fresh(grant_id: int, reason: str, occasion: str) -> bool:
        return (grant_id, reason, occasion) not in facts.notified

    def recent(grant_id: int) -> list[GrantChange]:
        return [c for c in changes.get(grant_id, ()) if c.changed_at > facts.since]

    new_items, reminders, changed = [], [], []
    for ranked in sorted(facts.top, key=lambda r: r.rank):
        grant = grants.get(ranked.grant_id)
        if grant is None or grant.withdrawn_at is not None:
            continue
        came_back = any(c.kind == "reappeared" for c in recent(grant.grant_id))
        became = (grant.first_seen_at > facts.since
                  or (grant.opens_on is not None and facts.since_on < grant.opens_on <= today)
                  or came_back
                  or any(c.kind == "amended" and notable_changes(c.changes) for c in recent(grant.grant_id)))
        occasion = _occasion(grant.closes_on)
        # A call told about before is not new again, unless it was withdrawn and is back.
        if became and (came_back or grant.grant_id not in facts.told_before) \
                and fresh(grant.grant_id, NEW_MATCH, occasion):
            new_items.append(AlertItem(grant.grant_id, NEW_MATCH, occasion, grant.title, grant.closes_on,
                                       days_left(grant.closes_on, today), ranked.rank, ranked.reason_it,
                                       ranked.reason_en))
    new_ids = {item.grant_id for item in new_items}
    for grant_id in sorted(matched):
        grant = grants.get(grant_id)
        if grant is None or grant.withdrawn_at is not None or grant.closes_on is None:
            continue
        left = days_left(grant.closes_on, today)
        if left < 0 or (grant.opens_on is not None and grant.opens_on > today):
            continue
        occasion = _occasion(grant.closes_on)
        reason = CLOSING_3 if left <= REMINDER_DAYS[1] else CLOSING_14 if left <= REMINDER_DAYS[0] else None
        if reason and fresh(grant_id, reason, occasion):
            ranked = next((r for r in facts.top if r.grant_id == grant_id), None)
            reminders.append(AlertItem(grant_id, reason, occasion, grant.title, grant.closes_on, left,
                                       ranked.rank if ranked else None,
                                       ranked.reason_it if ranked else "", ranked.reason_en if ranked else ""))
    for grant_id in sorted(matched - new_ids):
        grant = grants.get(grant_id)
        if grant is None:
            continue
        for change in recent(grant_id):
            occasion = str(change.revision_id)
            if change.kind == WITHDRAWN and fresh(grant_id, WITHDRAWN, occasion):
                changed.append(AlertItem(grant_id, WITHDRAWN, occasion, grant.title, grant.closes_on))
            elif change.kind == "amended" and grant.withdrawn_at is None and fresh(grant_id, AMENDED, occasion):
                notable = notable_changes(change.changes)
                if notable:
                    changed.append(AlertItem(grant_id, AMENDED, occasion, grant.title, grant.closes_on,
                                             days_left(grant.closes_on, today), changes=notable))
    reminders.sort(key=lambda item: (item.days_left, item.grant_id))
    return tuple(new_items + reminders + changed)

