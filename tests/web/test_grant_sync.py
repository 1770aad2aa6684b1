"""The national catalogue sync against a local fake Solr: pages, changes and history, all-or-nothing failures."""
from __future__ import annotations

import copy
import json
import socket
from datetime import date
from pathlib import Path

import pytest

from assessment.extensions import db
from assessment.models import Grant, GrantChangeKind, GrantRevision, GrantSync, SyncOutcome
from assessment.services.grant_sync import sync_national_catalogue
from assessment.services.grants import import_grants
from assessment.services.incentivi_client import FetchSettings
from tests.fake_solr import solr_doc, solr_docs

DATA = Path(__file__).resolve().parents[2] / "assessment" / "data"
SAMPLE = DATA / "incentivi_gov_it_sample.json"
LOCAL = DATA / "grants_cciaa_local.yaml"
SOURCE = "incentivi.gov.it"


@pytest.fixture
def records() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def settings(solr, **overrides) -> FetchSettings:
    values = dict(url=solr.url, page_size=2, connect_timeout=0.5, read_timeout=0.5, retries=2, backoff=0,
                  user_agent="BussolaDigitale/test (+tests)")
    values.update(overrides)
    return FetchSettings(**values)


def sync(solr, **overrides):
    dry_run = overrides.pop("dry_run", False)
    result = sync_national_catalogue(db.session, settings(solr, **overrides), dry_run=dry_run)
    db.session.commit()
    return result


def grants_table() -> list[tuple]:
    """Every grant as the owners would notice it, plus its history bookkeeping."""
    rows = db.session.execute(db.select(Grant).order_by(Grant.source, Grant.external_id)).scalars()
    return [(g.source, g.external_id, g.title, g.closes_on, tuple(g.regions), g.content_hash, g.withdrawn_at,
             g.first_seen_at, g.last_seen_at, g.last_changed_at) for g in rows]


def revision_count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(GrantRevision)).scalar_one()


def national(external_id: str) -> Grant:
    return db.session.execute(db.select(Grant).filter_by(source=SOURCE, external_id=external_id)).scalar_one()


def syncs() -> list[GrantSync]:
    return list(db.session.execute(db.select(GrantSync).order_by(GrantSync.id)).scalars())


def test_three_pages_become_the_grants_an_import_would_make(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records)
    result = sync(fake_solr)
    assert result.is_success
    log = result.sync
    assert (log.outcome, log.pages, log.found, log.seen, log.new, log.amended, log.withdrawn, log.rejected) == (
        SyncOutcome.succeeded, 3, 5, 5, 5, 0, 0, 0)
    assert log.finished_at is not None and log.error is None and not log.is_dry_run
    assert [r["params"]["start"] for r in fake_solr.requests] == ["0", "2", "4"]
    first = fake_solr.requests[0]
    assert first["params"]["q"] == "index_id:incentivi" and first["params"]["wt"] == "json"
    assert first["params"]["rows"] == "2" and "zs_nid" in first["params"]["fl"].split(",")
    assert first["headers"]["User-Agent"] == "BussolaDigitale/test (+tests)"
    synced = {row[1]: row for row in grants_table()}
    assert sorted(synced) == sorted(r["ID_Incentivo"] for r in records)
    voucher = national("1447")
    assert voucher.closes_on == date(2024, 6, 29) and voucher.sizes == ["micro", "small", "medium"]
    assert len(national("1428").comuni_istat) == 247
    # The same records imported from the open-data file give the same rows, hash included.
    db.session.execute(db.delete(Grant))
    import_grants(db.session, SAMPLE)
    imported = {row[1]: row for row in grants_table()}
    assert {k: v[:6] for k, v in imported.items()} == {k: v[:6] for k, v in synced.items()}


