"""Grant calls as plain records: parsing incentivi.gov.it open data and our own local format.

incentivi.gov.it (IODL 2.0, "incentivi.gov.it – MIMIT"): 29 fields per record, see
`assessment/data/incentivi_gov_it_sample.json`; read as JSON (a list, or Solr's {"response": {"docs": []}})
or CSV (the 29 aliases as header; list fields as JSON lists or '; '-separated text).

Our own local format, for calls not on the national portal (e.g. chamber-of-commerce vouchers):
YAML `{source: cciaa-torino, grants: [{external_id: ..., title: ..., ...}, ...]}` or CSV with the same
columns plus a `source` column. Columns (only external_id and title are required):

    external_id   unique within the source, e.g. cciaa-to-voucher-digitali-i40-2022
    title, description, link, granting_body, opening_notes   text
    opens_on, closes_on      YYYY-MM-DD or DD/MM/YYYY; empty closes_on = open until funds run out
    sizes          micro, small, medium, large (or Microimpresa, Piccola Impresa, ...); empty = not stated
    regions        region names as in the national vocabulary (Piemonte, ...)
    comuni         comune names or 6-digit ISTAT codes; empty = no comune restriction
    ateco          ATECO 2007/2022 codes (62.01, 62); empty or "all" = every sector
    purposes, eligible_costs, subject_types   values of the national vocabularies
    aid_form       e.g. Contributo/Fondo perduto
    aid_min_eur, aid_max_eur, spend_min_eur, spend_max_eur, budget_eur   amounts in euro
Lists are YAML lists, or in CSV '; '-separated text (or a JSON list). See grants_cciaa_local.yaml.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from .comuni_names import (
    comune_name_index,
    normalise_name,
    resolve_comuni,
    split_comuni,
)
from .errors import DomainError
from .grant_dimensions import DIMENSIONS, derive_dimensions
from .grant_files import (
    INCENTIVI_FIELDS,
    LOCAL_COLUMNS,
    MalformedFile,
    read_grant_file,
    read_grant_records,
)
from .grant_values import (
    as_list,
    parse_amount,
    parse_ateco,
    parse_day,
    parse_utc,
    text_or_none,
    unique,
)
from .text import CONTROL_CHARACTERS, has_control_characters

__all__ = [
    "DIMENSIONS", "INCENTIVI_FIELDS", "INCENTIVI_SOURCE", "LOCAL_COLUMNS", "GrantRecord", "InvalidRecord",
    "MalformedFile", "comune_name_index", "content_hash", "derive_dimensions", "parse_grant_record",
    "parse_incentivi_record", "parse_local_record", "read_grant_file", "read_grant_records", "resolve_comuni",
]

INCENTIVI_SOURCE = "incentivi.gov.it"
SIZE_KEYS = {
    "microimpresa": "micro", "micro": "micro", "piccola impresa": "small", "small": "small",
    "media impresa": "medium", "medium": "medium", "grande impresa": "large", "large": "large",
}
SIZE_ORDER = ("micro", "small", "medium", "large")


class InvalidRecord(DomainError):
    """One record cannot be imported; the others can."""

    def __init__(self, external_id: str | None, reason: str) -> None:
        super().__init__(f"{external_id or '?'}: {reason}")
        self.external_id = external_id
        self.reason = reason


@dataclass(frozen=True)
class GrantRecord:
    """One grant call, field names as the Grant model's columns (comuni as raw names, not yet resolved)."""

    source: str
    external_id: str
    title: str
    description: str = ""
    purposes: tuple[str, ...] = ()
    opens_on: date | None = None
    closes_on: date | None = None
    opening_notes: str | None = None
    sizes: tuple[str, ...] = ()
    subject_types: tuple[str, ...] = ()
    aid_forms: tuple[str, ...] = ()
    eligible_costs: tuple[str, ...] = ()
    spend_min_eur: float | None = None
    spend_max_eur: float | None = None
    aid_min_eur: float | None = None
    aid_max_eur: float | None = None
    sectors: tuple[str, ...] = ()
    is_all_sectors: bool = True
    ateco_codes: tuple[str, ...] = ()
    ateco_text: str | None = None
    regions: tuple[str, ...] = ()
    comuni_names: tuple[str, ...] = ()
    territorial_scope: tuple[str, ...] = ()
    granting_body: str | None = None
    legal_basis_primary: str | None = None
    legal_basis_secondary: str | None = None
    implementing_act: str | None = None
    official_journal: str | None = None
    budget_eur: float | None = None
    budget_text: str | None = None
    link: str | None = None
    other_features: str | None = None
    source_updated_at: datetime | None = None
    dimensions: tuple[str, ...] = ()
    content_hash: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def column_values(self) -> dict[str, Any]:
        """Values for the Grant model's columns (tuples as lists); comuni_names is left to the caller."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "comuni_names"}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def content_hash(raw: dict) -> str:
    """sha256 of the record as canonical JSON: sorted keys, no spaces, empty (None) values dropped."""
    cleaned = {k: v for k, v in raw.items() if v is not None}
    text = json.dumps(cleaned, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sizes(values: list[str], external_id: str | None = None) -> tuple[str, ...]:
    """Company sizes a call names. In our own files (external_id given) an unknown size is refused: dropping a
    typo ("giant") would leave the call open to every size."""
    keys = {SIZE_KEYS.get(normalise_name(v)) for v in values}
    if external_id is not None and None in keys:
        unknown = [v for v in values if SIZE_KEYS.get(normalise_name(v)) is None]
        raise InvalidRecord(external_id, f"sizes: unknown size {unknown[0]!r} (micro, small, medium, large)")
    return tuple(k for k in SIZE_ORDER if k in keys)


def _link(value: Any, external_id: str) -> str | None:
    """A call's page: only a web address is ever shown as a link (never javascript: or a local file)."""
    link = text_or_none(value)
    if link is not None and not link.lower().startswith(("https://", "http://")):
        raise InvalidRecord(external_id, f"link: not a web address (http:// or https://): {link[:80]!r}")
    return link


