"""Words for matching: Italian stop words and analyser, the needs text, explanations in it and en."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from .grant_dimensions import DIMENSIONS

__all__ = ["AREAS", "DIMENSIONS", "DIMENSION_TITLES", "ITALIAN_STOP_WORDS", "analyse", "grant_explanation",
           "grant_text", "needs_text", "track_explanation"]
# As the questionnaire names the areas and levels, so that a reason reads like the page it sits on.
DIMENSION_TITLES: dict[str, tuple[str, str]] = {
    "digital_strategy": ("strategia digitale", "digital business strategy"),
    "digital_readiness": ("prontezza digitale", "digital readiness"),
    "human_centric": ("competenze e persone", "human-centric digitalisation"),
    "data_security": ("gestione e sicurezza dei dati", "data management and security"),
    "automation_ai": ("automazione e intelligenza artificiale", "automation and AI"),
    "green_digital": ("digitale per la sostenibilità", "green digitalisation"),
}
# Short "works on ..." phrases, with the Italian article already attached.
DIMENSION_TOPICS: dict[str, tuple[str, str]] = {
    "digital_strategy": ("sulla strategia digitale", "on digital strategy"),
    "digital_readiness": ("sugli strumenti digitali", "on digital tools"),
    "human_centric": ("sulle competenze digitali", "on digital skills"),
    "data_security": ("sui dati", "on data"),
    "automation_ai": ("sull'automazione e l'IA", "on automation and AI"),
    "green_digital": ("sulla sostenibilità", "on sustainability"),
}
# Vocabulary grant calls use for each need; repeated in the needs text so TF-IDF can meet the calls.
DIMENSION_WORDS = {
    "digital_strategy": "strategia digitale piano trasformazione digitale consulenza innovazione roadmap",
    "digital_readiness": "digitalizzazione tecnologie digitali software cloud ecommerce commercio "
                         "elettronico sito web marketing digitale connettività",
    "human_centric": "competenze digitali formazione personale aggiornamento professionale lavoro agile",
    "data_security": "sicurezza informatica cybersecurity protezione dati backup gestione dati",
    "automation_ai": "automazione robotica intelligenza artificiale industria 4.0 internet cose macchinari",
    "green_digital": "transizione ecologica efficienza energetica sostenibilità ambientale energie "
                     "rinnovabili economia circolare",
}
LEVELS = (("ai primi passi", "getting started"), ("di base", "basic"), ("intermedio", "intermediate"),
          ("avanzato", "advanced"), ("all'avanguardia", "leading"))
SIZES = {"micro": ("micro imprese", "micro firms", "microimprese micro imprese"),
         "small": ("piccole imprese", "small firms", "piccole imprese pmi"),
         "medium": ("medie imprese", "medium-sized firms", "medie imprese pmi"),
         "large": ("grandi imprese", "large firms", "grandi imprese")}
AREAS = {"territorial_marketing": ("marketing territoriale", "territorial marketing"),
         "territorial_welfare": ("welfare territoriale", "territorial welfare"),
         "green_infrastructure": ("infrastrutture verdi", "green infrastructure"),
         "digital_innovation": ("innovazione digitale", "digital innovation")}
_AREA_WORDS = {"territorial_marketing": "marketing territoriale promozione turismo",
               "territorial_welfare": "welfare inclusione sociale servizi persona",
               "green_infrastructure": "infrastrutture verdi sostenibilità ambientale energia",
               "digital_innovation": "innovazione digitale"}
_SECTION_WORDS = {"A": "agricoltura agricole", "C": "manifattura manifatturiere produzione",
                  "F": "edilizia costruzioni", "G": "commercio negozi", "H": "trasporti logistica",
                  "I": "turismo ristorazione alloggio", "J": "editoria contenuti",
                  "K": "informatica software",
                  "N": "servizi professionali", "Q": "istruzione formazione", "R": "sanità salute",
                  "S": "cultura sport", "T": "servizi persona"}

# About 150 Italian function words (accents removed, as the analyser sees them), plus call boilerplate.
_STOP_WORDS_TEXT = """
a ad agli ai al alla alle allo anche ancora avere aveva avevano c che chi ci cio come con contro cui da
dagli dai dal dalla dalle dallo degli dei del dell della delle dello di dopo dove durante e ed essere
fra gli ha hanno ho i il in inoltre invece la le li lo loro ma me mentre mi mio ne nei nel nell nella
nelle nello noi non nostro o ogni oltre per perche piu po poi presso proprio qua quale quali qualche
quando quanto quella quelle quelli quello questa queste questi questo qui se sei senza si sia siano
sono sotto su sua sue sugli sui sul sull sulla sulle sullo suo suoi tale tali tanto te tra tre tu
tua tuo tutta tutte tutti tutto un una uno vi voi vostro cosi gia molto sempre stato stata stati state
essa esse essi esso fino verso ove dunque quindi pertanto tramite mediante nonche ovvero oppure ossia
altri altro altre altra stesso stessa stessi due ciascun ciascuna ciascuno nessun nessuno
secondo almeno circa sara saranno puo possono deve devono viene vengono fa fare essere avere
bando bandi avviso misura art articolo comma legge decreto n
"""
ITALIAN_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
CLOSING_SOON_DAYS = 14
STEM_LENGTH = 7  # prefix stemming: "digitale", "digitalizzazione" -> "digital"


def _plain(text: str) -> str:
    # Decomposed accents fall away in the ASCII encoding (C speed: texts are many and long).
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=8192)  # grant texts are ranked again on every submission: analyse each once per process
def analyse(text: str) -> tuple[str, ...]:
    """Tokens for TF-IDF: lower case, no accents, no stop words, cut to a common prefix (crude stemming)."""
    tokens = _TOKEN.findall(_plain(text))
    return tuple(t[:STEM_LENGTH] for t in tokens if len(t) > 2 and t not in ITALIAN_STOP_WORDS)


def grant_text(title: str, purposes: Sequence[str], eligible_costs: Sequence[str], description: str) -> str:
    return " ".join([title, *purposes, *eligible_costs, description or ""])


def needs_text(weakest: Sequence[str], size_class: str | None, ateco_section: str | None,
               themes: Sequence[str], region_name: str | None) -> str:
    """What the company needs, in the calls' words: weakest dimension twice, the next once, then profile."""
    parts = [DIMENSION_WORDS[d] for d in weakest[:1]] * 2 + [DIMENSION_WORDS[d] for d in weakest[1:2]]
    parts.append(SIZES.get(size_class or "", ("", "", ""))[2])
    parts.append(_SECTION_WORDS.get((ateco_section or "").upper(), ""))
    parts.extend(_AREA_WORDS.get(t, "") for t in themes)
    parts.append(region_name or "")
    return " ".join(p for p in parts if p)