def test_second_sync_records_an_amendment_a_withdrawal_and_a_new_grant(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records[:4])
    sync(fake_solr)
    before = {row[1]: row for row in grants_table()}
    changed = copy.deepcopy(records)
    changed[0]["Data_chiusura"] = "2024-07-31T00:00:00"
    changed[0]["Regioni"] = ["Abruzzo", "Molise"]
    changed[0]["Agevolazione_Concedibile_max"] = "6000"
    fake_solr.docs = solr_docs([changed[0], changed[1], changed[2], changed[4]])  # 1433 vanished, 175 new
    result = sync(fake_solr)
    log = result.sync
    assert (log.outcome, log.seen, log.new, log.amended, log.withdrawn, log.reappeared) == (
        SyncOutcome.succeeded, 4, 1, 1, 1, 0)
    amended = national("1447")
    assert amended.closes_on == date(2024, 7, 31) and amended.regions == ["Abruzzo", "Molise"]
    assert amended.last_changed_at > before["1447"][9] and amended.first_seen_at == before["1447"][7]
    (revision,) = amended.revisions
    assert revision.kind == GrantChangeKind.amended and revision.sync_id == log.id
    assert revision.changes == {
        "closes_on": {"old": "2024-06-29", "new": "2024-07-31"},
        "aid_max_eur": {"old": 5000.0, "new": 6000.0},
        "regions": {"old": ["Abruzzo"], "new": ["Abruzzo", "Molise"]},
    }
    assert revision.old_hash == before["1447"][5] and revision.new_hash == amended.content_hash
    gone = national("1433")
    assert gone.withdrawn_at is not None and gone.is_active  # kept, never deleted
    assert [r.kind for r in gone.revisions] == [GrantChangeKind.withdrawn]
    assert national("175").first_seen_at > before["1426"][7]
    # Unchanged grants are not written: not even their last_seen_at.
    assert grants_table()[[r[1] for r in grants_table()].index("1426")] == before["1426"]

    fake_solr.docs = solr_docs(changed)  # 1433 is back
    log = sync(fake_solr).sync
    assert (log.new, log.amended, log.withdrawn, log.reappeared) == (0, 0, 0, 1)
    back = national("1433")
    assert back.withdrawn_at is None
    assert [r.kind for r in back.revisions] == [GrantChangeKind.withdrawn, GrantChangeKind.reappeared]
    # its comeback moves last_changed_at: `changed_since` lists it again, so a client that stored "withdrawn"
    # hears that it is back
    assert back.last_changed_at == back.last_seen_at == back.revisions[-1].changed_at


def test_a_500_on_page_two_recovers_on_retry(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records)
    fake_solr.fail(500, start=2)
    log = sync(fake_solr).sync
    assert log.outcome == SyncOutcome.succeeded and (log.pages, log.seen, log.new) == (3, 5, 5)
    assert [r["params"]["start"] for r in fake_solr.requests] == ["0", "2", "2", "4"]


def test_a_429_with_retry_after_is_waited_for(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records)
    fake_solr.fail(("retry-after", 0), start=0)
    assert sync(fake_solr).sync.outcome == SyncOutcome.succeeded
    assert len(fake_solr.requests) == 4


@pytest.fixture
def first_good_sync(db_session, fake_solr, records):
    """A good sync of the five sample records, and the state it left."""
    fake_solr.docs = solr_docs(records)
    assert sync(fake_solr).is_success
    fake_solr.requests.clear()
    changed = copy.deepcopy(records)
    changed[0]["Titolo"] = "Changed title"
    fake_solr.docs = solr_docs(changed[:4] + [{**records[0], "ID_Incentivo": "9999"}])
    return grants_table(), revision_count()


def assert_nothing_changed(state) -> GrantSync:
    table, revisions = state
    assert grants_table() == table and revision_count() == revisions
    good, failed = syncs()
    assert good.outcome == SyncOutcome.succeeded and failed.outcome == SyncOutcome.failed
    assert failed.finished_at is not None and failed.new == failed.amended == failed.withdrawn == 0
    return failed


def test_a_permanent_failure_changes_nothing(first_good_sync, fake_solr):
    fake_solr.fail(500, 500, 500, start=2)
    result = sync(fake_solr)
    assert not result.is_success and result.changes is None
    failed = assert_nothing_changed(first_good_sync)
    assert "page 2 (start=2)" in failed.error and "500" in failed.error and "after 2 retries" in failed.error
    assert failed.pages == 1 and failed.found == 5


def test_malformed_json_changes_nothing(first_good_sync, fake_solr):
    fake_solr.fail("malformed", start=4)
    sync(fake_solr)
    failed = assert_nothing_changed(first_good_sync)
    assert "page 3 (start=4): not valid JSON" in failed.error


def test_a_page_that_is_not_solr_changes_nothing(first_good_sync, fake_solr):
    fake_solr.page = lambda params, found=None: {"error": "maintenance"}
    sync(fake_solr)
    assert "no 'response' object" in assert_nothing_changed(first_good_sync).error


