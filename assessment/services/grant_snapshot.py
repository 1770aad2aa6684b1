"""Importing the bundled snapshot of the national catalogue (demo load): its grants, the day it was taken, and
that day as when its calls were first seen (a fresh install does not call them all "nuovo")."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import utc_start_of
from ..domain.eligibility import is_open, is_still_open
from ..domain.grant_records import INCENTIVI_SOURCE, MalformedFile
from ..domain.grant_snapshot import snapshot_taken_on
from ..models import Grant, GrantSnapshot
from .grants import ImportReport, import_grants


def import_grant_snapshot(session: Session, path: Path, today: date) -> ImportReport:
    """Import a bundled snapshot file and record the day it was taken (once per file: importing it again
    changes nothing). Only calls new to the database are imported: they were first seen, and last changed, on
    that day, and are marked abridged (the republished texts are shortened). Flushes."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        taken_on = snapshot_taken_on(document)
        docs = list(document["response"]["docs"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MalformedFile(f"cannot read the snapshot {Path(path).name}: {error}") from None
    if taken_on is None:
        raise MalformedFile(f"{Path(path).name}: no snapshot.taken_on date")
    known = set(session.scalars(select(Grant.external_id).where(Grant.source == INCENTIVI_SOURCE)))
    # A call already in the database (from this snapshot, or newer from a sync or an import) is left as it
    # is: an older copy must not undo an amendment, bring a withdrawn call back, or shorten the full texts.
    fresh = [doc for doc in docs if str(doc.get("ID_Incentivo") or "") not in known]
    report = import_grants(session, fresh, today=today) if fresh else ImportReport(file_format="incentivi-json")
    report.unchanged += len(docs) - len(fresh)
    every_id = [str(doc["ID_Incentivo"]) for doc in docs if doc.get("ID_Incentivo")]
    # the file's calls open today, as the database holds them now (those it had already included)
    report.open_today = sum(is_still_open(grant, today) and is_open(grant, today) for grant in session.scalars(
        select(Grant).where(Grant.source == INCENTIVI_SOURCE, Grant.external_id.in_(every_id))))
    ids = [str(doc["ID_Incentivo"]) for doc in fresh if doc.get("ID_Incentivo")]
    if ids:
        seen_at = utc_start_of(taken_on)
        session.execute(update(Grant).where(Grant.source == INCENTIVI_SOURCE, Grant.external_id.in_(ids))
                        .values(first_seen_at=seen_at, last_seen_at=seen_at, last_changed_at=seen_at,
                                is_abridged=True)
                        .execution_options(synchronize_session=False))
    snapshot = session.scalar(select(GrantSnapshot).filter_by(file_name=Path(path).name))
    if snapshot is None:
        session.add(GrantSnapshot(file_name=Path(path).name, source=INCENTIVI_SOURCE, taken_on=taken_on,
                                  records=report.added + report.updated + report.unchanged))
    session.flush()
    return report

