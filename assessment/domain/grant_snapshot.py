"""The bundled snapshot of the live national catalogue: converting the republished JSON-lines records
(`assessment/data/incentivi_gov_it_live_2026-09-25.jsonl`, see assessment/data/README.md) into the incentivi.gov.it
export format the importer reads, with the snapshot's date beside the records.

The file written is {"snapshot": {taken_on, source, licence, attribution, records}, "response": {"docs": [...]}}:
`read_grant_file` reads the docs as it reads a Solr answer, and the import of the bundled snapshot records
`taken_on` (the date the public pages show until the first national sync). Each record keeps the fields the
republisher kept, under their national names; "*" (every region, every sector) is written out as the national
vocabulary's full list; the description is the republished start of "Cos'è" and "A chi si rivolge"; the
record's page on the portal goes in `Link_portale` (not one of the 29 export fields; the grant page links it).

Reproduce: python -m assessment.domain.grant_snapshot assessment/data/incentivi_gov_it_live_2026-09-25.jsonl \
    assessment/data/incentivi_gov_it_live_2026-09-25.json --taken-on 2026-09-25
"""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from .grant_listing import REGIONS

SECTORS = (
    "Commercio", "Altri servizi", "Artigianato", "Turismo", "Ristorazione", "Agroalimentare", "Alberghiero", "Cultura",
    "Moda e Tessile", "Mobili, Legno e Carta", "Meccanica", "Edilizia", "Elettronica", "ICT", "Servizi di trasporto",
    "Metallurgia", "Autoveicoli e altri mezzi di trasporto", "Agricoltura, silvicoltura e pesca",
    "Chimica e Farmaceutica", "Salute", "Fornitura Energia, Acqua e gestione Rifiuti",
)
PORTAL_LINK_FIELD = "Link_portale"
SOURCE_NOTE = ("incentivi.gov.it as republished in Marco1478/radar-bandi data/bandi.json "
               "(commit ff194b41b61b93081383a1ffd0079032652277ec)")
ATTRIBUTION = "incentivi.gov.it – MIMIT"
LICENCE = "IODL 2.0"


def _listed(value: object, everything: tuple[str, ...]) -> list[str]:
    if value == "*":
        return list(everything)
    return list(dict.fromkeys(value or ()))  # in order, each once (a record may repeat a form)


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _amount(value: object) -> str | None:
    if value is None or value == "":
        return None
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _day(value: object, suffix: str) -> str | None:
    text = _text(value)
    return None if text is None else date.fromisoformat(text).isoformat() + suffix


def to_incentivi_record(row: dict) -> dict:
    """One republished record -> the national export's field names and shapes (absent values left out)."""
    description = " ".join(part for part in (
        f"Cos'è {row['cose'].strip()}" if _text(row.get("cose")) else "",
        f"A chi si rivolge {row['chi'].strip()}" if _text(row.get("chi")) else "") if part)
    record = {
        "ID_Incentivo": str(row["id"]), "Titolo": _text(row.get("title")), "Descrizione": description or None,
        "Obiettivo_Finalita": _listed(row.get("scopes"), ()),
        "Data_apertura": _day(row.get("open"), "T00:00:00"), "Data_chiusura": _day(row.get("close"), "T00:00:00"),
        "Note_di_apertura_chiusura": _text(row.get("closeNote")),
        "Dimensioni": _listed(row.get("sizes"), ()), "Tipologia_Soggetto": _listed(row.get("subjects"), ()),
        "Forma_agevolazione": _listed(row.get("forms"), ()), "Costi_Ammessi": _listed(row.get("costs"), ()),
        "Spesa_Ammessa_min": _amount(row.get("spesaMin")), "Spesa_Ammessa_max": _amount(row.get("spesaMax")),
        "Agevolazione_Concedibile_min": _amount(row.get("aiutoMin")),
        "Agevolazione_Concedibile_max": _amount(row.get("aiutoMax")),
        "Settore_Attivita": _listed(row.get("sectors"), SECTORS), "Codici_ATECO": _text(row.get("ateco")),
        "Regioni": _listed(row.get("regions"), REGIONS), "Comuni": _text(row.get("comuni")),
        "Ambito_territoriale": _listed(row.get("territory"), ()),
        "Soggetto_Concedente": _text(row.get("ente")), "Stanziamento_incentivo": _amount(row.get("budget")),
        "Link_istituzionale": _text(row.get("link")), "Altre_caratteristiche": _text(row.get("keywords")),
        "Data_ultimo_aggiornamento": _day(row.get("updated"), "T00:00:00Z"),
        PORTAL_LINK_FIELD: _text(row.get("portal")),
    }
    return {key: value for key, value in record.items() if value not in (None, [])}


def convert_snapshot(lines: list[str], taken_on: date) -> dict:
    """The republished JSON lines -> the bundled snapshot document (records in the order of their IDs)."""
    rows = [json.loads(line) for line in lines if line.strip()]
    docs = sorted((to_incentivi_record(row) for row in rows), key=lambda r: int(r["ID_Incentivo"]))
    return {"snapshot": {"taken_on": taken_on.isoformat(), "source": SOURCE_NOTE, "licence": LICENCE,
                         "attribution": ATTRIBUTION, "records": len(docs)},
            "response": {"numFound": len(docs), "docs": docs}}


def snapshot_taken_on(document: object) -> date | None:
    """The date a bundled snapshot document says it was taken on, or None for any other grant file."""
    if not isinstance(document, dict) or not isinstance(document.get("snapshot"), dict):
        return None
    try:
        return date.fromisoformat(str(document["snapshot"].get("taken_on")))
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Convert the republished live catalogue to the national format.")
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--taken-on", type=date.fromisoformat, required=True)
    args = parser.parse_args(argv)
    document = convert_snapshot(args.source.read_text(encoding="utf-8").splitlines(), args.taken_on)
    args.target.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