def test_a_timeout_changes_nothing(first_good_sync, fake_solr):
    fake_solr.fail(("sleep", 0.6), ("sleep", 0.6), ("sleep", 0.6), start=2)
    sync(fake_solr, read_timeout=0.2)
    failed = assert_nothing_changed(first_good_sync)
    assert "page 2 (start=2)" in failed.error and "timeout" in failed.error


def test_a_timeout_that_recovers_on_retry(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records)
    fake_solr.fail(("sleep", 0.6), start=2)
    assert sync(fake_solr, read_timeout=0.2).sync.seen == 5


def test_numfound_changing_between_pages_changes_nothing(first_good_sync, fake_solr):
    fake_solr.fail(("found", 6), start=2)
    sync(fake_solr)
    failed = assert_nothing_changed(first_good_sync)
    assert "numFound changed between pages (5 then 6)" in failed.error


def test_the_network_down_changes_nothing(first_good_sync, fake_solr):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    sync(fake_solr, url=f"http://127.0.0.1:{port}/solr/coredrupal/select")
    failed = assert_nothing_changed(first_good_sync)
    assert "cannot reach the portal" in failed.error


def test_fewer_records_than_the_sanity_floor_changes_nothing(first_good_sync, fake_solr):
    fake_solr.docs = fake_solr.docs[:1]  # fewer than half of the 5 of the last good sync
    sync(fake_solr)
    failed = assert_nothing_changed(first_good_sync)
    assert failed.error.startswith("only 1 records, fewer than 2 (half of the 5 of the last good sync")
    assert failed.seen == 1
    fake_solr.docs = []
    sync(fake_solr)
    assert syncs()[-1].error == "the portal listed no records at all"


@pytest.mark.parametrize("lost", ["zs_nid", "zs_title"])
def test_pages_whose_records_cannot_be_read_change_nothing(first_good_sync, fake_solr, lost):
    """Every page read, but the documents lost their id or their title (a changed schema on the portal): that is
    no catalogue to withdraw everything by."""
    fake_solr.docs = [{k: v for k, v in doc.items() if k != lost} for doc in fake_solr.docs]
    sync(fake_solr)
    failed = assert_nothing_changed(first_good_sync)
    assert failed.error.startswith("only 0 of the 5 records could be read (5 rejected")
    assert failed.rejected == 5


def test_a_first_sync_of_unreadable_records_fails_too(db_session, fake_solr, records):
    fake_solr.docs = [{k: v for k, v in doc.items() if k != "zs_title"} for doc in solr_docs(records)]
    result = sync(fake_solr)
    assert not result.is_success and result.failure == "too_few" and grants_table() == []


def test_a_record_that_does_not_parse_is_rejected_and_the_rest_applied(db_session, fake_solr, records):
    fake_solr.docs = solr_docs(records)
    sync(fake_solr)
    broken = copy.deepcopy(records)
    broken[1]["Data_chiusura"] = "presto"
    broken[0]["Titolo"] = "Bando voucher, nuovo titolo"
    fake_solr.docs = solr_docs(broken)
    log = sync(fake_solr).sync
    assert log.outcome == SyncOutcome.succeeded and (log.rejected, log.amended, log.withdrawn) == (1, 1, 0)
    assert log.rejections == [["1428", "Data_chiusura: not a date: 'presto'"]]
    assert national("1447").title == "Bando voucher, nuovo titolo"
    assert national("1428").withdrawn_at is None  # still on the catalogue, only unreadable today


def test_local_sources_are_never_withdrawn(db_session, fake_solr, records):
    import_grants(db.session, LOCAL)
    import_grants(db.session, SAMPLE)  # the national sample, imported by hand before any sync
    fake_solr.docs = solr_docs(records[:3])
    log = sync(fake_solr).sync
    assert log.withdrawn == 2
    rows = db.session.execute(db.select(Grant.source, Grant.withdrawn_at.is_not(None))).all()
    assert {source for source, withdrawn in rows if withdrawn} == {SOURCE}
    assert all(not withdrawn for source, withdrawn in rows if source != SOURCE)


