"""Is a company eligible for a grant today? eligible / not eligible / to check, with reasons in it and en.

Decisions documented here (missing or free-text information never rejects a company):
* Dates: closed when closes_on is before today (the closing day itself is still open); not yet open when
  opens_on is after today. No opening date counts as already open. No closing date ("a sportello",
  open until funds run out) is open, with a to-check reason to confirm the funds are still there.
* Sizes: empty means "not stated" (e.g. only "Non classificabile") and restricts nothing.
* Regions: "Estero" is not an Italian region; a grant for "Estero" only is to check. Names match
  ignoring case, accents and hyphens, and either half of "Valle d'Aosta/Vallée d'Aoste".
* Comuni: a company outside the resolved list is rejected only when every listed name was resolved;
  otherwise it is to check.
* Sectors: the grant's ATECO 2007/2022 codes match a company code by prefix either way ("62" ~ "62.01.00");
  "NN.00" as written on incentivi.gov.it ("56.00") stands for the whole division NN. Restrictions
  written only in words are to check; all sectors never excludes.
* Beneficiaries: "Impresa" admits any company; only qualified enterprise types (innovative start-up/SME,
  women- or youth-led, consortium, business network) are to check; no enterprise type rejects.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

ELIGIBLE, NOT_ELIGIBLE, TO_CHECK = "eligible", "not_eligible", "to_check"
MET, NOT_MET = "met", "not_met"  # a gate of the checklist: met, not met, or TO_CHECK
GATES = ("dates", "size", "region", "comune", "sector", "subject")
ENTERPRISE_TYPES = frozenset({
    "Impresa", "Impresa - SU/PMI innovativa", "Impresa - prevalenza femminile",
    "Impresa - prevalenza giovanile", "Consorzio", "Rete d'impresa",
})
ANY_ENTERPRISE = "Impresa"
ABROAD = "estero"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SIZE_IT = {"micro": "microimprese", "small": "piccole imprese", "medium": "medie imprese",
            "large": "grandi imprese"}
_SIZE_EN = {"micro": "micro", "small": "small", "medium": "medium-sized", "large": "large"}


@dataclass(frozen=True)
class CompanyFacts:
    size_class: str | None
    region_name: str | None
    comune_istat: str | None
    ateco_codes_2007: tuple[str, ...]  # ATECO 2007/2022 form; map 2025 codes with AtecoIndex.to_2022
    is_enterprise: bool = True


@dataclass(frozen=True)
class GrantFacts:
    opens_on: date | None
    closes_on: date | None
    sizes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    comuni_istat: tuple[str, ...] = ()
    comuni_unresolved: tuple[str, ...] = ()
    is_all_sectors: bool = True
    ateco_codes: tuple[str, ...] = ()
    subject_types: tuple[str, ...] = ()
    is_withdrawn: bool = False  # no longer on its catalogue: nobody can apply, whatever its dates say


@dataclass(frozen=True)
class Reason:
    code: str
    it: str
    en: str


@dataclass(frozen=True)
class Gate:
    """One condition of a call, for one company: met, not met or to check, and why."""

    key: str  # one of GATES
    status: str  # MET | NOT_MET | TO_CHECK
    reason: Reason


_Finding = tuple[str, Reason] | None  # (NOT_MET or TO_CHECK, why); None: the gate is met


@dataclass(frozen=True)
class Eligibility:
    status: str  # ELIGIBLE | NOT_ELIGIBLE | TO_CHECK
    reasons: tuple[Reason, ...] = ()


def grant_facts_from(obj: object) -> GrantFacts:
    """GrantFacts from any object with the attributes by name: a Grant row, a GrantRecord, a namespace.

    An object with comuni_names but no comuni_unresolved (a GrantRecord) has all its names unresolved.
    """
    def items(name: str) -> tuple[str, ...]:
        return tuple(getattr(obj, name, None) or ())

    unresolved = getattr(obj, "comuni_unresolved", None)
    if unresolved is None:
        unresolved = getattr(obj, "comuni_names", None) or ()
    return GrantFacts(
        opens_on=getattr(obj, "opens_on", None), closes_on=getattr(obj, "closes_on", None),
        sizes=items("sizes"), regions=items("regions"), comuni_istat=items("comuni_istat"),
        comuni_unresolved=tuple(unresolved), is_all_sectors=bool(getattr(obj, "is_all_sectors", True)),
        ateco_codes=items("ateco_codes"), subject_types=items("subject_types"),
        is_withdrawn=getattr(obj, "withdrawn_at", None) is not None,
    )


def format_date_it(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_date_en(day: date) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def is_still_open(grant: object, today: date) -> bool:
    """May this call be shown to an owner as open (or opening) on `today`? Not switched off by an admin, not
    withdrawn from its catalogue, not closed. The one read-time check every page, PDF and API answer showing
    stored recommendations makes: a recommendation stored before the call closed is never shown as open."""
    if not getattr(grant, "is_active", True) or getattr(grant, "withdrawn_at", None) is not None:
        return False
    closes_on = getattr(grant, "closes_on", None)
    return closes_on is None or closes_on >= today


def is_open(grant: GrantFacts | object, today: date) -> bool:
    """Open on `today`: opened (or no opening date) and not closed (or no closing date)."""
    opens_on, closes_on = getattr(grant, "opens_on", None), getattr(grant, "closes_on", None)
    return (opens_on is None or opens_on <= today) and (closes_on is None or closes_on >= today)


@lru_cache(maxsize=16384)  # the same region and comune names come back for every company and grant
def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("’", "'").split())


def _region_names(region: str) -> set[str]:
    return {_plain(part) for part in str(region).split("/") if part.strip()}


def admits_region(regions: Iterable[str], region_name: str) -> bool:
    """Does a call for `regions` (empty: no restriction) admit a company of `region_name`? Names compared as
    the eligibility compares them (case, accents, hyphens, either half of a bilingual name)."""
    regions = [r for r in regions if _plain(r) != ABROAD]
    if not regions:
        return True
    return bool(_region_names(region_name) & set().union(*map(_region_names, regions)))


def _sector_match(company_codes: Iterable[str], grant_codes: Iterable[str]) -> bool:
    wanted = []
    for code in grant_codes:
        code = code.strip().upper()
        if len(code) == 5 and code[2:] == ".00" and code[:2].isdigit():
            code = code[:2]  # "56.00" on incentivi.gov.it: the whole division
        wanted.append(code)
    for company_code in company_codes:
        company_code = company_code.strip().upper()
        for code in wanted:
            if company_code.startswith(code) or code.startswith(company_code):
                return True
    return False


def _dates(grant: GrantFacts, today: date) -> _Finding:
    if grant.is_withdrawn:
        return (NOT_MET, Reason("withdrawn", "Non è più nel catalogo nazionale degli incentivi: non si può "
                                "presentare domanda", "No longer on the national catalogue of incentives: "
                                "applications are not possible"))
    if grant.closes_on is not None and grant.closes_on < today:
        it, en = format_date_it(grant.closes_on), format_date_en(grant.closes_on)
        return (NOT_MET, Reason("closed", f"Chiuso il {it}", f"Closed on {en}"))
    if grant.opens_on is not None and grant.opens_on > today:
        it, en = format_date_it(grant.opens_on), format_date_en(grant.opens_on)
        return (NOT_MET, Reason("not_yet_open", f"Non ancora aperto (apre il {it})",
                                f"Not yet open (opens on {en})"))
    if grant.closes_on is None:
        return (TO_CHECK, Reason("no_closing_date", "Nessuna data di chiusura: verificare che i "
                                 "fondi siano ancora disponibili", "No closing date: check that "
                                 "funds are still available"))
    return None


def _size(company: CompanyFacts, grant: GrantFacts) -> _Finding:
    if not grant.sizes:
        return None
    if company.size_class is None:
        return (TO_CHECK, Reason("size_unknown", "Dimensione dell'impresa non indicata",
                                 "Company size not given"))
    if company.size_class not in grant.sizes:
        size_it = _SIZE_IT.get(company.size_class, company.size_class)
        size_en = _SIZE_EN.get(company.size_class, company.size_class)
        return (NOT_MET, Reason("size", f"Non previsto per le {size_it}", f"Not for {size_en} companies"))
    return None


def _region(company: CompanyFacts, grant: GrantFacts) -> _Finding:
    regions = [r for r in grant.regions if _plain(r) != ABROAD]
    if grant.regions and not regions:
        return (TO_CHECK, Reason("abroad", "Riservato a iniziative all'estero: verificare il "
                                 "territorio", "For activities abroad: check the territorial "
                                 "conditions"))
    if not regions:
        return None
    if not company.region_name:
        return (TO_CHECK, Reason("region_unknown", "Regione dell'impresa non indicata",
                                 "Company region not given"))
    if not admits_region(regions, company.region_name):
        return (NOT_MET, Reason("region", "Non previsto per questa regione", "Not for this region"))
    return None


def _comune(company: CompanyFacts, grant: GrantFacts) -> _Finding:
    if not (grant.comuni_istat or grant.comuni_unresolved):
        return None
    if company.comune_istat and company.comune_istat in grant.comuni_istat:
        return None
    if not company.comune_istat:
        return (TO_CHECK, Reason("comune_unknown", "Comune dell'impresa non indicato",
                                 "Company comune not given"))
    if grant.comuni_unresolved:
        return (TO_CHECK, Reason(
            "comune_unresolved", "L'elenco dei comuni ha nomi che non abbiamo riconosciuto: verificare",
            "The list of comuni has names we could not match: check"))
    return (NOT_MET, Reason("comune", "Non previsto per questo comune", "Not for this comune"))


def _sector(company: CompanyFacts, grant: GrantFacts) -> _Finding:
    if grant.is_all_sectors:
        return None
    if not grant.ateco_codes:
        return (TO_CHECK, Reason("sector_text", "Settori ammessi descritti solo a parole: "
                                 "verificare", "Eligible sectors described only in words: check"))
    if not company.ateco_codes_2007:
        return (TO_CHECK, Reason("sector_unknown", "Codice ATECO dell'impresa non noto: "
                                 "verificare il settore", "Company ATECO code unknown: check the "
                                 "sector"))
    if not _sector_match(company.ateco_codes_2007, grant.ateco_codes):
        return (NOT_MET, Reason("sector", "Settore (codice ATECO) escluso",
                                "Sector (ATECO code) excluded"))
    return None


def _beneficiary(company: CompanyFacts, grant: GrantFacts) -> _Finding:
    if not grant.subject_types:
        return None
    kinds = set(grant.subject_types)
    if not company.is_enterprise:
        return (TO_CHECK, Reason("beneficiary_check", "Verificare che il bando ammetta questo tipo "
                                 "di soggetto", "Check that the call admits this kind of "
                                 "beneficiary"))
    if ANY_ENTERPRISE in kinds:
        return None
    qualified = sorted(kinds & ENTERPRISE_TYPES)
    if qualified:
        listed = ", ".join(qualified)
        return (TO_CHECK, Reason("beneficiary_check", f"Solo per alcuni tipi di impresa ({listed}): "
                                 "verificare", f"Only for some kinds of company ({listed}): check"))
    return (NOT_MET, Reason("beneficiary", "Non previsto per questo tipo di beneficiario",
                            "Not for this kind of beneficiary"))


_CHECKS = (("dates", lambda company, grant, today: _dates(grant, today)),
           ("size", lambda company, grant, today: _size(company, grant)),
           ("region", lambda company, grant, today: _region(company, grant)),
           ("comune", lambda company, grant, today: _comune(company, grant)),
           ("sector", lambda company, grant, today: _sector(company, grant)),
           ("subject", lambda company, grant, today: _beneficiary(company, grant)))


def _met_reason(key: str, company: CompanyFacts, grant: GrantFacts) -> Reason:
    """Why a gate is met, said only on the checklist (the ranking of every company needs no words for it)."""
    if key == "dates":
        it, en = format_date_it(grant.closes_on), format_date_en(grant.closes_on)
        return Reason("dates_met", f"Aperto: si presenta la domanda fino al {it}", f"Open: apply by {en}")
    if key == "size":
        if not grant.sizes:
            return Reason("size_met", "Nessun limite di dimensione dell'impresa", "No limit on the company's size")
        return Reason("size_met", f"Previsto per le {_SIZE_IT.get(company.size_class, company.size_class)}",
                      f"Open to {_SIZE_EN.get(company.size_class, company.size_class)} companies")
    if key == "region":
        if not [r for r in grant.regions if _plain(r) != ABROAD]:
            return Reason("region_met", "Nessun limite di regione", "No limit on the region")
        return Reason("region_met", f"Previsto in {company.region_name}", f"Open in {company.region_name}")
    if key == "comune":
        if not (grant.comuni_istat or grant.comuni_unresolved):
            return Reason("comune_met", "Nessun elenco di comuni", "No list of comuni")
        return Reason("comune_met", "Il comune dell'impresa è nell'elenco del bando",
                      "The company's comune is on the call's list")
    if key == "sector":
        if grant.is_all_sectors:
            return Reason("sector_met", "Tutti i settori sono ammessi", "Every sector is admitted")
        return Reason("sector_met", "Il codice ATECO dell'impresa è tra quelli ammessi",
                      "The company's ATECO code is among those admitted")
    if not grant.subject_types:
        return Reason("subject_met", "Nessun limite sul tipo di beneficiario", "No limit on the kind of beneficiary")
    return Reason("subject_met", "Il bando è aperto alle imprese", "The call is open to companies")


def eligibility_checklist(company: CompanyFacts, grant: GrantFacts, today: date) -> tuple[Gate, ...]:
    """Every gate of the call for this company, in GATES order: dates, size, region, comune, sector (ATECO),
    subject type; each met, not met or to check, with its reason. The one place the rules are written:
    decide_eligibility sums the same checks up."""
    gates = []
    for key, check in _CHECKS:
        found = check(company, grant, today)
        gates.append(Gate(key, MET, _met_reason(key, company, grant)) if found is None
                     else Gate(key, found[0], found[1]))
    return tuple(gates)


def decide_eligibility(company: CompanyFacts, grant: GrantFacts, today: date) -> Eligibility:
    """not_eligible if any gate is not met, else to_check if any is to check, else eligible.

    Reasons: the rejecting ones first, then the ones to check."""
    found = [f for f in (_dates(grant, today), _size(company, grant), _region(company, grant),
                         _comune(company, grant), _sector(company, grant), _beneficiary(company, grant)) if f]
    rejecting = tuple(reason for status, reason in found if status == NOT_MET)
    checking = tuple(reason for status, reason in found if status == TO_CHECK)
    if rejecting:
        return Eligibility(NOT_ELIGIBLE, rejecting + checking)
    return Eligibility(TO_CHECK, checking) if checking else Eligibility(ELIGIBLE, ())