def _period(raw: dict, opens_key: str, closes_key: str, external_id: str) -> dict[str, date | None]:
    opens_on, closes_on = _day(raw, opens_key, external_id), _day(raw, closes_key, external_id)
    if opens_on and closes_on and closes_on < opens_on:
        raise InvalidRecord(external_id, f"{closes_key} ({closes_on}) comes before {opens_key} ({opens_on})")
    return {"opens_on": opens_on, "closes_on": closes_on}


def _day(raw: dict, key: str, external_id: str) -> date | None:
    try:
        return parse_day(raw.get(key))
    except (TypeError, ValueError):
        raise InvalidRecord(external_id, f"{key}: not a date: {raw.get(key)!r}") from None


def _refuse_control_characters(raw: dict, external_id: str) -> None:
    """A record carrying an invisible control character (NUL included) anywhere is refused, named by its field:
    PostgreSQL cannot store NUL in text, and no page, export or mail of ours should carry any of them."""
    def carries(value: object) -> bool:
        if isinstance(value, str):
            return has_control_characters(value)
        if isinstance(value, dict):
            return any(carries(k) or carries(v) for k, v in value.items())
        return isinstance(value, list) and any(carries(v) for v in value)

    for key, value in raw.items():
        if carries(key) or carries(value):
            raise InvalidRecord(CONTROL_CHARACTERS.sub("", external_id),
                                f"{CONTROL_CHARACTERS.sub('', str(key))}: contains control characters (such as NUL)")


def _required(raw: dict, key: str, external_id: str | None) -> str:
    value = text_or_none(raw.get(key))
    if value is None:
        raise InvalidRecord(external_id, f"missing {key}")
    return value


