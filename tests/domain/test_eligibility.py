"""Eligibility of a company for a grant: each reason, in Italian and English, and how they combine."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from assessment.domain.eligibility import (
    ELIGIBLE,
    GATES,
    MET,
    NOT_ELIGIBLE,
    NOT_MET,
    TO_CHECK,
    CompanyFacts,
    GrantFacts,
    admits_region,
    decide_eligibility,
    eligibility_checklist,
    format_date_en,
    format_date_it,
    grant_facts_from,
    is_open,
    is_still_open,
)
from assessment.domain.grant_records import parse_incentivi_record

TODAY = date(2024, 5, 15)
IVREA = CompanyFacts(size_class="micro", region_name="Piemonte", comune_istat="001125",
                     ateco_codes_2007=("62.01.00",))
OPEN_GRANT = GrantFacts(opens_on=date(2024, 4, 1), closes_on=date(2024, 6, 29))
SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"


def decide(grant: GrantFacts, company: CompanyFacts = IVREA, today: date = TODAY):
    return decide_eligibility(company, grant, today)


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_no_conditions_is_eligible():
    result = decide(OPEN_GRANT)
    assert result.status == ELIGIBLE and result.reasons == ()


def test_closed_grant():
    result = decide(OPEN_GRANT, today=date(2024, 6, 30))
    assert result.status == NOT_ELIGIBLE
    assert result.reasons[0].it == "Chiuso il 29/06/2024"
    assert result.reasons[0].en == "Closed on 29 Jun 2024"
    assert decide(OPEN_GRANT, today=date(2024, 6, 29)).status == ELIGIBLE  # the closing day is still open


def test_not_yet_open():
    result = decide(replace(OPEN_GRANT, opens_on=date(2024, 9, 2)))
    assert result.status == NOT_ELIGIBLE
    assert result.reasons[0].it == "Non ancora aperto (apre il 02/09/2024)"
    assert result.reasons[0].en == "Not yet open (opens on 2 Sep 2024)"


def test_missing_dates():
    assert decide(replace(OPEN_GRANT, opens_on=None)).status == ELIGIBLE
    no_end = decide(replace(OPEN_GRANT, closes_on=None))
    assert no_end.status == TO_CHECK and codes(no_end) == ["no_closing_date"]


def test_is_open():
    assert is_open(OPEN_GRANT, date(2024, 4, 1)) and is_open(OPEN_GRANT, date(2024, 6, 29))
    assert not is_open(OPEN_GRANT, date(2024, 3, 31)) and not is_open(OPEN_GRANT, date(2024, 6, 30))
    assert is_open(GrantFacts(opens_on=None, closes_on=None), TODAY)


def test_size_class():
    grant = replace(OPEN_GRANT, sizes=("small", "medium", "large"))
    result = decide(grant)
    assert result.status == NOT_ELIGIBLE and codes(result) == ["size"]
    assert result.reasons[0].it == "Non previsto per le microimprese"
    assert result.reasons[0].en == "Not for micro companies"
    assert decide(grant, replace(IVREA, size_class="small")).status == ELIGIBLE
    assert decide(grant, replace(IVREA, size_class=None)).status == TO_CHECK


def test_region_with_bilingual_names():
    grant = replace(OPEN_GRANT, regions=("Valle d'Aosta/Vallée d'Aoste", "Trentino-Alto Adige/Südtirol"))
    result = decide(grant)
    assert result.status == NOT_ELIGIBLE and result.reasons[0].en == "Not for this region"
    for region in ("Valle d'Aosta", "Vallée d'Aoste", "Südtirol", "trentino alto adige"):
        assert decide(grant, replace(IVREA, region_name=region)).status == ELIGIBLE
    assert decide(replace(OPEN_GRANT, regions=("Emilia-Romagna",)),
                  replace(IVREA, region_name="Emilia Romagna")).status == ELIGIBLE
    assert decide(grant, replace(IVREA, region_name=None)).status == TO_CHECK


def test_abroad_only_is_to_check():
    result = decide(replace(OPEN_GRANT, regions=("Estero",)))
    assert result.status == TO_CHECK and codes(result) == ["abroad"]
    assert decide(replace(OPEN_GRANT, regions=("Estero", "Piemonte"))).status == ELIGIBLE


def test_comune_list():
    grant = replace(OPEN_GRANT, comuni_istat=("004078", "004003"))
    result = decide(grant)
    assert result.status == NOT_ELIGIBLE and result.reasons[0].it == "Non previsto per questo comune"
    assert decide(grant, replace(IVREA, comune_istat="004078")).status == ELIGIBLE
    unresolved = decide(replace(grant, comuni_unresolved=("Camo",)))
    assert unresolved.status == TO_CHECK and codes(unresolved) == ["comune_unresolved"]
    assert "could not match" in unresolved.reasons[0].en
    assert decide(grant, replace(IVREA, comune_istat=None)).status == TO_CHECK


def test_sector_codes():
    grant = replace(OPEN_GRANT, is_all_sectors=False, ateco_codes=("90.01", "56.00"))
    result = decide(grant)
    assert result.status == NOT_ELIGIBLE and codes(result) == ["sector"]
    assert result.reasons[0].en == "Sector (ATECO code) excluded"
    assert decide(grant, replace(IVREA, ateco_codes_2007=("90.01.09",))).status == ELIGIBLE
    assert decide(grant, replace(IVREA, ateco_codes_2007=("56.10.11",))).status == ELIGIBLE  # 56.00 = div. 56
    assert decide(grant, replace(IVREA, ateco_codes_2007=("90",))).status == ELIGIBLE  # division level
    unknown = decide(grant, replace(IVREA, ateco_codes_2007=()))
    assert unknown.status == TO_CHECK and codes(unknown) == ["sector_unknown"]


def test_all_sectors_never_excludes():
    grant = replace(OPEN_GRANT, is_all_sectors=True, ateco_codes=())
    assert decide(grant, replace(IVREA, ateco_codes_2007=())).status == ELIGIBLE
    assert decide(grant, replace(IVREA, ateco_codes_2007=("01.11.00",))).status == ELIGIBLE


def test_sector_restricted_in_words_is_to_check():
    result = decide(replace(OPEN_GRANT, is_all_sectors=False, ateco_codes=()))
    assert result.status == TO_CHECK and codes(result) == ["sector_text"]


@pytest.mark.parametrize("types, status", [
    (("Impresa", "Università/Ente di Ricerca"), ELIGIBLE),
    (("Cooperative/Associazioni Non Profit",), NOT_ELIGIBLE),
    (("Impresa da costituire - Giovanile", "Professionista"), NOT_ELIGIBLE),
    (("Impresa - prevalenza femminile",), TO_CHECK),
    (("Impresa - SU/PMI innovativa", "Ente Pubblico"), TO_CHECK),
    ((), ELIGIBLE),
])
def test_kind_of_beneficiary(types, status):
    result = decide(replace(OPEN_GRANT, subject_types=types))
    assert result.status == status
    if status == NOT_ELIGIBLE:
        assert result.reasons[0].en == "Not for this kind of beneficiary"
        assert result.reasons[0].it == "Non previsto per questo tipo di beneficiario"


def test_rejections_win_over_checks_and_are_listed_first():
    grant = replace(OPEN_GRANT, closes_on=None, sizes=("large",), comuni_istat=("001001",),
                    comuni_unresolved=("Camo",))
    result = decide(grant)
    assert result.status == NOT_ELIGIBLE
    assert codes(result) == ["size", "no_closing_date", "comune_unresolved"]


def test_dates_are_formatted_without_locale():
    assert format_date_it(date(2024, 1, 5)) == "05/01/2024"
    assert format_date_en(date(2024, 12, 25)) == "25 Dec 2024"


def test_grant_facts_from_any_object():
    row = SimpleNamespace(opens_on=None, closes_on=date(2025, 1, 1), sizes=["micro"], regions=["Piemonte"],
                          comuni_istat=["001125"], comuni_unresolved=[], is_all_sectors=True, ateco_codes=[],
                          subject_types=["Impresa"], title="ignored")
    facts = grant_facts_from(row)
    assert facts.sizes == ("micro",) and facts.comuni_istat == ("001125",) and facts.comuni_unresolved == ()
    assert decide(facts).status == ELIGIBLE


def test_real_sample_records():
    samples = {r["ID_Incentivo"]: r for r in json.loads(SAMPLE.read_text(encoding="utf-8"))}
    theatre = grant_facts_from(parse_incentivi_record(samples["1426"]))  # ATECO 90.0x, small to large
    arts = CompanyFacts("small", "Piemonte", "001125", ("90.01.01",))
    assert decide(theatre, arts, date(2025, 3, 1)).status == ELIGIBLE
    assert codes(decide(theatre, IVREA, date(2025, 3, 1))) == ["size", "sector"]
    # A GrantRecord's comuni are names not yet resolved: the comune check asks to check.
    cuneo = grant_facts_from(parse_incentivi_record(samples["1428"]))
    result = decide(cuneo, replace(IVREA, comune_istat="004078"), date(2024, 5, 1))
    assert result.status == NOT_ELIGIBLE and codes(result) == ["beneficiary", "comune_unresolved"]


# The checklist of an owner's grant page: every gate, met / not met / to check, with the reason.

def gates_of(grant: GrantFacts, company: CompanyFacts = IVREA, today: date = TODAY) -> dict[str, str]:
    return {gate.key: gate.status for gate in eligibility_checklist(company, grant, today)}


def test_checklist_lists_every_gate_in_order_with_a_reason():
    gates = eligibility_checklist(IVREA, OPEN_GRANT, TODAY)
    assert [gate.key for gate in gates] == list(GATES)
    assert all(gate.status == MET for gate in gates)
    assert gates[0].reason.it == "Aperto: si presenta la domanda fino al 29/06/2024"
    assert gates[0].reason.en == "Open: apply by 29 Jun 2024"
    assert all(gate.reason.it and gate.reason.en for gate in gates)


def test_checklist_met_not_met_and_to_check():
    grant = replace(OPEN_GRANT, sizes=("small",), regions=("Piemonte",), comuni_istat=("001125",),
                    is_all_sectors=False, ateco_codes=("62",), subject_types=("Impresa - prevalenza femminile",),
                    closes_on=None)
    gates = {gate.key: gate for gate in eligibility_checklist(IVREA, grant, TODAY)}
    assert gates["size"].status == NOT_MET and gates["size"].reason.it == "Non previsto per le microimprese"
    assert gates["region"].status == MET and gates["region"].reason.it == "Previsto in Piemonte"
    assert gates["comune"].status == MET
    assert gates["sector"].status == MET
    assert gates["subject"].status == TO_CHECK and "prevalenza femminile" in gates["subject"].reason.it
    assert gates["dates"].status == TO_CHECK and gates["dates"].reason.code == "no_closing_date"
    assert gates_of(grant, replace(IVREA, comune_istat="001272"))["comune"] == NOT_MET
    assert gates_of(grant, replace(IVREA, ateco_codes_2007=("01.11.00",)))["sector"] == NOT_MET
    assert gates_of(grant, replace(IVREA, region_name="Lombardia"))["region"] == NOT_MET
    assert gates_of(replace(OPEN_GRANT, opens_on=date(2024, 9, 2)))["dates"] == NOT_MET


def test_checklist_and_decision_agree():
    """decide_eligibility sums up the checklist: the reasons are those of the gates not met, then to check."""
    for grant in (OPEN_GRANT, replace(OPEN_GRANT, sizes=("small",), closes_on=None),
                  replace(OPEN_GRANT, regions=("Estero",), comuni_istat=("004078",), comuni_unresolved=("X",))):
        gates = eligibility_checklist(IVREA, grant, TODAY)
        decision = decide(grant)
        expected = ([g.reason for g in gates if g.status == NOT_MET]
                    + [g.reason for g in gates if g.status == TO_CHECK])
        assert list(decision.reasons) == expected


def test_is_still_open_checks_withdrawal_switch_and_closing_day():
    grant = SimpleNamespace(is_active=True, withdrawn_at=None, closes_on=date(2024, 6, 29), opens_on=None)
    assert is_still_open(grant, date(2024, 6, 29))
    assert not is_still_open(grant, date(2024, 6, 30))
    assert not is_still_open(SimpleNamespace(**{**vars(grant), "withdrawn_at": datetime(2024, 6, 1)}), TODAY)
    assert not is_still_open(SimpleNamespace(**{**vars(grant), "is_active": False}), TODAY)
    assert is_still_open(SimpleNamespace(**{**vars(grant), "closes_on": None}), date(2030, 1, 1))


def test_admits_region():
    assert admits_region((), "Piemonte") and admits_region(("Estero",), "Piemonte")
    assert admits_region(("Valle d'Aosta/Vallée d'Aoste",), "Vallée d'Aoste")
    assert not admits_region(("Lombardia",), "Piemonte")
