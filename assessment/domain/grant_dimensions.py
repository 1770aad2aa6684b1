"""Which questionnaire dimensions a grant funds, derived from its purposes, costs and words.

Keyword rules (text = title + description + purposes + eligible costs, lower-cased, accents removed;
patterns match at word starts, so "robot" also finds "robotica"; "4.0" also inside "I4.0"):

| Dimension          | Purpose / cost (exact vocabulary value)          | Keywords in the text                                   |
|--------------------|--------------------------------------------------|--------------------------------------------------------|
| digital_strategy   | purpose "Digitalizzazione"                       | strategia, piano digitale, consulenza, trasformazione   |
|                    |                                                  | digitale, roadmap                                      |
| digital_readiness  | purpose "Digitalizzazione"                       | e-commerce/ecommerce, commercio elettronico, marketing  |
|                    |                                                  | digitale, sito/siti web, cloud, banda ultralarga,      |
|                    |                                                  | software, digitalizzazione                             |
| human_centric      | purpose "Formazione (...)", cost "Formazione     | competenze digitali, formazione, smart working, lavoro  |
|                    | Professionale"                                   | agile                                                  |
| data_security      | –                                                | cyber…, cybersecurity, sicurezza informatica, dati      |
|                    |                                                  | (not "dati personali"), backup, big data, blockchain   |
| automation_ai      | –                                                | robot…, automazione, intelligenza artificiale, IoT,     |
|                    |                                                  | internet of things, 4.0, machine learning, manifattura  |
|                    |                                                  | additiva, stampa 3D                                    |
| green_digital      | purpose "Transizione ecologica"                  | efficienza energetica, rinnovabili, CER, comunita       |
|                    |                                                  | energetiche, fotovoltaico, transizione energetica,     |
|                    |                                                  | economia circolare, sostenibilita ambientale           |

The rules over-include on purpose (a human can override a grant's dimensions in the admin).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

DIMENSIONS = (
    "digital_strategy", "digital_readiness", "human_centric", "data_security", "automation_ai", "green_digital",
)

PURPOSE_RULES: dict[str, tuple[str, ...]] = {
    "digitalizzazione": ("digital_readiness", "digital_strategy"),
    "transizione ecologica": ("green_digital",),
    "formazione": ("human_centric",),  # prefix of "Formazione (lavoro, occupazione, ...)"
}
COST_RULES: dict[str, tuple[str, ...]] = {
    "formazione professionale": ("human_centric",),
}
KEYWORD_RULES: dict[str, tuple[str, ...]] = {
    "digital_strategy": (
        r"strategi", r"piano digitale", r"piani digitali", r"consulenz", r"trasformazione digitale", r"roadmap",
    ),
    "digital_readiness": (
        r"e ?-?commerce", r"commercio elettronico", r"marketing digitale", r"siti? web", r"cloud",
        r"banda ultra ?larga", r"software", r"digitalizzazione",
    ),
    "human_centric": (r"competenze digitali", r"formazione", r"smart working", r"lavoro agile"),
    "data_security": (
        r"cyber", r"sicurezza informatica", r"dati\b(?! personali)", r"backup", r"big data", r"blockchain",
    ),
    "automation_ai": (
        r"robot", r"automazion", r"intelligenza artificiale", r"iot\b", r"internet of things",
        r"(?<![\d.,])4\.0(?!\d|[.,]\d)", r"machine learning", r"manifattura additiva", r"stampa 3d",
    ),
    "green_digital": (
        r"efficienza energetica", r"efficientamento energetico", r"rinnovabil", r"cer\b",
        r"comunita energetic", r"fotovoltaic", r"transizione energetica", r"economia circolare",
        r"sostenibilita ambientale",
    ),
}


def _combined_pattern() -> re.Pattern[str]:
    """One regex for every rule, a named group per dimension: the text is scanned once."""
    at_word_start, anywhere = [], []
    for dimension, patterns in KEYWORD_RULES.items():
        words = [p for p in patterns if not p.startswith("(?")]
        others = [p for p in patterns if p.startswith("(?")]
        at_word_start.append(f"(?P<{dimension}>{'|'.join(words)})")
        if others:
            anywhere.append(f"(?P<{dimension}__anywhere>{'|'.join(others)})")
    return re.compile("|".join([f"(?<![a-z0-9])(?:{'|'.join(at_word_start)})", *anywhere]))


_PATTERN = _combined_pattern()
_COMBINING = re.compile(r"[\u0300-\u036f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _plain(text: str) -> str:
    text = text.casefold().replace("’", "'")
    if text.isascii():
        return text
    return _NON_ASCII.sub(" ", _COMBINING.sub("", unicodedata.normalize("NFKD", text)))


def derive_dimensions(
    title: str, description: str, purposes: Iterable[str], eligible_costs: Iterable[str]
) -> list[str]:
    """The dimension keys a grant funds, in questionnaire order (see the table in the module docstring)."""
    purposes = [_plain(p).strip() for p in purposes or ()]
    costs = [_plain(c).strip() for c in eligible_costs or ()]
    found: set[str] = set()
    for purpose in purposes:
        for key, dimensions in PURPOSE_RULES.items():
            if purpose == key or purpose.startswith((key + " ", key + "(")):
                found.update(dimensions)
    for cost in costs:
        found.update(COST_RULES.get(cost, ()))
    text = " ".join([_plain(title or ""), _plain(description or ""), *purposes, *costs])
    for match in _PATTERN.finditer(text):
        found.add(match.lastgroup.split("__")[0])
        if len(found) == len(DIMENSIONS):
            break
    return [d for d in DIMENSIONS if d in found]
