"""The owners' list of calls: which calls a search keeps, their order, their dates; and the bundled snapshot's
conversion to the national format."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

from assessment.domain.grant_listing import REGIONS, GrantQuery, grant_timing, is_listed, sort_grants
from assessment.domain.grant_records import parse_incentivi_record, read_grant_file
from assessment.domain.grant_snapshot import (
    SECTORS,
    convert_snapshot,
    snapshot_taken_on,
    to_incentivi_record,
)

TODAY = date(2026, 12, 6)
ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "assessment" / "data" / "incentivi_gov_it_live_2026-09-25.jsonl"  # the republished file
SHIPPED = ROOT / "assessment" / "data" / "incentivi_gov_it_live_2026-09-25.json"


def call(**overrides) -> SimpleNamespace:
    values = {"id": 1, "is_active": True, "withdrawn_at": None, "opens_on": date(2026, 1, 1),
              "closes_on": date(2027, 1, 1), "sizes": [], "purposes": [], "aid_forms": [], "regions": [],
              "aid_max_eur": None, "first_seen_at": datetime(2026, 1, 1)}
    return SimpleNamespace(**{**values, **overrides})


def test_timing():
    assert grant_timing(None, date(2026, 12, 16), TODAY).days_left == 10
    assert grant_timing(None, TODAY, TODAY).days_left == 0
    assert grant_timing(None, None, TODAY).is_sportello
    upcoming = grant_timing(date(2027, 1, 11), None, TODAY)
    assert upcoming.state == "upcoming" and upcoming.opens_on == date(2027, 1, 11) and not upcoming.is_sportello
    assert grant_timing(None, date(2026, 12, 5), TODAY).state == "closed"


def test_is_listed():
    assert is_listed(call(), GrantQuery(), TODAY)
    assert not is_listed(call(closes_on=date(2026, 12, 5)), GrantQuery(), TODAY)
    assert not is_listed(call(withdrawn_at=datetime(2026, 12, 1)), GrantQuery(), TODAY)
    later = call(opens_on=date(2027, 2, 1), closes_on=None)
    assert is_listed(later, GrantQuery(), TODAY) and not is_listed(later, GrantQuery(open_now=True), TODAY)
    assert is_listed(call(sizes=["micro"]), GrantQuery(size="micro"), TODAY)
    assert not is_listed(call(sizes=["large"]), GrantQuery(size="micro"), TODAY)
    assert is_listed(call(), GrantQuery(size="micro", region="Piemonte"), TODAY)  # not stated: restricts nothing
    assert not is_listed(call(regions=["Lombardia"]), GrantQuery(region="Piemonte"), TODAY)
    mixed = call(aid_forms=["Prestito/Anticipo rimborsabile", "Contributo/Fondo perduto"])
    assert is_listed(mixed, GrantQuery(aid_form="Contributo/Fondo perduto"), TODAY)
    assert not is_listed(mixed, GrantQuery(grant_only=True), TODAY)
    assert is_listed(call(aid_forms=["Contributo/Fondo perduto"]), GrantQuery(grant_only=True), TODAY)
    assert not is_listed(call(), GrantQuery(grant_only=True), TODAY)  # no stated form is not a grant


def test_sorts():
    a = call(id=1, closes_on=None, aid_max_eur=None, first_seen_at=datetime(2026, 3, 1))
    b = call(id=2, closes_on=date(2027, 5, 1), aid_max_eur=100.0, first_seen_at=datetime(2026, 9, 1))
    c = call(id=3, closes_on=date(2027, 1, 1), aid_max_eur=900.0, first_seen_at=datetime(2026, 6, 1))
    assert [g.id for g in sort_grants([a, b, c], "deadline")] == [3, 2, 1]
    assert [g.id for g in sort_grants([a, b, c], "newest")] == [2, 3, 1]
    assert [g.id for g in sort_grants([a, b, c], "amount")] == [3, 2, 1]
    assert [g.id for g in sort_grants([a, b, c], "nonsense")] == [3, 2, 1]


def test_snapshot_record_in_the_national_format():
    row = {"id": 8300, "title": "Voucher", "ente": "CCIAA", "open": "2026-05-18", "close": "", "closeNote": "",
           "regions": "*", "sectors": "*", "comuni": "", "territory": [], "sizes": ["Microimpresa"],
           "subjects": ["Impresa"], "scopes": ["Digitalizzazione"], "costs": [], "forms": ["A", "B", "A"],
           "spesaMin": 1000, "spesaMax": 2500.5, "aiutoMin": 0, "aiutoMax": None, "budget": 6000,
           "ateco": "Tutti i settori", "keywords": "", "link": "https://example.org", "updated": "2026-05-10",
           "portal": "https://www.incentivi.gov.it/it/catalogo/voucher", "cose": "Un aiuto.", "chi": "Alle PMI."}
    record = to_incentivi_record(row)
    assert record["ID_Incentivo"] == "8300" and record["Data_apertura"] == "2026-05-18T00:00:00"
    assert "Data_chiusura" not in record  # a sportello
    assert record["Regioni"] == list(REGIONS) and record["Settore_Attivita"] == list(SECTORS)
    assert record["Forma_agevolazione"] == ["A", "B"] and record["Spesa_Ammessa_max"] == "2500.5"
    assert record["Descrizione"] == "Cos'è Un aiuto. A chi si rivolge Alle PMI."
    parsed = parse_incentivi_record(record)
    assert parsed.closes_on is None and parsed.sizes == ("micro",) and parsed.spend_min_eur == 1000
    assert parsed.source_updated_at == datetime(2026, 5, 10)


def test_the_shipped_snapshot_is_the_conversion_of_the_republished_file():
    document = convert_snapshot(LIVE.read_text(encoding="utf-8").splitlines(), date(2026, 9, 25))
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == document  # reproducible from its source
    assert snapshot_taken_on(document) == date(2026, 9, 25) and document["snapshot"]["records"] == 27
    rows, file_format = read_grant_file(SHIPPED)
    assert file_format == "incentivi-json" and len(rows) == 27
    assert snapshot_taken_on([]) is None and snapshot_taken_on({"snapshot": {"taken_on": "soon"}}) is None