def test_an_import_of_the_national_source_keeps_the_same_history(db_session, records):
    import_grants(db.session, records)
    changed = copy.deepcopy(records)
    changed[2]["Data_chiusura"] = "2027-03-31T00:00:00"
    report = import_grants(db.session, changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    (revision,) = national("1426").revisions
    assert revision.kind == GrantChangeKind.amended and revision.sync_id is None
    assert revision.changes == {"closes_on": {"old": "2026-12-31", "new": "2027-03-31"}}


def test_a_dry_run_writes_no_grant(first_good_sync, fake_solr):
    result = sync(fake_solr, dry_run=True)
    table, revisions = first_good_sync
    assert grants_table() == table and revision_count() == revisions
    log = result.sync
    assert log.is_dry_run and log.outcome == SyncOutcome.succeeded
    assert (log.new, log.amended, log.withdrawn) == (1, 1, 1)
    assert result.changes.new == ["9999"] and list(result.changes.amended) == ["1447"]
    assert result.changes.withdrawn == ["175"]
    from assessment.services.grant_freshness import last_good_sync

    assert last_good_sync(db.session).id == syncs()[0].id  # a dry run is no good sync


def test_a_single_value_solr_wraps_in_a_list_is_read(db_session, fake_solr, records):
    fake_solr.docs = [solr_doc(records[0], zs_nid=[records[0]["ID_Incentivo"]], zs_title=[records[0]["Titolo"]])]
    assert sync(fake_solr).sync.new == 1
    assert national(records[0]["ID_Incentivo"]).title == records[0]["Titolo"]


@pytest.fixture
def quick_portal(app, monkeypatch, fake_solr):
    """The app's settings pointed at the fake Solr, with tiny timeouts and no backoff."""
    for name, value in (("INCENTIVI_SOLR_URL", fake_solr.url), ("INCENTIVI_PAGE_SIZE", 2),
                        ("INCENTIVI_RETRIES", 1), ("INCENTIVI_BACKOFF", 0), ("INCENTIVI_READ_TIMEOUT", 0.5),
                        ("INCENTIVI_CONNECT_TIMEOUT", 0.5)):
        monkeypatch.setitem(app.config, name, value)
    return fake_solr


def test_the_sync_command(runner, quick_portal, records):
    quick_portal.docs = solr_docs(records)
    result = runner.invoke(args=["grants", "sync"])
    assert result.exit_code == 0, result.output
    assert "succeeded; pages: 3, numFound: 5, read: 5" in result.output
    assert "new: 5, amended: 0, withdrawn: 0, reappeared: 0, rejected: 0 (unchanged: 0; completed or refreshed " \
           "without an amendment: 0)" in result.output
    assert quick_portal.requests[0]["headers"]["User-Agent"].startswith("BussolaDigitale/0.1.0 (+")


def test_the_sync_command_dry_run_prints_what_would_change(runner, quick_portal, records):
    quick_portal.docs = solr_docs(records)
    runner.invoke(args=["grants", "sync"])
    changed = copy.deepcopy(records)
    changed[0]["Data_chiusura"] = "2024-07-31T00:00:00"
    quick_portal.docs = solr_docs(changed[:4])
    before = grants_table()
    result = runner.invoke(args=["grants", "sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "amended 1447: closes_on: 2024-06-29 -> 2024-07-31" in result.output
    assert "withdrawn 175" in result.output and "dry run: no grant was written" in result.output
    assert grants_table() == before and syncs()[-1].is_dry_run


def test_the_sync_command_fails_with_a_non_zero_status(runner, quick_portal, records):
    quick_portal.docs = solr_docs(records)
    quick_portal.fail(503, 503, start=0)
    result = runner.invoke(args=["grants", "sync", "--url", quick_portal.url])
    assert result.exit_code == 1
    assert "too many 503 error responses after 1 retries; no grant was changed" in result.output
    assert grants_table() == [] and syncs()[-1].outcome == SyncOutcome.failed


def grant_matches(company) -> set[str]:
    from assessment.models import Match

    return set(db.session.execute(db.select(Grant.external_id).join(Match, Match.grant_id == Grant.id)
                                  .where(Match.company_id == company.id)).scalars())


def open_call(base: dict, external_id: str, regions: list[str]) -> dict:
    """A call any micro firm of these regions may apply to, open until 2027."""
    return dict(base, ID_Incentivo=external_id, Titolo=f"Voucher digitalizzazione {external_id}", Regioni=regions,
                Dimensioni=["Microimpresa", "Piccola Impresa", "Media Impresa"], Tipologia_Soggetto=["Impresa"],
                Codici_ATECO="Tutti i settori economici ammissibili a ricevere aiuti", Comuni=None,
                Data_apertura="2026-01-01T00:00:00", Data_chiusura="2027-12-31T00:00:00")


def test_recommendations_follow_the_catalogue(db_session, fake_solr, records):
    from assessment.services.grant_sync import companies_touched, recompute_after_sync
    from assessment.services.recommendations import stored_recommendations
    from tests.factories import submit_company

    today = date(2026, 12, 6)
    catalogue = [*records, open_call(records[2], "N1", records[2]["Regioni"]),
                 open_call(records[2], "P1", ["Piemonte"]),
                 open_call(records[2], "T1", ["Trentino-Alto Adige/Südtirol"])]
    ivrea, assessment, _token = submit_company(comune_istat="001125")  # Piemonte
    pescara, _a, _t = submit_company(comune_istat="068028")  # Abruzzo
    fake_solr.docs = solr_docs(catalogue)
    result = sync(fake_solr)
    outcome = recompute_after_sync(result.changes, today=today)
    db.session.commit()
    assert outcome.companies == 2 and outcome.stored > 0
    assert grant_matches(ivrea) == {"N1", "P1"} and grant_matches(pescara) == {"N1"}

    # N1 (national) vanishes: withdrawn, never shown again, even before the recomputation ran.
    fake_solr.docs = solr_docs([r for r in catalogue if r["ID_Incentivo"] != "N1"])
    result = sync(fake_solr)
    shown = stored_recommendations(assessment, today)["grants"]
    assert {m.grant.external_id for m in shown} == {"P1"}
    assert companies_touched(result.changes.grant_ids, today) == sorted([ivrea.id, pescara.id])  # both had it
    recompute_after_sync(result.changes, today=today)
    db.session.commit()
    assert grant_matches(ivrea) == {"P1"} and grant_matches(pescara) == set()

    # A change to a Trentino-only call touches neither company: nobody is recomputed.
    changed = [dict(r, Titolo="Nuovo titolo") if r["ID_Incentivo"] == "T1" else r for r in catalogue]
    fake_solr.docs = solr_docs([r for r in changed if r["ID_Incentivo"] != "N1"])
    result = sync(fake_solr)
    assert result.sync.amended == 1
    assert companies_touched(result.changes.grant_ids, today) == []
    assert recompute_after_sync(result.changes, today=today).companies == 0
    # A new Piemonte call touches the Ivrea firm only.
    fake_solr.docs.append(solr_doc(open_call(records[2], "P2", ["Piemonte"])))
    result = sync(fake_solr)
    assert companies_touched(result.changes.grant_ids, today) == [ivrea.id]


def test_the_sync_command_recomputes_the_touched_companies(runner, quick_portal, records, app, monkeypatch):
    from tests.factories import submit_company

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # no Redis: computed in-process
    submit_company(comune_istat="001125")
    db.session.commit()
    quick_portal.docs = solr_docs([*records, open_call(records[2], "P1", ["Piemonte"])])
    result = runner.invoke(args=["grants", "sync"])
    assert result.exit_code == 0, result.output
    assert "recommendations recomputed for 1 companies" in result.output


def test_a_new_call_that_ranks_below_what_a_company_has_does_not_touch_it(db_session, fake_solr, records):
    from assessment.models import Match, MatchKind
    from assessment.services.grant_sync import companies_touched
    from tests.factories import submit_company

    today = date(2026, 12, 6)
    ivrea, assessment, _token = submit_company(comune_istat="001125")
    fake_solr.docs = solr_docs([*records, *(open_call(records[2], f"P{n}", ["Piemonte"]) for n in range(5))])
    sync(fake_solr)
    db.session.execute(db.delete(Match).where(Match.company_id == ivrea.id))
    stored = [Match(company_id=ivrea.id, assessment_id=assessment.id, kind=MatchKind.grant,
                    grant_id=national(f"P{n}").id, score=0.999, rank=n + 1, explanation={}, features={},
                    model_version="test") for n in range(5)]
    db.session.add_all(stored)
    db.session.commit()
    fake_solr.docs.append(solr_doc(open_call(records[2], "NEW", ["Piemonte"])))
    result = sync(fake_solr)
    assert companies_touched(result.changes.grant_ids, today) == []  # it would not enter a list this strong
    for match in stored:
        match.score = 0.001
    db.session.commit()
    assert companies_touched(result.changes.grant_ids, today) == [ivrea.id]  # now it would


def test_the_first_sync_completes_the_bundled_snapshot_without_calling_it_amended(db_session, fake_solr):
    """The bundled snapshot's texts are shortened by its republisher: the portal's whole records, the first time
    they come, are no amendment (no revision, no *aggiornato*, no alert); a later real change is one."""
    from assessment.services.grant_snapshot import import_grant_snapshot

    bundled = DATA / "incentivi_gov_it_live_2026-09-25.json"
    import_grant_snapshot(db.session, bundled, today=date(2026, 12, 7))
    db.session.commit()
    docs = json.loads(bundled.read_text(encoding="utf-8"))["response"]["docs"]
    assert national(docs[0]["ID_Incentivo"]).is_abridged
    whole = [{**doc, "Descrizione": (doc.get("Descrizione") or "") + " Il testo intero, come sul portale.",
              "Base_normativa_primaria": "D.M. 1 aprile 2024",
              "Data_ultimo_aggiornamento": (doc.get("Data_ultimo_aggiornamento") or "2026-09-01T00:00:00Z")[:10]
              + "T10:23:11Z"} for doc in docs]
    fake_solr.docs = solr_docs(whole)
    result = sync(fake_solr, page_size=10)
    assert result.is_success and result.sync.amended == 0 and result.changes.refreshed == len(docs)
    assert revision_count() == 0
    first = national(docs[0]["ID_Incentivo"])
    assert not first.is_abridged and first.description.endswith("come sul portale.")
    # the call's page on the portal, which only the snapshot named, is still linked to owners
    assert first.raw["Link_portale"] == docs[0]["Link_portale"]
    assert first.last_changed_at == first.first_seen_at  # not "aggiornato"
    whole[0] = {**whole[0], "Descrizione": whole[0]["Descrizione"] + " Modificato."}
    fake_solr.docs = solr_docs(whole)
    assert sync(fake_solr, page_size=10).sync.amended == 1  # a change of the whole record is one


def test_loading_the_snapshot_again_after_a_sync_undoes_nothing(db_session, fake_solr):
    """`make run` runs `demo load` every time: the older bundled copy must not revert an amendment, bring back
    a withdrawn call, or shorten the texts the sync completed."""
    from assessment.services.grant_snapshot import import_grant_snapshot

    bundled = DATA / "incentivi_gov_it_live_2026-09-25.json"
    import_grant_snapshot(db.session, bundled, today=date(2026, 12, 7))
    db.session.commit()
    docs = json.loads(bundled.read_text(encoding="utf-8"))["response"]["docs"]
    portal = [{**doc, "Descrizione": (doc.get("Descrizione") or "") + " Testo intero."} for doc in docs[1:]]
    portal[0] = {**portal[0], "Data_chiusura": "2027-12-31T00:00:00"}
    fake_solr.docs = solr_docs(portal)
    assert sync(fake_solr, page_size=10).is_success
    before, revisions = grants_table(), revision_count()
    report = import_grant_snapshot(db.session, bundled, today=date(2026, 12, 8))
    db.session.commit()
    assert (report.added, report.updated, report.unchanged) == (0, 0, len(docs))
    assert grants_table() == before and revision_count() == revisions
    assert national(docs[0]["ID_Incentivo"]).is_withdrawn
    assert national(portal[0]["ID_Incentivo"]).closes_on == date(2027, 12, 31)


def test_a_call_still_listed_was_last_seen_at_the_last_complete_sync(db_session, fake_solr, records):
    """A re-sync writes no unchanged row, yet says truly when each listed call was last seen."""
    from assessment.services.grant_history import last_complete_read, last_seen_at

    fake_solr.docs = solr_docs(records)
    sync(fake_solr)
    first = national("1426").last_seen_at
    fake_solr.docs = solr_docs(records[:4])
    second = sync(fake_solr).sync
    grant = national("1426")
    assert grant.last_seen_at == first  # not written
    assert last_seen_at(grant, last_complete_read(db.session)) == second.started_at
    gone = national(records[4]["ID_Incentivo"])
    assert gone.is_withdrawn and last_seen_at(gone, last_complete_read(db.session)) == gone.last_seen_at < \
        second.started_at
