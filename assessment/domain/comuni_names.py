"""Matching comune names as written in grant calls to ISTAT codes, accent- and apostrophe-insensitively."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

ALL_COMUNI = "tutti i comuni"
_SEPARATORS = re.compile(r"[\s'’‘`´\-‐–—.]+")


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """'Sant’Albano-Stura ' -> 'sant albano stura'; 'Mondovì' and "Mondovi'" -> 'mondovi'."""
    plain = str(name).casefold()
    if not plain.isascii():
        plain = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", plain).strip()


def comune_name_index(rows: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """Normalised name -> ISTAT code, from (code, name, alternative-language name) rows.

    Bilingual names ("Bolzano/Bozen") are indexed under each part. A name shared by comuni with
    different codes (e.g. Samone, TO and TN) is left out: it cannot be resolved without more context,
    so callers that know the region should build the index from that region's rows only.
    """
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for code, name, alt_name in rows:
        names = [part for full in (name, alt_name) if full for part in (full, *full.split("/"))]
        for key in {normalise_name(n) for n in names} - {""}:
            if key in ambiguous:
                continue
            if key in index and index[key] != code:
                ambiguous.add(key)
                del index[key]
            else:
                index[key] = code
    return index


def split_comuni(text: str | Iterable[str] | None) -> list[str]:
    """The names of a '; '-separated Comuni field (or a list); empty when it says 'Tutti i comuni'."""
    if not text:
        return []
    items = text.split(";") if isinstance(text, str) else [str(t) for t in text]
    names = [item.strip() for item in items if item and item.strip()]
    if any("tutti" in n.casefold() and normalise_name(n) == ALL_COMUNI for n in names):
        return []
    return names


def resolve_comuni(names: list[str], index: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(ISTAT codes found, names not found), each in input order without repeats.

    A 6-digit entry is taken as an ISTAT code when the index knows it. 'Tutti i comuni' anywhere
    means no restriction: ([], []).
    """
    if any("tutti" in str(n).casefold() and normalise_name(n) == ALL_COMUNI for n in names):
        return [], []
    known_codes: set[str] | None = None
    resolved: list[str] = []
    unresolved: list[str] = []
    for name in names:
        text = str(name).strip()
        if not text:
            continue
        code = index.get(normalise_name(text))
        if code is None and text.isdigit() and len(text) == 6:
            if known_codes is None:
                known_codes = set(index.values())
            code = text if text in known_codes else None
        if code is None:
            if text not in unresolved:
                unresolved.append(text)
        elif code not in resolved:
            resolved.append(code)
    return resolved, unresolved
