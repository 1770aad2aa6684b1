"""Parsing incentivi.gov.it records and our local format; file detection; dimensions; comuni names."""
from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from assessment.domain.comuni_names import normalise_name
from assessment.domain.grant_records import (
    INCENTIVI_FIELDS,
    GrantRecord,
    InvalidRecord,
    MalformedFile,
    comune_name_index,
    content_hash,
    derive_dimensions,
    parse_grant_record,
    parse_incentivi_record,
    parse_local_record,
    read_grant_file,
    resolve_comuni,
)
from assessment.domain.grant_values import as_list, parse_amount, parse_ateco, parse_day

DATA = Path(__file__).resolve().parents[2] / "assessment" / "data"
SAMPLE = DATA / "incentivi_gov_it_sample.json"


@pytest.fixture(scope="module")
def samples() -> dict[str, dict]:
    return {r["ID_Incentivo"]: r for r in json.loads(SAMPLE.read_text(encoding="utf-8"))}


def test_chamber_voucher_record(samples):
    record = parse_incentivi_record(samples["1447"])
    assert isinstance(record, GrantRecord)
    assert (record.source, record.external_id) == ("incentivi.gov.it", "1447")
    assert record.title.startswith("Bando Voucher digitali")
    assert (record.opens_on, record.closes_on) == (date(2024, 4, 22), date(2024, 6, 29))
    assert record.sizes == ("micro", "small", "medium")
    assert "Impresa" in record.subject_types
    assert (record.spend_min_eur, record.spend_max_eur, record.aid_min_eur, record.aid_max_eur) == (
        1500.0, 7200.0, 1950.0, 5000.0)
    assert record.is_all_sectors and record.ateco_codes == ()
    assert record.ateco_text.startswith("Tutti i settori")
    assert record.regions == ("Abruzzo",)
    assert record.comuni_names == ()
    assert record.budget_eur == 300000.0 and record.budget_text == "300000"
    assert record.source_updated_at == datetime(2024, 4, 3, 14, 28, 43)
    assert record.source_updated_at.tzinfo is None
    assert record.raw is samples["1447"]
    assert len(record.content_hash) == 64
    assert {"digital_readiness", "digital_strategy", "green_digital", "data_security", "automation_ai"} <= set(
        record.dimensions)


def test_sizes_drop_not_classifiable_and_costs_are_deduplicated(samples):
    record = parse_incentivi_record(samples["1433"])
    assert record.sizes == ("micro", "small", "medium", "large")
    assert record.eligible_costs.count("Servizi, brevetti e licenze") == 1
    assert record.eligible_costs[0] == "Formazione Professionale"
    assert record.territorial_scope == ("Aree interne",)
    assert record.legal_basis_secondary.startswith("Costitiuzione")
    assert record.official_journal == "1 del 04/01/2024"
    assert "human_centric" in record.dimensions


def test_ateco_codes_restrict_sectors(samples):
    record = parse_incentivi_record(samples["1426"])
    assert not record.is_all_sectors
    assert record.ateco_codes == ("90.00", "90.01", "90.02", "90.03", "90.04")
    assert "green_digital" in record.dimensions  # "efficienza energetica"


def test_comuni_list_and_all_comuni(samples):
    cuneo = parse_incentivi_record(samples["1428"])
    assert len(cuneo.comuni_names) == 250
    assert cuneo.comuni_names[:2] == ("Acceglio", "Aisone")
    assert "Camo" in cuneo.comuni_names
    assert parse_incentivi_record(samples["175"]).comuni_names == ()  # "Tutti i comuni"


def test_utc_datetimes_become_italian_days(samples):
    record = parse_incentivi_record(samples["175"])
    assert record.opens_on == date(2022, 10, 17)  # 2022-10-16T22:00:00 UTC is midnight in Rome
    assert record.closes_on == date(2022, 11, 25)
    assert record.source_updated_at is None
    assert record.spend_min_eur is None


