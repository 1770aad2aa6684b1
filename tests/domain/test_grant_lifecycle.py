"""A grant's lifecycle status on a given day: withdrawn, new, amended or unchanged."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessment.domain.grant_lifecycle import grant_status

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("first_seen", "last_changed", "withdrawn", "expected"), [
    (TODAY, TODAY, False, "new"),
    (TODAY - timedelta(days=6), TODAY - timedelta(days=6), False, "new"),  # the seventh day still counts
    (TODAY - timedelta(days=7), TODAY - timedelta(days=7), False, "unchanged"),
    (TODAY - timedelta(days=30), TODAY - timedelta(days=2), False, "amended"),
    (TODAY - timedelta(days=30), TODAY - timedelta(days=7), False, "unchanged"),
    (TODAY - timedelta(days=30), None, False, "unchanged"),
    (TODAY, TODAY, True, "withdrawn"),  # withdrawn wins over new
    (TODAY - timedelta(days=30), TODAY, True, "withdrawn"),
])
def test_grant_status(first_seen, last_changed, withdrawn, expected):
    assert grant_status(first_seen, last_changed, withdrawn, TODAY) == expected
