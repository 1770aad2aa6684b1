"""Migration 0013 on a database with editions already mailed: each edition's revision starts from the SEQUENCE
its calendars carried (the minute of its last change), so that the next update is still taken as newer."""
from __future__ import annotations

from datetime import datetime

from tests.test_migrations import scratch_database_url, upgrade_over_rows  # noqa: F401 - the fixture


def test_existing_editions_keep_a_sequence_at_least_as_high_as_the_one_mailed(scratch_database_url):  # noqa: F811
    rows = upgrade_over_rows(scratch_database_url, "0012", [
        "INSERT INTO training_editions (id, track_id, title, description, place, capacity, min_attendance_percent, "
        "status, is_example, created_at, updated_at) VALUES (1, 1, 'E', '', 'Ivrea', 10, 70, 'scheduled', false, "
        "'2026-01-01 09:00:00', '2026-03-04 10:30:00')"], "SELECT revision FROM training_editions")
    old_sequence = int((datetime(2026, 3, 4, 10, 30) - datetime(2020, 1, 1)).total_seconds() // 60)
    assert rows == [(old_sequence,)]
