"""Importing grant calls into the database (service and `flask grants import`), then deciding eligibility."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from assessment.cli.grants import grants_cli
from assessment.domain.eligibility import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    TO_CHECK,
    CompanyFacts,
    decide_eligibility,
    grant_facts_from,
)
from assessment.extensions import db
from assessment.models import Comune, Grant
from assessment.services.grants import import_grants

DATA = Path(__file__).resolve().parents[2] / "assessment" / "data"
SAMPLE = DATA / "incentivi_gov_it_sample.json"
LOCAL = DATA / "grants_cciaa_local.yaml"
SOURCE = "incentivi.gov.it"


@pytest.fixture
def samples() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def grant(external_id: str, source: str = SOURCE) -> Grant:
    return db.session.execute(db.select(Grant).filter_by(source=source, external_id=external_id)).scalar_one()


def grant_count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one()


def company_in(istat_code: str, size: str = "micro", ateco: tuple[str, ...] = ("62.01.00",)) -> CompanyFacts:
    comune = db.session.get(Comune, istat_code)
    return CompanyFacts(size_class=size, region_name=comune.region_name, comune_istat=comune.istat_code,
                        ateco_codes_2007=ateco)


def test_import_of_the_real_sample(db_session):
    report = import_grants(db_session, SAMPLE, today=date(2024, 5, 15))
    assert (report.added, report.updated, report.unchanged, report.rejected) == (5, 0, 0, [])
    assert report.file_format == "incentivi-json"
    voucher = grant("1447")
    assert voucher.closes_on == date(2024, 6, 29) and voucher.sizes == ["micro", "small", "medium"]
    assert voucher.is_all_sectors and voucher.spend_max_eur == 7200.0 and voucher.raw["Titolo"] == voucher.title
    assert "digital_readiness" in voucher.dimensions
    cuneo = grant("1428")
    assert len(cuneo.comuni_istat) == 247 and "004078" in cuneo.comuni_istat
    # Camo, Castellar and Valmala were merged into other comuni: reported, kept, never matched silently.
    assert cuneo.comuni_unresolved == ["Camo", "Castellar", "Valmala"]
    assert report.unresolved_comuni == [("1428", ["Camo", "Castellar", "Valmala"])]
    assert grant("175").comuni_istat == [] and grant("175").comuni_unresolved == []


def test_cli_import_then_idempotent_reimport(runner, db_session):
    first = runner.invoke(grants_cli, ["import", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "added: 5, updated: 0, unchanged: 0, rejected: 0"
    assert "1428: comuni not matched" in first.stdout and "Camo" in first.stdout
    second = runner.invoke(grants_cli, ["import", str(SAMPLE)])
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[0] == "added: 0, updated: 0, unchanged: 5, rejected: 0"
    assert grant_count() == 5


@pytest.mark.parametrize("content, suffix", [
    ('[{"ID_Incentivo": "1", "Titolo": "A"}, ', ".json"),
    ("ID_Incentivo,Titolo\n9001,Primo\n9002,Secondo,cella in più\n", ".csv"),
    ("ID_Incentivo,Titolo,Colore\n9001,Primo,blu\n", ".csv"),
])
def test_malformed_file_changes_nothing_and_exits_1(runner, db_session, tmp_path, content, suffix):
    import_grants(db_session, SAMPLE)
    db_session.commit()
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(grants_cli, ["import", str(path)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert grant_count() == 5


def test_missing_file_exits_1(runner, db_session, tmp_path):
    result = runner.invoke(grants_cli, ["import", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_rejected_records_are_listed_with_reasons(runner, db_session, tmp_path, samples):
    broken = [dict(samples[0], ID_Incentivo="9001", Data_apertura="31 febbraio"),
              {k: v for k, v in samples[1].items() if k != "Titolo"},
              {k: v for k, v in samples[2].items() if k != "ID_Incentivo"},
              samples[3], samples[3]]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = runner.invoke(grants_cli, ["import", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "added: 1, updated: 0, unchanged: 0, rejected: 4"
    assert "rejected 9001: Data_apertura: not a date: '31 febbraio'" in lines
    assert "rejected 1428: missing Titolo" in lines
    assert "rejected row 3: missing ID_Incentivo" in lines
    assert any(line.startswith("rejected 1433: duplicate") for line in lines)


def test_update_keeps_the_admin_dimensions_override(db_session, samples):
    import_grants(db_session, samples)
    grant("1447").dimensions_override = ["digital_strategy"]
    db_session.flush()
    changed = [dict(r, Titolo="Titolo nuovo") if r["ID_Incentivo"] == "1447" else r for r in samples]
    report = import_grants(db_session, changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    assert grant("1447").title == "Titolo nuovo"
    assert grant("1447").dimensions_override == ["digital_strategy"]
    assert grant("1447").funded_dimensions == ["digital_strategy"]


def test_source_override_and_local_yaml(runner, db_session):
    result = runner.invoke(grants_cli, ["import", str(LOCAL)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "added: 4, updated: 0, unchanged: 0, rejected: 0"
    voucher = grant("cciaa-to-voucher-digitali-i40-2022", source="cciaa-torino")
    assert len(voucher.comuni_istat) == 312 and voucher.comuni_unresolved == []
    other = runner.invoke(grants_cli, ["import", str(SAMPLE), "--source", "regione-test"])
    assert other.exit_code == 0 and grant("1447", source="regione-test").title.startswith("Bando Voucher")


def test_import_makes_no_query_per_record(db_session, count_queries, samples):
    many = [dict(samples[n % 5], ID_Incentivo=str(50_000 + n)) for n in range(200)]
    with count_queries() as counter:
        import_grants(db_session, many)
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2  # existing grants of the source, then the comuni table once
    with count_queries() as counter:
        report = import_grants(db_session, many)
    assert report.unchanged == 200 and counter.count <= 2


# --- eligibility on imported rows -------------------------------------------------------------------

def test_grant_open_to_all_sectors(db_session):
    import_grants(db_session, SAMPLE)
    voucher = grant_facts_from(grant("1447"))  # Abruzzo, MPMI, all sectors, 22/04-29/06/2024
    pescara = company_in("068028", ateco=("01.11.00",))
    assert decide_eligibility(pescara, voucher, date(2024, 5, 2)).status == ELIGIBLE
    unknown_sector = CompanyFacts("micro", "Abruzzo", "068028", ())
    assert decide_eligibility(unknown_sector, voucher, date(2024, 5, 2)).status == ELIGIBLE
    closed = decide_eligibility(pescara, voucher, date(2024, 7, 1))
    assert closed.status == NOT_ELIGIBLE and closed.reasons[0].it == "Chiuso il 29/06/2024"
    early = decide_eligibility(pescara, voucher, date(2024, 4, 1))
    assert early.reasons[0].en == "Not yet open (opens on 22 Apr 2024)"
    ivrea = decide_eligibility(company_in("001125"), voucher, date(2024, 5, 2))
    assert ivrea.status == NOT_ELIGIBLE and [r.code for r in ivrea.reasons] == ["region"]
    big = decide_eligibility(company_in("068028", size="large"), voucher, date(2024, 5, 2))
    assert [r.code for r in big.reasons] == ["size"]


def test_grant_restricted_to_a_comune_list(db_session, samples):
    real = next(r for r in samples if r["ID_Incentivo"] == "1428")
    resolvable = dict(real, ID_Incentivo="1428-imprese", Tipologia_Soggetto=["Impresa"],
                      Comuni="; ".join(n for n in real["Comuni"].split("; ")
                                       if n not in ("Camo", "Castellar", "Valmala")))
    import_grants(db_session, [real, resolvable])
    day = date(2024, 5, 2)
    for_firms = grant_facts_from(grant("1428-imprese"))
    assert decide_eligibility(company_in("004078"), for_firms, day).status == ELIGIBLE  # Cuneo
    ivrea = decide_eligibility(company_in("001125"), for_firms, day)
    assert ivrea.status == NOT_ELIGIBLE and ivrea.reasons[0].en == "Not for this comune"
    # The real record has names we could not match: a company outside the list is "to check".
    as_published = grant_facts_from(grant("1428"))
    unresolved = decide_eligibility(company_in("001125"), replace(as_published, subject_types=("Impresa",)), day)
    assert unresolved.status == TO_CHECK and [r.code for r in unresolved.reasons] == ["comune_unresolved"]
    # ... and it is only for trade associations: not for a company.
    cuneo = decide_eligibility(company_in("004078"), as_published, day)
    assert cuneo.status == NOT_ELIGIBLE and cuneo.reasons[0].en == "Not for this kind of beneficiary"


def test_sector_and_region_restrictions(db_session):
    import_grants(db_session, SAMPLE)
    day = date(2025, 3, 1)
    theatres = grant_facts_from(grant("1426"))  # ATECO 90.0x, every region but not micro firms
    stage = company_in("001125", size="small", ateco=("90.01.01",))
    assert decide_eligibility(stage, theatres, day).status == ELIGIBLE
    software = decide_eligibility(company_in("001125", size="small"), theatres, day)
    assert [r.code for r in software.reasons] == ["sector"]
    hotels = grant_facts_from(grant("1433"))  # Trentino-Alto Adige/Südtirol, ATECO 55/56
    bolzano_hotel = company_in("021008", size="small", ateco=("55.10.00",))
    assert decide_eligibility(bolzano_hotel, hotels, day).status == ELIGIBLE
    assert [r.code for r in decide_eligibility(company_in("001125", ateco=("55.10.00",)), hotels, day).reasons] == [
        "region"]
