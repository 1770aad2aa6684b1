"""Importing grant calls (incentivi.gov.it open data or our local format) into the grants table, in bulk."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from ..domain.grant_records import (
    GrantRecord,
    InvalidRecord,
    parse_grant_record,
    read_grant_file,
    read_grant_records,
)
from .grant_history import CatalogueChanges, apply_records

_MAX_SOURCE, _MAX_EXTERNAL_ID = 40, 80


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str | int, str]] = field(default_factory=list)  # (external_id or row number, reason)
    unresolved_comuni: list[tuple[str, list[str]]] = field(default_factory=list)  # (external_id, names)
    file_format: str = ""
    open_today: int = 0  # imported calls open on `today`
    changes: CatalogueChanges | None = None  # by external id, with the fields that changed

    def summary(self) -> str:
        return (f"added: {self.added}, updated: {self.updated}, unchanged: {self.unchanged}, "
                f"rejected: {len(self.rejected)}")


def _read(data: str | os.PathLike | bytes | Sequence[dict], filename: str | None) -> tuple[list, str]:
    if isinstance(data, (list, tuple)):
        return read_grant_records(list(data))
    return read_grant_file(data, filename)


def parse_rows(rows: list, file_format: str, source: str | None,
               report: ImportReport) -> list[GrantRecord]:
    """Numbered raw records -> GrantRecords; each one that does not parse (or repeats an ID) goes to
    report.rejected with its reason."""
    records: list[GrantRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in rows:
        try:
            record = parse_grant_record(raw, file_format, source)
        except InvalidRecord as error:
            report.rejected.append((error.external_id or number, error.reason))
            continue
        key = (record.source, record.external_id)
        if len(record.source) > _MAX_SOURCE or len(record.external_id) > _MAX_EXTERNAL_ID:
            report.rejected.append((record.external_id[:_MAX_EXTERNAL_ID], "source or ID too long"))
        elif key in seen:
            report.rejected.append((record.external_id, f"duplicate: the same ID is in record {seen[key]}"))
        else:
            seen[key] = number
            records.append(record)
    return records


def import_grants(
    session: Session,
    data: str | os.PathLike | bytes | Sequence[dict],
    *,
    filename: str | None = None,
    source: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """Upsert the grants of a file (path or bytes; `filename` tells the format of bytes) or of a list of
    incentivi.gov.it records, on (source, external_id). `source` overrides the file's source.

    Records that cannot be parsed are rejected one by one with a reason; a file that cannot be read
    raises MalformedFile before anything is written. An admin's dimensions_override is kept. Flushes
    once; the caller commits. Three queries in all, whatever the number of records.
    """
    report = ImportReport()
    rows, report.file_format = _read(data, filename)
    records = parse_rows(rows, report.file_format, source, report)
    if not records:
        return report

    changes = apply_records(session, records, today=today)
    report.added = len(changes.new)
    report.updated = len(changes.amended) + len(changes.reappeared) + changes.refreshed
    report.unchanged = changes.unchanged
    report.unresolved_comuni = changes.unresolved_comuni
    report.open_today = changes.open_today
    report.changes = changes
    return report