def points_text(score: float) -> tuple[str, str]:
    """A score as the result page writes it: one decimal, a comma in Italian."""
    text = f"{round(score, 1):.1f}"
    return text.replace(".", ","), text


def _named(dim: str) -> tuple[str, str]:
    it, en = DIMENSION_TITLES[dim]
    return f"«{_capital(it)}»", f"“{_capital(en)}”"


def _lead(dim: str, score: float, is_weakest: bool) -> tuple[str, str]:
    (it, en), (points_it, points_en) = _named(dim), points_text(score)
    if is_weakest:
        return (f"La tua area più debole è {it} ({points_it}/100)",
                f"Your weakest area is {en} ({points_en}/100)")
    return (f"Nella tua valutazione l'area {it} è a {points_it}/100",
            f"You scored {points_en}/100 in {en}")


def track_explanation(dim: str | None, score: float | None, is_weakest: bool, features: Mapping[str, float],
                      size_class: str | None, level_index: int, area: str | None,
                      ateco_section: str | None) -> tuple[str, str]:
    """The main dimension first (it weighs most), then level, theme and sector when they contributed."""
    size_it, size_en, _ = SIZES.get(size_class or "", ("imprese", "firms", ""))
    if dim is None or score is None:
        it, en = f"Questo percorso è adatto alle {size_it}", f"This track suits {size_en}"
    else:
        lead_it, lead_en = _lead(dim, score, is_weakest)
        topic_it, topic_en = DIMENSION_TOPICS[dim]
        it = f"{lead_it}; questo percorso lavora {topic_it} per le {size_it}"
        en = f"{lead_en}; this track works {topic_en} for {size_en}"
    if features.get("level_fit", 0.0) >= 0.75:
        level_it, level_en = LEVELS[max(0, min(4, level_index))]
        it, en = f"{it} al tuo livello ({level_it})", f"{en} at your level ({level_en})"
    if features.get("theme_fit", 0.0) > 0 and area in AREAS:
        it += f"; rientra in un tema che ti interessa: {AREAS[area][0]}"
        en += f"; it belongs to a theme you care about: {AREAS[area][1]}"
    if features.get("sector_fit", 0.0) > 0 and ateco_section:
        it += f"; è pensato per il tuo settore (sezione ATECO {ateco_section})"
        en += f"; it is designed for your sector (ATECO section {ateco_section})"
    return it + ".", en + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def grant_explanation(dim: str | None, score: float | None, is_weakest: bool, purposes: Sequence[str],
                      status: str, comuni_count: int) -> tuple[str, str]:
    """Why the call fits the company: what it funds and why that matters to the company. Amounts, deadlines
    and whether requirements need checking are shown beside it from the call itself, so this stored text
    never goes stale ("40 days left" read a month later) nor repeats them."""
    if dim is not None and score is not None:
        (title_it, title_en), (points_it, points_en) = _named(dim), points_text(score)
        which_it = "la tua area più debole: " if is_weakest else "nella tua valutazione: "
        which_en = "your weakest area: " if is_weakest else "you scored "
        it = f"Finanzia progetti nell'area {title_it} ({which_it}{points_it}/100)"
        en = f"It funds projects in {title_en} ({which_en}{points_en}/100)"
    else:
        what = ", ".join(purposes[:2]) or "progetti d'impresa"
        it, en = f"Finanzia: {what}", f"It funds: {what}"
    if comuni_count > 0 and status == "eligible":  # local calls are rarer: worth saying the company is in
        it += "; riservato ad alcuni comuni, tra cui il tuo"
        en += "; limited to some comuni, yours included"
    return it + ".", en + "."
