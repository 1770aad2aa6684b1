"""The alert decision rules, without an app: what is news, what is reminded, what is never said twice."""
from __future__ import annotations

from datetime import date, datetime

from assessment.domain.grant_alerts import (
    CompanyAlertFacts,
    GrantChange,
    GrantState,
    RankedGrant,
    decide_alert_items,
)

TODAY = date(2026, 12, 8)
SINCE = datetime(2026, 12, 7, 8, 0)


def state(grant_id: int, *, closes_on=date(2027, 2, 1), opens_on=date(2026, 1, 1), seen=datetime(2026, 11, 1),
          withdrawn_at=None) -> GrantState:
    return GrantState(grant_id, f"Bando {grant_id}", opens_on, closes_on, seen, withdrawn_at)


def facts(*top: int, told=(), notified=()) -> CompanyAlertFacts:
    return CompanyAlertFacts(1, SINCE, SINCE.date(), tuple(RankedGrant(g, r, "eligible", f"it {g}", f"en {g}")
                                                          for r, g in enumerate(top, start=1)),
                             frozenset(told), frozenset(notified))


def reasons(items) -> list[tuple[int, str]]:
    return [(i.grant_id, i.reason) for i in items]


def test_a_call_first_seen_since_the_last_alert_is_new_with_its_reason_line():
    grants = {1: state(1, seen=datetime(2026, 12, 7, 20)), 2: state(2)}
    items = decide_alert_items(facts(1, 2), grants, {}, TODAY)
    assert reasons(items) == [(1, "new_match")] and items[0].reason_it == "it 1" and items[0].rank == 1


def test_opened_since_and_amended_so_that_it_qualifies_are_new_too_but_not_twice():
    grants = {1: state(1, opens_on=TODAY), 2: state(2)}
    change = GrantChange(7, 2, "amended", datetime(2026, 12, 7, 21), {"sizes": {"old": ["medium"], "new": ["micro"]}})
    assert reasons(decide_alert_items(facts(1, 2), grants, {2: [change]}, TODAY)) == [(1, "new_match"),
                                                                                    (2, "new_match")]
    said = {(1, "new_match", "2027-02-01"), (2, "new_match", "2027-02-01")}
    later = CompanyAlertFacts(1, datetime(2026, 12, 8, 9), TODAY, facts(1, 2).top, frozenset({1, 2}),
                              frozenset(said))
    assert decide_alert_items(later, grants, {2: [change]}, TODAY) == ()


def test_reminders_at_14_and_at_3_days_once_each_per_deadline():
    grants = {1: state(1, closes_on=date(2026, 12, 22))}
    assert reasons(decide_alert_items(facts(1), grants, {}, date(2026, 12, 7))) == []  # 15 days
    assert reasons(decide_alert_items(facts(1), grants, {}, TODAY)) == [(1, "closing_14")]
    said = {(1, "closing_14", "2026-12-22")}
    assert decide_alert_items(facts(1, notified=said), grants, {}, date(2026, 12, 12)) == ()
    assert reasons(decide_alert_items(facts(1, notified=said), grants, {}, date(2026, 12, 19))) == [(1, "closing_3")]


def test_an_amendment_says_what_changed_only_for_notable_fields_and_a_withdrawal_is_said():
    grants = {1: state(1), 2: state(2, withdrawn_at=datetime(2026, 12, 7, 22))}
    changes = {1: [GrantChange(5, 1, "amended", datetime(2026, 12, 7, 21),
                               {"closes_on": {"old": "2027-01-01", "new": "2027-02-01"},
                                "description": {"old": "a", "new": "b"}})],
               2: [GrantChange(6, 2, "withdrawn", datetime(2026, 12, 7, 22), {})]}
    items = decide_alert_items(facts(1, told={1, 2}), grants, changes, TODAY)
    assert reasons(items) == [(1, "amended"), (2, "withdrawn")]
    assert [(c.field, c.topic) for c in items[0].changes] == [("closes_on", "date")]
    only_text = {1: [GrantChange(8, 1, "amended", datetime(2026, 12, 7, 21), {"description": {"old": 1, "new": 2}})]}
    assert decide_alert_items(facts(1, told={1}), {1: state(1)}, only_text, TODAY) == ()


def test_an_unmatched_call_is_never_said():
    grants = {3: state(3, seen=datetime(2026, 12, 7, 20), closes_on=date(2026, 12, 10))}
    assert decide_alert_items(facts(), grants, {}, TODAY) == ()