def parse_incentivi_record(raw: dict, source: str = INCENTIVI_SOURCE) -> GrantRecord:
    """One incentivi.gov.it record (JSON shape; list fields may also be '; '-text) -> GrantRecord."""
    if not isinstance(raw, dict):
        raise InvalidRecord(None, "not a record (expected an object with named fields)")
    external_id = _required(raw, "ID_Incentivo", None)
    _refuse_control_characters(raw, external_id)
    title = _required(raw, "Titolo", external_id)
    description = text_or_none(raw.get("Descrizione")) or ""
    purposes = as_list(raw.get("Obiettivo_Finalita"))
    costs = unique(as_list(raw.get("Costi_Ammessi")))
    is_all_sectors, codes, ateco_text = parse_ateco(raw.get("Codici_ATECO"))
    budget_text = text_or_none(raw.get("Stanziamento_incentivo"))
    try:
        updated_at = parse_utc(raw.get("Data_ultimo_aggiornamento"))
    except (TypeError, ValueError):
        raise InvalidRecord(external_id, "Data_ultimo_aggiornamento: not a date and time") from None
    return GrantRecord(
        source=source, external_id=external_id, title=title, description=description,
        purposes=tuple(purposes),
        **_period(raw, "Data_apertura", "Data_chiusura", external_id),
        opening_notes=text_or_none(raw.get("Note_di_apertura_chiusura")),
        sizes=_sizes(as_list(raw.get("Dimensioni"))),
        subject_types=tuple(as_list(raw.get("Tipologia_Soggetto"))),
        aid_forms=tuple(as_list(raw.get("Forma_agevolazione"))), eligible_costs=tuple(costs),
        spend_min_eur=parse_amount(raw.get("Spesa_Ammessa_min")),
        spend_max_eur=parse_amount(raw.get("Spesa_Ammessa_max")),
        aid_min_eur=parse_amount(raw.get("Agevolazione_Concedibile_min")),
        aid_max_eur=parse_amount(raw.get("Agevolazione_Concedibile_max")),
        sectors=tuple(as_list(raw.get("Settore_Attivita"))), is_all_sectors=is_all_sectors,
        ateco_codes=tuple(codes), ateco_text=ateco_text, regions=tuple(as_list(raw.get("Regioni"))),
        comuni_names=tuple(split_comuni(raw.get("Comuni"))),
        territorial_scope=tuple(as_list(raw.get("Ambito_territoriale"))),
        granting_body=text_or_none(raw.get("Soggetto_Concedente")),
        legal_basis_primary=text_or_none(raw.get("Base_normativa_primaria")),
        legal_basis_secondary=text_or_none(raw.get("Base_normativa_secondaria")),
        implementing_act=text_or_none(raw.get("Provvedimento_attuativo")),
        official_journal=text_or_none(raw.get("Gazzetta_ufficiale")),
        budget_eur=parse_amount(budget_text), budget_text=budget_text,
        link=_link(raw.get("Link_istituzionale"), external_id),
        other_features=text_or_none(raw.get("Altre_caratteristiche")), source_updated_at=updated_at,
        dimensions=tuple(derive_dimensions(title, description, purposes, costs)),
        content_hash=content_hash(raw), raw=raw,
    )


def parse_local_record(raw: dict, source: str | None = None) -> GrantRecord:
    """One record of our own local format (see the module docstring) -> GrantRecord."""
    if not isinstance(raw, dict):
        raise InvalidRecord(None, "not a record (expected an object with named fields)")
    external_id = _required(raw, "external_id", None)
    _refuse_control_characters(raw, external_id)
    title = _required(raw, "title", external_id)
    source = text_or_none(source) or text_or_none(raw.get("source"))
    if source is None:
        raise InvalidRecord(external_id, "missing source")
    description = text_or_none(raw.get("description")) or ""
    purposes = as_list(raw.get("purposes"))
    costs = unique(as_list(raw.get("eligible_costs")))
    is_all_sectors, codes, ateco_text = parse_ateco(raw.get("ateco"))
    amounts = {}
    for key in ("aid_min_eur", "aid_max_eur", "spend_min_eur", "spend_max_eur", "budget_eur"):
        amounts[key] = parse_amount(raw.get(key))
        if amounts[key] is None and text_or_none(raw.get(key)) is not None:
            raise InvalidRecord(external_id, f"{key}: not an amount: {raw.get(key)!r}")
        if amounts[key] is not None and amounts[key] < 0:
            raise InvalidRecord(external_id, f"{key}: a negative amount: {raw.get(key)!r}")
    for low, high in (("aid_min_eur", "aid_max_eur"), ("spend_min_eur", "spend_max_eur")):
        if amounts[low] is not None and amounts[high] is not None and amounts[low] > amounts[high]:
            raise InvalidRecord(external_id, f"{low} is above {high}")
    return GrantRecord(
        source=source, external_id=external_id, title=title, description=description,
        purposes=tuple(purposes),
        **_period(raw, "opens_on", "closes_on", external_id),
        opening_notes=text_or_none(raw.get("opening_notes")), sizes=_sizes(as_list(raw.get("sizes")), external_id),
        subject_types=tuple(as_list(raw.get("subject_types"))), aid_forms=tuple(as_list(raw.get("aid_form"))),
        eligible_costs=tuple(costs), is_all_sectors=is_all_sectors, ateco_codes=tuple(codes),
        ateco_text=ateco_text, regions=tuple(as_list(raw.get("regions"))),
        comuni_names=tuple(split_comuni(as_list(raw.get("comuni")))),
        granting_body=text_or_none(raw.get("granting_body")),
        link=_link(raw.get("link"), external_id),
        dimensions=tuple(derive_dimensions(title, description, purposes, costs)),
        content_hash=content_hash(raw), raw=raw, **amounts,
    )


def parse_grant_record(raw: dict, file_format: str, source: str | None = None) -> GrantRecord:
    """Parse a record returned by read_grant_file, given the format it reported."""
    if file_format.startswith("local"):
        return parse_local_record(raw, source)
    return parse_incentivi_record(raw, source or INCENTIVI_SOURCE)
