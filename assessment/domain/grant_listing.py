"""The owners' list of calls (/bandi): which open and upcoming calls a search shows, in which order, and what
each says about its dates ("Scade tra N giorni", "A sportello", "Apre il …").

Decisions: "open now" leaves out calls not yet open; without it the list shows open and upcoming calls. A size,
purpose, aid form or region a call does not state restricts nothing (an empty list means "not stated"). "Solo
fondo perduto" keeps the calls whose every aid form is a non-repayable grant (Contributo/Fondo perduto), so a
loan with a grant share is left out. Sorts: deadline (soonest first, "a sportello" last), newest (first seen
on the catalogue, latest first), amount (largest aid first, no amount last); ties by id.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from .eligibility import admits_region, is_open, is_still_open

GRANT_FORM = "Contributo/Fondo perduto"
SORTS = ("deadline", "newest", "amount")
# The regions of the national vocabulary (incentivi.gov.it), as its records name them.
REGIONS = (
    "Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna", "Friuli-Venezia Giulia", "Lazio", "Liguria",
    "Lombardia", "Marche", "Molise", "Piemonte", "Puglia", "Sardegna", "Sicilia", "Toscana",
    "Trentino-Alto Adige/Südtirol", "Umbria", "Valle d'Aosta/Vallée d'Aoste", "Veneto",
)
OPEN, UPCOMING, CLOSED = "open", "upcoming", "closed"
T = TypeVar("T")


@dataclass(frozen=True)
class GrantQuery:
    open_now: bool = False
    purpose: str = ""
    size: str = ""  # micro | small | medium | large; "" any
    aid_form: str = ""
    grant_only: bool = False  # "solo fondo perduto"
    region: str = ""
    sort: str = "deadline"


@dataclass(frozen=True)
class Timing:
    state: str  # OPEN | UPCOMING | CLOSED
    days_left: int | None  # open with a closing day: days to it (0 = closes today); else None
    opens_on: date | None  # upcoming: the day it opens

    @property
    def is_sportello(self) -> bool:
        """Open until funds run out: no closing day."""
        return self.state == OPEN and self.days_left is None


def grant_timing(opens_on: date | None, closes_on: date | None, today: date) -> Timing:
    if closes_on is not None and closes_on < today:
        return Timing(CLOSED, None, None)
    if opens_on is not None and opens_on > today:
        return Timing(UPCOMING, None, opens_on)
    return Timing(OPEN, None if closes_on is None else (closes_on - today).days, None)


def is_listed(grant: object, query: GrantQuery, today: date) -> bool:
    """Does the call (any object with the Grant's attribute names) belong on /bandi for this search?"""
    if not is_still_open(grant, today):
        return False
    if query.open_now and not is_open(grant, today):
        return False
    sizes = getattr(grant, "sizes", None) or ()
    if query.size and sizes and query.size not in sizes:
        return False
    purposes = getattr(grant, "purposes", None) or ()
    if query.purpose and query.purpose not in purposes:
        return False
    forms = getattr(grant, "aid_forms", None) or ()
    if query.aid_form and query.aid_form not in forms:
        return False
    if query.grant_only and (not forms or any(form != GRANT_FORM for form in forms)):
        return False
    return not query.region or admits_region(getattr(grant, "regions", None) or (), query.region)


def _first_seen(grant: object) -> datetime:
    return getattr(grant, "first_seen_at", None) or datetime.min


def sort_grants(grants: Iterable[T], sort: str) -> list[T]:
    """The calls in the order a sort names (an unknown sort is the deadline)."""
    by_id = sorted(grants, key=lambda g: getattr(g, "id", 0) or 0)
    if sort == "newest":
        return sorted(by_id, key=_first_seen, reverse=True)
    if sort == "amount":
        with_amount = [g for g in by_id if getattr(g, "aid_max_eur", None) is not None]
        without = [g for g in by_id if getattr(g, "aid_max_eur", None) is None]
        return sorted(with_amount, key=lambda g: g.aid_max_eur, reverse=True) + without
    return sorted(by_id, key=lambda g: (g.closes_on is None, g.closes_on or date.max))


def vocabulary(grants: Sequence[object], name: str) -> list[str]:
    """The values a list attribute takes across these calls, sorted: the choices of a filter."""
    return sorted({value for grant in grants for value in (getattr(grant, name, None) or ())})
