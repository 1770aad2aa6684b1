"""The lifecycle rule (new, amended, withdrawn, unchanged), revision diffs, and Solr documents as open-data records."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from assessment.domain.grant_files import INCENTIVI_FIELDS
from assessment.domain.grant_lifecycle import changed_fields, grant_status
from assessment.domain.grant_records import parse_incentivi_record
from assessment.domain.incentivi_solr import (
    SOLR_FIELDS,
    MalformedResponse,
    doc_id,
    page_params,
    read_page,
    record_from_doc,
)
from tests.fake_solr import solr_doc

SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"
TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("first_seen", "last_changed", "withdrawn", "status"), [
    (date(2026, 12, 6), date(2026, 12, 6), False, "new"),
    (date(2026, 11, 30), date(2026, 11, 30), False, "new"),  # six days ago: still this week
    (date(2026, 11, 29), date(2026, 11, 29), False, "unchanged"),  # seven days ago: no longer
    (date(2026, 1, 10), date(2026, 12, 1), False, "amended"),
    (date(2026, 1, 10), date(2026, 11, 29), False, "unchanged"),
    (date(2026, 12, 5), date(2026, 12, 6), False, "new"),  # new wins over amended
    (date(2026, 12, 5), date(2026, 12, 6), True, "withdrawn"),  # withdrawn wins over everything
    (date(2026, 1, 10), None, False, "unchanged"),
])
def test_grant_status(first_seen, last_changed, withdrawn, status):
    assert grant_status(first_seen, last_changed, withdrawn, TODAY) == status


@pytest.mark.parametrize(("closes_on", "status"), [
    (date(2023, 6, 30), "unchanged"),  # a past voucher loaded today: closed before we saw it, never new
    (date(2026, 12, 5), "unchanged"),  # closed the day before it was first seen
    (date(2026, 12, 6), "new"),  # closes the day it is first seen: it was still open
    (date(2027, 3, 31), "new"),
    (None, "new"),  # a sportello with no closing day
])
def test_a_call_closed_before_it_was_first_seen_is_never_new(closes_on, status):
    assert grant_status(date(2026, 12, 6), date(2026, 12, 6), False, TODAY, closes_on) == status
    assert grant_status(date(2026, 12, 6), date(2026, 12, 6), True, TODAY, closes_on) == "withdrawn"


def test_changed_fields_lists_old_and_new_values_as_json_keeps_them():
    old = {"closes_on": date(2024, 6, 29), "regions": ["Abruzzo"], "aid_max_eur": 5000.0, "title": "A",
           "source_updated_at": datetime(2024, 4, 3, 14, 28, 43)}
    new = {"closes_on": date(2024, 7, 31), "regions": ("Abruzzo", "Molise"), "aid_max_eur": 5000.0, "title": "A",
           "source_updated_at": datetime(2024, 5, 1), "raw": {"x": 1}}
    assert changed_fields(old, new) == {
        "closes_on": {"old": "2024-06-29", "new": "2024-07-31"},
        "regions": {"old": ["Abruzzo"], "new": ["Abruzzo", "Molise"]},
        "source_updated_at": {"old": "2024-04-03T14:28:43", "new": "2024-05-01T00:00:00"},
    }


def test_the_solr_field_map_covers_the_open_data_fields_in_order():
    assert tuple(SOLR_FIELDS) == INCENTIVI_FIELDS
    assert len(set(SOLR_FIELDS.values())) == len(INCENTIVI_FIELDS)
    params = page_params(500, 250)
    assert (params["q"], params["wt"], params["start"], params["rows"]) == ("index_id:incentivi", "json", "500", "250")
    assert params["fl"].split(",") == list(SOLR_FIELDS.values())


def test_a_solr_document_becomes_the_record_an_import_reads():
    for record in json.loads(SAMPLE.read_text(encoding="utf-8")):
        doc = solr_doc(record, score=1.0, _version_=17, zs_title=[record["Titolo"]])
        assert record_from_doc(doc) == {k: v for k, v in record.items() if v is not None}
        assert parse_incentivi_record(record_from_doc(doc)) == parse_incentivi_record(record)
        assert doc_id(doc) == record["ID_Incentivo"]


def test_read_page_checks_the_shape():
    page = read_page({"responseHeader": {"status": 0}, "response": {"numFound": 7, "start": 2, "docs": [{}]}})
    assert (page.found, page.start, page.docs) == (7, 2, ({},))
    for document, reason in (([], "not a JSON object"), ({"response": []}, "no 'response' object"),
                             ({"response": {"numFound": "7", "docs": []}}, "numFound is not a count"),
                             ({"response": {"numFound": 7, "docs": {}}}, "'response.docs' is not a list"),
                             ({"responseHeader": {"status": 400}, "response": {}}, "Solr reports status 400")):
        with pytest.raises(MalformedResponse, match=reason.replace("(", r"\(")):
            read_page(document)


def test_an_abridged_copy_is_completed_not_amended():
    from assessment.domain.grant_lifecycle import only_completes

    def change(old, new):
        return {"old": old, "new": new}

    assert only_completes({"description": change("Cos'è Lo strumento…", "Cos'è Lo strumento permette (testo intero)"),
                           "opening_notes": change("Dalle ore 9", "Dalle ore 9 del 25 luglio 2024"),
                           "legal_basis_primary": change(None, "D.M. 1 aprile 2024"),
                           "ateco_codes": change(["10"], ["10", "11"]),
                           "source_updated_at": change("2024-07-25T00:00:00", "2024-07-25T10:23:11")})
    assert not only_completes({"closes_on": change("2026-12-31", "2026-11-30")})
    assert not only_completes({"ateco_codes": change(["10", "11"], ["10"])})  # a sector removed
    assert not only_completes({"source_updated_at": change("2024-07-25T00:00:00", "2026-10-02T08:00:00")})
    assert not only_completes({"description": change("a", "b"), "aid_max_eur": change(1000, 2000)})
