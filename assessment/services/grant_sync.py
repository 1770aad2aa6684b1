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

from ..domain.grant_records import INCENTIVI_SOURCE, content_hash
from ..domain.incentivi_solr import doc_id, record_from_doc
from ..models import GrantSync, SyncOutcome, utcnow
from .grant_freshness import last_good_sync
from .grant_history import CatalogueChanges, apply_records, stored_hashes
from .grants import ImportReport, parse_rows
from .incentivi_client import FetchFailed, FetchSettings, fetch_catalogue

MIN_SHARE_OF_LAST = 0.5  # a sync listing fewer than half the records of the last good one is not believed
MAX_STORED_REJECTIONS = 500


@dataclass
class SyncResult:
    sync: GrantSync
    changes: CatalogueChanges | None = None  # None when the sync failed
    failure: str | None = None  # why it failed: a FetchFailed.kind (the log keeps the detail)

    @property
    def is_success(self) -> bool:
        return self.sync.outcome == SyncOutcome.succeeded


def sync_national_catalogue(session: Session, settings: FetchSettings, *, dry_run: bool = False,
                            today: date | None = None, min_share: float = MIN_SHARE_OF_LAST) -> SyncResult:
    """Run one sync and store it in the log (a dry run too, marked is_dry_run: it writes no grant). Flushes;
    the caller commits, also after a failure (the failed run is the log's record of it).

    The portal is read before the database is touched: on SQLite a transaction that writes holds the one write
    lock from its first statement, and reading ~6,000 records can take a minute in which owners must still be
    able to save their answers (sync_and_follow_up commits first, so no transaction is open meanwhile)."""
    started = utcnow()
    failure: FetchFailed | None = None
    try:
        catalogue = fetch_catalogue(settings)
    except FetchFailed as error:
        failure = error
    previous = last_good_sync(session)
    sync = GrantSync(source_url=settings.url, is_dry_run=dry_run, started_at=started,
                     outcome=SyncOutcome.running)
    session.add(sync)
    session.flush()
    if failure is not None:
        sync.pages, sync.found = failure.pages, failure.found
        return _failed(session, sync, failure.reason, failure.kind)
    sync.pages, sync.found, sync.seen = catalogue.pages, catalogue.found, len(catalogue.docs)
    if not catalogue.docs:
        return _failed(session, sync, "the portal listed no records at all", "too_few")
    floor = int(previous.seen * min_share) if previous is not None else 0
    if sync.seen < floor:
        return _failed(session, sync, f"only {sync.seen} records, fewer than {floor} (half of the {previous.seen} "
                                      f"of the last good sync, #{previous.id}): not believed", "too_few")

    report = ImportReport(file_format="incentivi-json")
    rows, unchanged = _changed_rows(session, catalogue.docs)
    records = parse_rows(rows, report.file_format, INCENTIVI_SOURCE, report)
    present = {i for i in (doc_id(doc) for doc in catalogue.docs) if i is not None}
    # The floor again on what could be read as records: pages whose documents lost their id or title (a
    # changed schema) would otherwise "succeed" and withdraw the whole catalogue.
    readable = unchanged + len(records)
    if readable == 0 or readable < floor or len(present) < floor:
        _store_rejections(sync, report)
        return _failed(session, sync, f"only {readable} of the {sync.seen} records could be read ("
                                      f"{len(report.rejected)} rejected, {len(present)} with an id): not believed",
                       "too_few")
    try:
        with session.begin_nested():
            changes = apply_records(session, records, today=today, sync=sync, complete_source=INCENTIVI_SOURCE,
                                    present_ids=present, dry_run=dry_run)
    except SQLAlchemyError as error:
        return _failed(session, sync, f"the database refused the changes: {str(error).splitlines()[0][:300]}",
                       "database")
    changes.unchanged += unchanged
    sync.new, sync.amended = len(changes.new), len(changes.amended)
    sync.withdrawn, sync.reappeared = len(changes.withdrawn), len(changes.reappeared)
    _store_rejections(sync, report)
    sync.outcome, sync.finished_at = SyncOutcome.succeeded, utcnow()
    session.flush()
    return SyncResult(sync, changes)


def _changed_rows(session: Session, docs: list) -> tuple[list[tuple[int, object]], int]:
    """The numbered records whose content hash differs from the stored grant's (or that are new, withdrawn, or
    not records at all), and how many are unchanged. Unchanged records are not parsed again: the daily sync
    of ~6,000 records costs the hashes, and writes nothing. (Our derived columns, the dimensions and the
    resolved comuni, are refreshed by `grants import` of a file, which compares them too.)"""
    stored = stored_hashes(session, INCENTIVI_SOURCE)
    rows, unchanged = [], 0
    for number, doc in enumerate(docs, start=1):
        record = record_from_doc(doc)
        if isinstance(record, dict) and stored.get(doc_id(doc) or "") == content_hash(record):
            unchanged += 1
        else:
            rows.append((number, record))
    return rows, unchanged