@pytest.mark.parametrize("key, reason", [("ID_Incentivo", "missing ID_Incentivo"), ("Titolo", "missing Titolo")])
def test_missing_identity_is_rejected(samples, key, reason):
    raw = {k: v for k, v in samples["1447"].items() if k != key}
    with pytest.raises(InvalidRecord) as error:
        parse_incentivi_record(raw)
    assert error.value.reason == reason
    assert error.value.external_id == (None if key == "ID_Incentivo" else "1447")


def test_bad_date_is_rejected(samples):
    raw = dict(samples["1447"], Data_chiusura="domani")
    with pytest.raises(InvalidRecord) as error:
        parse_incentivi_record(raw)
    assert error.value.external_id == "1447"
    assert "Data_chiusura" in error.value.reason


def test_content_hash_ignores_key_order_and_empty_values(samples):
    raw = samples["1426"]
    shuffled = dict(reversed(list(raw.items())), Comuni=None)
    assert content_hash(raw) == content_hash(shuffled)
    assert content_hash(raw) != content_hash(dict(raw, Titolo="Altro"))


@pytest.mark.parametrize("text, expected", [
    ("15375383,50", 15375383.5), ("300000", 300000.0), ("1.056.000,00", 1056000.0), ("€ 1.500", 1500.0),
    ("533676.60", 533676.6), ("1,056,000.50", 1056000.5), (7200, 7200.0), ("", None), (None, None),
    ("circa 2 milioni", None), ("Euro 300.000.000 di cui 100 per", None),
])
def test_italian_amounts(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-06-29T00:00:00", date(2024, 6, 29)), ("2024-06-28T22:00:00", date(2024, 6, 29)),
    ("2024-01-31T23:30:00", date(2024, 2, 1)), ("2024-01-31T22:30:00", date(2024, 1, 31)),
    ("2024-06-29", date(2024, 6, 29)), ("29/06/2024", date(2024, 6, 29)), ("", None), (None, None),
])
def test_days(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("text, all_sectors, codes", [
    ("Tutti i settori economici ammissibili a ricevere aiuti;", True, []),
    ("", True, []),
    (None, True, []),
    ("62.01; 63.11;", False, ["62.01", "63.11"]),
    ("Tutti i settori tranne la pesca", False, []),
    ("Settore turistico-ricettivo", False, []),
])
def test_ateco_field(text, all_sectors, codes):
    is_all, found, _ = parse_ateco(text)
    assert (is_all, found) == (all_sectors, codes)


def test_dimension_rules():
    assert derive_dimensions("Bando", "", ["Digitalizzazione"], []) == ["digital_strategy", "digital_readiness"]
    assert derive_dimensions("Bando", "", ["Transizione ecologica"], []) == ["green_digital"]
    training = "Formazione (lavoro, occupazione, riqualificazione professionale dei lavoratori)"
    assert derive_dimensions("x", "", [training], []) == ["human_centric"]
    assert derive_dimensions("x", "", [], ["Formazione Professionale"]) == ["human_centric"]
    assert derive_dimensions("Voucher CYBERSECURITY e backup", "", [], []) == ["data_security"]
    assert derive_dimensions("Robotica e Intelligenza Artificiale", "", [], []) == ["automation_ai"]
    assert derive_dimensions("Voucher I4.0", "", [], []) == ["automation_ai"]
    assert derive_dimensions("Nuovo sito web ed e-commerce", "", [], []) == ["digital_readiness"]
    assert derive_dimensions("Comunità energetiche (CER) ed efficienza energetica", "", [], []) == [
        "green_digital"]
    assert derive_dimensions("Contributo di 4.000 euro", "trattamento dei dati personali", [], []) == []
    assert derive_dimensions("Sostegno", "aiuti ai ceramisti", ["Sostegno investimenti"], []) == []


def test_comuni_names_are_normalised_and_resolved():
    index = comune_name_index([
        ("004130", "Mondovì", None), ("004203", "Sant'Albano Stura", None), ("021008", "Bolzano/Bozen", None),
        ("001255", "Samone", None), ("022165", "Samone", None), ("007003", "Aosta", "Aoste"),
    ])
    assert normalise_name("Sant’Albano-Stura ") == "sant albano stura"
    codes, unresolved = resolve_comuni(
        ["MONDOVI'", "Sant’Albano Stura", "Bozen", "Aoste", "Samone", "Camo", "004130", "999999"], index)
    assert codes == ["004130", "004203", "021008", "007003"]
    assert unresolved == ["Samone", "Camo", "999999"]
    assert resolve_comuni(["Tutti i comuni"], index) == ([], [])


def test_local_yaml_file():
    rows, file_format = read_grant_file(DATA / "grants_cciaa_local.yaml")
    assert file_format == "local-yaml" and len(rows) == 4
    records = [parse_grant_record(raw, file_format) for _, raw in rows]
    voucher = next(r for r in records if r.external_id == "cciaa-to-voucher-digitali-i40-2022")
    assert voucher.source == "cciaa-torino"
    assert (voucher.opens_on, voucher.closes_on) == (date(2022, 6, 6), date(2022, 7, 29))
    assert voucher.sizes == ("micro", "small", "medium") and voucher.is_all_sectors
    assert len(voucher.comuni_names) == 312 and voucher.comuni_names[0] == "001001"
    assert voucher.aid_max_eur == 10000.0 and voucher.budget_eur == 533676.6
    assert "automation_ai" in voucher.dimensions
    json.dumps(voucher.raw)  # stored in a JSON column: dates were turned into text


@pytest.mark.parametrize("fields, fragment", [
    ({"sizes": ["micro", "giant"]}, "sizes: unknown size 'giant'"),  # a typo must not open the call to all sizes
    ({"opens_on": "2026-12-01", "closes_on": "2026-11-01"}, "closes_on (2026-11-01) comes before opens_on"),
    ({"link": "javascript:alert(1)"}, "link: not a web address"),
    ({"link": "file:///etc/passwd"}, "link: not a web address"),
])
def test_our_own_records_refuse_what_would_mislead_an_owner(fields, fragment):
    raw = {"external_id": "cciaa-to-x", "title": "Voucher", "source": "cciaa-torino", **fields}
    with pytest.raises(InvalidRecord, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_local_record(raw)
    assert parse_local_record({**raw, **{key: None for key in fields}}).title == "Voucher"


def test_a_national_record_with_a_closing_before_its_opening_is_refused(samples):
    with pytest.raises(InvalidRecord, match="Data_chiusura"):
        parse_incentivi_record({**samples["1433"], "Data_apertura": "2026-12-01", "Data_chiusura": "2026-11-01"})


def test_local_csv_with_source_column(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "source,external_id,title,opens_on,closes_on,sizes,ateco,aid_max_eur,comuni\n"
        "cciaa-x,v1,Voucher,01/02/2025,2025-03-31,micro; small,62.01; 63,\"3.000\",Ivrea; Agliè\n",
        encoding="utf-8")
    rows, file_format = read_grant_file(path)
    assert file_format == "local-csv" and rows[0][0] == 2
    record = parse_local_record(rows[0][1])
    assert (record.source, record.opens_on, record.sizes) == ("cciaa-x", date(2025, 2, 1), ("micro", "small"))
    assert record.ateco_codes == ("62.01", "63") and not record.is_all_sectors
    assert record.aid_max_eur == 3000.0 and record.comuni_names == ("Ivrea", "Agliè")
    assert parse_local_record(rows[0][1], source="override").source == "override"


def _national_csv(records: list[dict], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=INCENTIVI_FIELDS, delimiter=delimiter)
    writer.writeheader()
    for number, record in enumerate(records):
        writer.writerow({k: (json.dumps(v, ensure_ascii=False) if number % 2 else "; ".join(v))
                         if isinstance(v, list) else v for k, v in record.items()})
    return out.getvalue().encode("utf-8")


def test_national_csv_gives_the_same_records_as_json(samples):
    originals = list(samples.values())
    for delimiter in (",", ";"):
        rows, file_format = read_grant_file(_national_csv(originals, delimiter), "export.csv")
        assert file_format == "incentivi-csv"
        assert [n for n, _ in rows] == [2, 3, 4, 5, 6]
        for (_, raw), original in zip(rows, originals):
            assert parse_incentivi_record(raw) == parse_incentivi_record(original)


def test_solr_shape_and_gzip(samples):
    document = json.dumps({"response": {"numFound": 5, "docs": list(samples.values())}}).encode()
    rows, file_format = read_grant_file(gzip.compress(document), "export.json.gz")
    assert file_format == "incentivi-json" and len(rows) == 5 and rows[0][0] == 1


@pytest.mark.parametrize("content, filename, fragment", [
    (b'[{"ID_Incentivo": "1", ', "a.json", "not valid JSON"),
    (b'{"hello": 1}', "a.json", "expected a list"),
    (b"[1, 2]", "a.json", "record 1"),
    (b'[{"foo": 1}]', "a.json", "unknown fields"),
    (b"nome,cognome\nA,B\n", "a.csv", "unknown header"),
    (b"ID_Incentivo,Titolo,Colore\n1,A,blu\n", "a.csv", "unknown header: Colore"),
    (b"ID_Incentivo,Titolo\n1,A,extra\n", "a.csv", "row 2"),
    (b"source: x\ngrants: [\n", "a.yaml", "not valid YAML"),
    (b"source: x\ngrants:\n  - external_id: a\n    title: A\n    closes_om: 2024-01-01\n", "a.yaml", "closes_om"),
    (b"", "a.json", "empty"),
    (b"[" * 100_000, "a.json", "nested too deeply"),
    (b"grants: " + b"[" * 100_000, "a.yaml", "nested too deeply"),
])
def test_malformed_files(content, filename, fragment):
    with pytest.raises(MalformedFile) as error:
        read_grant_file(content, filename)
    assert fragment in error.value.reason


def test_missing_file_is_malformed(tmp_path):
    with pytest.raises(MalformedFile):
        read_grant_file(tmp_path / "nope.json")


def test_yaml_aliases_that_multiply_past_reason_are_refused_and_loops_too():
    # Nine levels of nine aliases: 9**9 values (387 million) written in a dozen lines.
    laughs = "source: x\nl0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10)) + "grants: []\n"
    with pytest.raises(MalformedFile, match="more than 2,000,000 values"):
        read_grant_file(laughs.encode(), "bombs.yaml")
    with pytest.raises(MalformedFile, match="refers to the list or mapping that contains it"):
        read_grant_file(b"source: x\nloop: &l [*l]\ngrants: []\n", "loop.yaml")


def test_compressed_files_that_unpack_too_large_are_refused(monkeypatch):
    import zipfile

    from assessment.domain import grant_files

    monkeypatch.setattr(grant_files, "MAX_UNPACKED_BYTES", 1000)
    inside = b"[" + b" " * 5000 + b"]"  # a few bytes compressed, 5 kB unpacked: over this test's 1 kB limit
    with pytest.raises(MalformedFile, match="unpacks to more than"):
        read_grant_file(gzip.compress(inside), "big.json.gz")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("big.json", inside)
    with pytest.raises(MalformedFile, match="unpacks to more than"):
        read_grant_file(archive.getvalue(), "big.zip")
    assert read_grant_file(gzip.compress(b"[" + b" " * 500 + b"]"), "small.json.gz")[0] == []


def test_a_field_nested_absurdly_deep_is_read_as_text():
    # A CSV cell "[[[[…" is no list of ours: kept as the text it is, instead of crashing the import.
    deep = "[" * 100_000 + "]" * 100_000
    assert as_list(deep) == [deep]
    assert as_list('["Impresa", "Consorzio"]') == ["Impresa", "Consorzio"]
