"""The national catalogue sync: read every page of incentivi.gov.it, then apply all of it or nothing.

A run is stored as a GrantSync (the log). It fails as a whole, changing no grant, when a page cannot be read
(network, 5xx or 429 after the retries, a timeout), is not Solr's JSON, numFound changes between pages, or
fewer records arrive than the sanity floor (a share of the last good sync's). A single record that does not
parse is rejected with its reason, as `grants import` does, and the rest is applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..domain.grant_records import INCENTIVI_SOURCE
from ..domain.incentivi_solr import doc_id, record_from_doc
from ..models import GrantSync, SyncOutcome, utcnow
from .grant_freshness import last_good_sync
from .grant_history import CatalogueChanges, apply_records
from .grants import ImportReport, parse_rows
from .incentivi_client import FetchFailed, FetchSettings, fetch_catalogue

MIN_SHARE_OF_LAST = 0.5  # a sync listing fewer than half the records of the last good one is not believed
MAX_STORED_REJECTIONS = 500


@dataclass
class SyncResult:
    sync: GrantSync
    changes: CatalogueChanges | None = None  # None when the sync failed

    @property
    def is_success(self) -> bool:
        return self.sync.outcome == SyncOutcome.succeeded


def sync_national_catalogue(session: Session, settings: FetchSettings, *, dry_run: bool = False,
                            today: date | None = None, min_share: float = MIN_SHARE_OF_LAST) -> SyncResult:
    """Run one sync and store it in the log (a dry run too, marked is_dry_run: it writes no grant). Flushes;
    the caller commits, also after a failure (the failed run is the log's record of it)."""
    previous = last_good_sync(session)
    sync = GrantSync(source_url=settings.url, is_dry_run=dry_run, started_at=utcnow(),
                     outcome=SyncOutcome.running)
    session.add(sync)
    session.flush()
    try:
        catalogue = fetch_catalogue(settings)
    except FetchFailed as error:
        sync.pages, sync.found = error.pages, error.found
        return _failed(session, sync, error.reason)
    sync.pages, sync.found, sync.seen = catalogue.pages, catalogue.found, len(catalogue.docs)
    if not catalogue.docs:
        return _failed(session, sync, "the portal listed no records at all")
    floor = int(previous.seen * min_share) if previous is not None else 0
    if sync.seen < floor:
        return _failed(session, sync, f"only {sync.seen} records, fewer than {floor} (half of the {previous.seen} "
                                      f"of the last good sync, #{previous.id}): not believed")

    report = ImportReport(file_format="incentivi-json")
    rows = [(number, record_from_doc(doc)) for number, doc in enumerate(catalogue.docs, start=1)]
    records = parse_rows(rows, report.file_format, INCENTIVI_SOURCE, report)
    present = {i for i in (doc_id(doc) for doc in catalogue.docs) if i is not None}
    try:
        with session.begin_nested():
            changes = apply_records(session, records, today=today, sync=sync, complete_source=INCENTIVI_SOURCE,
                                    present_ids=present, dry_run=dry_run)
    except SQLAlchemyError as error:
        return _failed(session, sync, f"the database refused the changes: {str(error).splitlines()[0][:300]}")
    sync.new, sync.amended = len(changes.new), len(changes.amended)
    sync.withdrawn, sync.reappeared = len(changes.withdrawn), len(changes.reappeared)
    sync.rejected = len(report.rejected)
    sync.rejections = [[str(key), reason] for key, reason in report.rejected[:MAX_STORED_REJECTIONS]]
    sync.outcome, sync.finished_at = SyncOutcome.succeeded, utcnow()
    session.flush()
    return SyncResult(sync, changes)


def _failed(session: Session, sync: GrantSync, reason: str) -> SyncResult:
    sync.outcome, sync.finished_at, sync.error = SyncOutcome.failed, utcnow(), reason
    session.flush()
    return SyncResult(sync)