def _store_rejections(sync: GrantSync, report: ImportReport) -> None:
    sync.rejected = len(report.rejected)
    sync.rejections = [[str(key), reason] for key, reason in report.rejected[:MAX_STORED_REJECTIONS]]


def _failed(session: Session, sync: GrantSync, reason: str, kind: str) -> SyncResult:
    sync.outcome, sync.finished_at, sync.error = SyncOutcome.failed, utcnow(), reason
    session.flush()
    return SyncResult(sync, failure=kind)


@dataclass(frozen=True)
class Recomputed:
    companies: int  # touched by the changes
    stored: int | None  # matches stored; None: queued for the RQ worker


def companies_touched(grant_ids: set[int], today: date) -> list[int]:
    """The assessed companies whose stored recommendations these changed grants alter: those who were
    recommended one of them, and those for whom one of them (open, not withdrawn) is eligible or to check AND
    scores above the last of their stored grant recommendations (or who have fewer than five), scored by the
    same ranking as `match run`, against the whole open catalogue. A national call that ranks below what a
    company already has does not touch it: its stored list would come out the same."""
    from ..extensions import db
    from ..models import Assessment, AssessmentStatus, Company, Grant, Match, MatchKind

    if not grant_ids:
        return []
    ids = sorted(grant_ids)
    recommended = set(db.session.execute(
        db.select(Match.company_id).where(Match.grant_id.in_(ids)).distinct()).scalars())
    assessed = set(db.session.execute(
        db.select(Assessment.company_id).join(Company, Company.id == Assessment.company_id)
        .where(Assessment.status == AssessmentStatus.submitted, Company.erased_at.is_(None)).distinct()).scalars())
    if len(recommended & assessed) * 2 >= len(assessed):
        return sorted(assessed)  # most are touched anyway: scoring the others first would only add time
    changed = set(db.session.execute(db.select(Grant.id).where(
        Grant.id.in_(ids), Grant.is_active.is_(True), Grant.withdrawn_at.is_(None),
        (Grant.closes_on.is_(None)) | (Grant.closes_on >= today))).scalars())
    if not changed:
        return sorted(recommended)
    best = _best_changed_scores(changed, today)
    stored = {cid: (count, lowest) for cid, count, lowest in db.session.execute(
        db.select(Match.company_id, db.func.count(), db.func.min(Match.score))
        .where(Match.kind == MatchKind.grant).group_by(Match.company_id)).all()}
    better = {cid for cid, score in best.items()
              if cid not in stored or stored[cid][0] < 5 or score > stored[cid][1]}
    return sorted(recommended | better)


def _best_changed_scores(changed: set[int], today: date) -> dict[int, float]:
    """company id -> the score of its best changed grant among those it may apply to (eligible or to check),
    ranked among all open grants as `match run` ranks them (same text model, same re-ranker)."""
    import numpy as np

    from ..domain.eligibility import grant_facts_from
    from ..domain.eligibility_batch import eligibility_matrix
    from ..domain.matching import EligibilityMatrix, rank_grants
    from ..models import MatchKind
    from .matching import _grant_item, active_rerankers, company_rows, open_grant_rows

    grants = open_grant_rows(today)
    vectors, facts, _assessments = company_rows(None)
    if not vectors:
        return {}
    columns = [j for j, g in enumerate(grants) if g.id in changed]
    partial = eligibility_matrix([v.id for v in vectors], facts, [grants[j].id for j in columns],
                                 [grant_facts_from(grants[j]) for j in columns], today)
    statuses = np.zeros((len(vectors), len(grants)), dtype=np.int8)  # 0: never ranked (the unchanged grants)
    statuses[:, columns] = partial.statuses
    matrix = EligibilityMatrix([v.id for v in vectors], [g.id for g in grants], statuses)
    ranked = rank_grants(vectors, [_grant_item(g) for g in grants], matrix, today, top_k=1,
                         reranker=active_rerankers().get(MatchKind.grant))
    return {cid: recs[0].score for cid, recs in ranked.items() if recs}


def recompute_after_sync(changes: CatalogueChanges | None, *, today: date, redis_url: str | None = None) -> Recomputed:
    """Recompute the stored recommendations of the companies the changes touch: on the RQ queue when a worker
    listens (redis_url given), otherwise here, in the vectorised pass `match run` uses."""
    if changes is None or not changes.grant_ids:
        return Recomputed(0, 0)
    touched = companies_touched(changes.grant_ids, today)
    if not touched:
        return Recomputed(0, 0)
    if redis_url is not None:
        from ..jobs import refresh_recommendations_of

        return Recomputed(len(touched), refresh_recommendations_of(redis_url, touched))
    from .matching import recompute_matches

    return Recomputed(len(touched), recompute_matches(touched, today))


def list_syncs(page: int, per_page: int = 25):
    """The sync log, newest first, one page of it."""
    from ..extensions import db

    return db.paginate(db.select(GrantSync).order_by(GrantSync.started_at.desc(), GrantSync.id.desc()),
                       page=page, per_page=per_page, error_out=False)
