"""Look-ups in the reference tables: comuni, the territories they belong to and ATECO codes."""
from __future__ import annotations

import re

from sqlalchemy import func, or_

from ..extensions import db
from ..models import AtecoCode, Comune, Territory, territory_comuni

_WITH_PROVINCE = re.compile(r"^(?P<name>.+?)\s*\((?P<sigla>[A-Za-z]{2})\)\s*$")


def comune_label(comune: Comune) -> str:
    return f"{comune.name} ({comune.province_code})"


def resolve_comune(text: str | None) -> Comune | None:
    """'001125', 'Ivrea' (when the name is unique) or 'Ivrea (TO)' → the comune; else None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) == 6:
        return db.session.get(Comune, text)
    query = db.select(Comune)
    match = _WITH_PROVINCE.match(text)
    if match:
        query = query.where(func.lower(Comune.name) == match["name"].strip().lower(),
                            Comune.province_code == match["sigla"].upper())
    else:
        query = query.where(func.lower(Comune.name) == text.lower())
    found = db.session.execute(query.limit(2)).scalars().all()
    return found[0] if len(found) == 1 else None


def search_comuni(term: str, limit: int = 20) -> list[Comune]:
    term = term.strip()
    if len(term) < 2:
        return []
    return list(db.session.execute(
        db.select(Comune).where(or_(Comune.name.ilike(f"{term}%"), Comune.istat_code == term))
        .order_by(Comune.name).limit(limit)
    ).scalars())


def ateco_entry(code: str | None) -> AtecoCode | None:
    code = (code or "").strip()
    return db.session.get(AtecoCode, code) if code else None


def search_ateco(term: str, limit: int = 20) -> list[AtecoCode]:
    term = term.strip()
    if len(term) < 2:
        return []
    if term[0].isdigit():
        condition = AtecoCode.code.like(f"{term}%")
    else:
        condition = AtecoCode.title.ilike(f"%{term}%")
    return list(db.session.execute(
        db.select(AtecoCode).where(condition, AtecoCode.level != "sezione")
        .order_by(AtecoCode.code).limit(limit)
    ).scalars())


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
