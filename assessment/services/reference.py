"""Look-ups in the reference tables: comuni, the territories they belong to and ATECO codes."""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from ..config import PROJECT_ROOT
from ..domain.ateco import AtecoIndex, normalise_code
from ..domain.comuni_names import normalise_name
from ..extensions import db
from ..models import AtecoCode, Comune, Territory, territory_comuni

_WITH_PROVINCE = re.compile(r"^(?P<name>.+?)\s*\((?P<sigla>[A-Za-z]{2})\)\s*$")
_LOOSE_PROVINCE = re.compile(r"^(?P<name>.+?)[\s,]+(?P<sigla>[A-Za-z]{2})\s*$")


def comune_label(comune: Comune) -> str:
    return f"{comune.name} ({comune.province_code})"


def find_comuni(text: str | None) -> list[Comune]:
    """The comuni a typed text names: '001125', 'Ivrea', 'Ivrea (TO)'; case and accents ignored ('Aglie' is
    Agliè). Two or more when a name is shared (Samone TO and TN) and no province is given."""
    text = (text or "").strip()
    if not text:
        return []
    if text.isdigit() and len(text) == 6:
        comune = db.session.get(Comune, text)
        return [comune] if comune else []
    match = _WITH_PROVINCE.match(text)
    found = _named(match["name"], match["sigla"]) if match else _named(text, None)
    loose = _LOOSE_PROVINCE.match(text)
    if not found and loose:  # "Ivrea TO", "Ivrea, TO": tried only when no comune has the whole text as name
        found = _named(loose["name"], loose["sigla"])
    return found


def _named(name: str, sigla: str | None) -> list[Comune]:
    query = db.select(Comune).where(Comune.name.ilike(f"{_ascii_start(name.strip())}%"))
    if sigla:
        query = query.where(Comune.province_code == sigla.upper())
    wanted = normalise_name(name)
    return [c for c in db.session.execute(query.order_by(Comune.name)).scalars()
            if normalise_name(c.name) == wanted]


def _ascii_start(text: str) -> str:
    """The plain leading letters SQL can match whatever the accents further on (at most three)."""
    start = ""
    for char in text[:3]:
        if not (char.isascii() and char.isalpha()):
            break
        start += char
    return start


def comuni_by_codes(codes: list[str]) -> list[Comune]:
    """The comuni of these ISTAT codes, in the order given (a coach's list, as it was saved)."""
    if not codes:
        return []
    found = {c.istat_code: c for c in db.session.execute(
        db.select(Comune).where(Comune.istat_code.in_(codes))).scalars()}
    return [found[code] for code in codes if code in found]


def resolve_comune(text: str | None) -> Comune | None:
    """The one comune a typed text names; None when it names none or several."""
    found = find_comuni(text)
    return found[0] if len(found) == 1 else None


def search_comuni(term: str, limit: int = 20) -> list[Comune]:
    """Suggestions while typing: comuni whose name starts with the term (accents ignored), or the code."""
    term = term.strip()
    if len(term) < 2:
        return []
    if term.isdigit():
        return list(db.session.execute(db.select(Comune).where(Comune.istat_code.like(f"{term}%"))
                                       .order_by(Comune.istat_code).limit(limit)).scalars())
    wanted = normalise_name(term)
    candidates = db.session.execute(db.select(Comune).where(Comune.name.ilike(f"{_ascii_start(term)}%"))
                                    .order_by(Comune.name)).scalars()
    return [c for c in candidates if normalise_name(c.name).startswith(wanted)][:limit]


@lru_cache(maxsize=1)
def section_titles_en() -> dict[str, str]:
    """English titles of the ATECO 2025 sections (ISTAT publishes Italian only): NACE Rev. 2.1's, whose
    sections ATECO 2025 keeps letter for letter."""
    with open(PROJECT_ROOT / "assessment" / "data" / "nace21_sections_en.csv", newline="", encoding="utf-8") as handle:
        return {row["code"]: row["title_en"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def ateco_index() -> AtecoIndex:
    """The ATECO 2025 tree and its correspondence to ATECO 2007/2022, read once per process."""
    return AtecoIndex(PROJECT_ROOT / "assessment" / "data")


def ateco_entry(code: str | None) -> AtecoCode | None:
    code = normalise_code(code or "")  # "107110" is 10.71.10
    return db.session.get(AtecoCode, code) if code else None


def search_ateco(term: str, limit: int = 20) -> list[AtecoCode]:
    """By code prefix, or by the words of the activity (accents, case, singular or plural ignored), in the
    search's order: the likeliest first."""
    term = term.strip()
    if len(term) < 2:
        return []
    codes = [entry.code for entry in ateco_index().search(term, limit)]
    if not codes:
        return []
    rows = db.session.execute(db.select(AtecoCode).where(AtecoCode.code.in_(codes))).scalars()
    found = {row.code: row for row in rows}
    return [found[code] for code in codes if code in found]


def territory_keys_by_comune(comuni: set[str]) -> dict[str, frozenset[str]]:
    """The keys of the territories each of these comuni belongs to (a comune in none is left out)."""
    rows = db.session.execute(
        db.select(territory_comuni.c.comune_istat, Territory.key)
        .join(Territory, Territory.id == territory_comuni.c.territory_id)
        .where(territory_comuni.c.comune_istat.in_(comuni))
    ).all()
    keys: dict[str, set[str]] = {}
    for comune, key in rows:
        keys.setdefault(comune, set()).add(key)
    return {c: frozenset(k) for c, k in keys.items()}
