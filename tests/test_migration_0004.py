"""Migration 0004 on a database where a race already left two active assignments for one company: the one
furthest along stays (then the oldest), the others are withdrawn, and the unique index can be built."""
from __future__ import annotations

from tests.test_migrations import scratch_database_url, upgrade_over_rows  # noqa: F401 - the fixture

ROWS = [(1, 7, 1, "accepted"), (2, 7, 2, "accepted"), (3, 7, 3, "proposed"), (4, 8, 1, "proposed"),
        (5, 8, 2, "in_progress"), (6, 9, 1, "completed"), (7, 9, 2, "proposed")]


def test_duplicate_active_assignments_are_withdrawn_before_the_index(scratch_database_url):  # noqa: F811
    rows = upgrade_over_rows(scratch_database_url, "0003", [
        "INSERT INTO coach_assignments (id, company_id, coach_id, status, fit_score, reason, proposed_at) "
        f"VALUES ({id_}, {company_id}, {coach_id}, '{status}', 0, '{{}}', '2026-01-01')"
        for id_, company_id, coach_id, status in ROWS],
        "SELECT id, status, withdrawn_at IS NOT NULL FROM coach_assignments ORDER BY id")
    assert rows == [
        (1, "accepted", False), (2, "withdrawn", True), (3, "withdrawn", True), (4, "withdrawn", True),
        (5, "in_progress", False), (6, "completed", False), (7, "proposed", False)]
