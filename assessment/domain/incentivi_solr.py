"""The national catalogue's Solr endpoint (incentivi.gov.it): the query of one page, the shape of its answer,
and a Solr document turned into the open-data record that `grants import` reads (the same GrantRecord).

Field names: the portal's own export asks Solr for `fl=<Alias:solr_field,...>`; the aliases are the 29 open-data
field names (INCENTIVI_FIELDS), the Solr names are those of `incentivi_gov_it_schema.yaml`, column `solr`
(shared/data; measured on the real 5,896-record dump). We ask for the Solr names and rename them here.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError
from .grant_files import INCENTIVI_FIELDS

# open-data field -> Solr field (zs_: one value, zm_: a list, ds_: a date).
SOLR_FIELDS: dict[str, str] = {
    "ID_Incentivo": "zs_nid",
    "Titolo": "zs_title",
    "Descrizione": "zs_body",
    "Obiettivo_Finalita": "zm_field_scopes_value",
    "Data_apertura": "zs_field_open_date",
    "Data_chiusura": "zs_field_close_date",
    "Note_di_apertura_chiusura": "zs_field_close_date_descriptor",
    "Dimensioni": "zm_field_dimensions_value",
    "Tipologia_Soggetto": "zm_field_subject_type_value",
    "Forma_agevolazione": "zm_field_support_form_value",
    "Costi_Ammessi": "zm_field_granted_costs_value",
    "Spesa_Ammessa_min": "zs_field_cost_min",
    "Spesa_Ammessa_max": "zs_field_cost_max",
    "Agevolazione_Concedibile_min": "zs_field_support_grant_type_min",
    "Agevolazione_Concedibile_max": "zs_field_support_grant_type_max",
    "Settore_Attivita": "zm_field_activity_sector_value",
    "Codici_ATECO": "zs_field_ateco",
    "Regioni": "zm_field_regions_value",
    "Comuni": "zs_field_comuni",
    "Ambito_territoriale": "zm_field_special_territory_value",
    "Soggetto_Concedente": "zs_field_subject_grant",
    "Base_normativa_primaria": "zs_field_primary_ruleset",
    "Base_normativa_secondaria": "zs_field_secondary_ruleset",
    "Provvedimento_attuativo": "zs_field_implementation_ruleset",
    "Gazzetta_ufficiale": "zs_field_official_references",
    "Stanziamento_incentivo": "zs_field_budget_allocation",
    "Link_istituzionale": "zs_field_link",
    "Altre_caratteristiche": "zs_field_other_characteristic",
    "Data_ultimo_aggiornamento": "ds_last_update",
}
_ALIAS_OF = {solr: alias for alias, solr in SOLR_FIELDS.items()}
ID_FIELD = SOLR_FIELDS["ID_Incentivo"]
QUERY = "index_id:incentivi"


class MalformedResponse(DomainError):
    """A page of the portal's answer is not what Solr sends: the whole sync stops, nothing is applied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SolrPage:
    found: int  # numFound: how many records the whole catalogue holds now
    start: int
    docs: tuple[dict, ...]


def page_params(start: int, rows: int) -> dict[str, str]:
    """The query string of one page, as the portal's own export asks it. No sort: the stored-only zs_ fields
    cannot be sorted on; a record that moves between pages while we read shows as a repeated or missing id,
    and the sync fails rather than guess (see the sync service)."""
    return {"q": QUERY, "wt": "json", "q.op": "OR", "start": str(start), "rows": str(rows),
            "fl": ",".join(SOLR_FIELDS[name] for name in INCENTIVI_FIELDS)}


def read_page(document: object) -> SolrPage:
    """Solr's JSON answer ({"responseHeader": ..., "response": {"numFound", "start", "docs"}}) -> SolrPage."""
    if not isinstance(document, dict):
        raise MalformedResponse("the answer is not a JSON object")
    header = document.get("responseHeader")
    if isinstance(header, dict) and header.get("status") not in (None, 0):
        raise MalformedResponse(f"Solr reports status {header.get('status')!r}")
    response = document.get("response")
    if not isinstance(response, dict):
        raise MalformedResponse("no 'response' object in the answer")
    found, start, docs = response.get("numFound"), response.get("start", 0), response.get("docs")
    if not isinstance(found, int) or isinstance(found, bool) or found < 0:
        raise MalformedResponse(f"numFound is not a count: {found!r}")
    if not isinstance(start, int) or isinstance(start, bool):
        raise MalformedResponse(f"start is not a number: {start!r}")
    if not isinstance(docs, list):
        raise MalformedResponse("'response.docs' is not a list")
    return SolrPage(found=found, start=start, docs=tuple(docs))


def record_from_doc(doc: object) -> object:
    """One Solr document -> the open-data record (alias field names) that parse_incentivi_record reads.
    A single-valued field Solr wrapped in a list is unwrapped; fields we do not know (score, _version_) are
    dropped. Not a dict: returned as it is, for the parser to reject with its reason."""
    if not isinstance(doc, dict):
        return doc
    record = {}
    for key, value in doc.items():
        alias = _ALIAS_OF.get(key, key if key in SOLR_FIELDS else None)
        if alias is None or value is None:
            continue
        if not SOLR_FIELDS[alias].startswith("zm_") and isinstance(value, list) and len(value) == 1:
            value = value[0]
        record[alias] = value
    return record


def doc_id(doc: object) -> str | None:
    """The national id of a document, even of one that will not parse (it is still on the catalogue)."""
    if not isinstance(doc, dict):
        return None
    value = doc.get(ID_FIELD, doc.get("ID_Incentivo"))
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    text = str(value).strip() if value is not None else ""
    return text or None
