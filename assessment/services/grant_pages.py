"""The owners' grant pages: the list of open and upcoming calls with its filters, one call, and the eligibility
checklist of the company whose result the owner came from."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from ..domain.eligibility import Gate, eligibility_checklist, grant_facts_from
from ..domain.grant_listing import CLOSED, GrantQuery, Timing, grant_timing, is_listed, sort_grants, vocabulary
from ..domain.grant_records import INCENTIVI_SOURCE
from ..domain.grant_snapshot import PORTAL_LINK_FIELD
from ..extensions import db
from ..models import Assessment, Grant
from .assessments import find_by_token
from .grant_history import lifecycle_status
from .matching import company_facts

PAGE_SIZE = 20


@dataclass(frozen=True)
class GrantCard:
    grant: Grant
    timing: Timing
    status: str  # grant_status: new | amended | withdrawn | unchanged


@dataclass(frozen=True)
class GrantListing:
    cards: list[GrantCard]
    total: int
    page: int
    pages: int
    purposes: list[str]  # the choices of the filters: values the listed calls use
    aid_forms: list[str]
    query: GrantQuery  # the search as applied: a purpose or aid form no open call uses is dropped

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def card(grant: Grant, today: date) -> GrantCard:
    """A withdrawn call is closed whatever its dates say (no "Scade tra …" beside "no longer on the catalogue")."""
    timing = Timing(CLOSED, None, None) if grant.is_withdrawn else grant_timing(grant.opens_on, grant.closes_on,
                                                                                  today)
    return GrantCard(grant, timing, lifecycle_status(grant, today))


def list_public_grants(query: GrantQuery, page: int, today: date) -> GrantListing:
    """One page of the open and upcoming calls this search keeps. The calls still open are read in one query
    and filtered here (their list columns are JSON, the same on SQLite and PostgreSQL): a constant number of
    queries, whatever the number of calls."""
    candidates = list(db.session.execute(
        db.select(Grant).where(Grant.is_active.is_(True), Grant.withdrawn_at.is_(None),
                               Grant.closes_on.is_(None) | (Grant.closes_on >= today))
    ).scalars())
    purposes, aid_forms = vocabulary(candidates, "purposes"), vocabulary(candidates, "aid_forms")
    # a value no open call uses (an old bookmark, a hand-typed address) is ignored, as unknown sizes are
    query = replace(query, purpose=query.purpose if query.purpose in purposes else "",
                    aid_form=query.aid_form if query.aid_form in aid_forms else "")
    kept = sort_grants((g for g in candidates if is_listed(g, query, today)), query.sort)
    pages = max(1, math.ceil(len(kept) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = kept[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return GrantListing(cards=[card(g, today) for g in shown], total=len(kept), page=page, pages=pages,
                        purposes=purposes, aid_forms=aid_forms, query=query)


def public_grant(grant_id: int) -> Grant | None:
    """A call as owners see it; one an admin switched off is not shown (a withdrawn one is, saying so)."""
    grant = db.session.get(Grant, grant_id)
    return grant if grant is not None and grant.is_active else None


PORTAL = "https://www.incentivi.gov.it"
PORTAL_CATALOGUE = PORTAL + "/it/catalogo"


def portal_link(grant: Grant) -> str | None:
    """The call's page on incentivi.gov.it when its record names it (the bundled snapshot does), else the
    portal's catalogue; None for a call that is not on the national catalogue."""
    if grant.source != INCENTIVI_SOURCE:
        return None
    link = (grant.raw or {}).get(PORTAL_LINK_FIELD)
    if isinstance(link, str) and link.startswith(PORTAL + "/"):
        return link
    return PORTAL_CATALOGUE


def owner_assessment(token: str | None) -> Assessment | None:
    """The submitted assessment behind a result link (/risultato/<token>), or None: the result page and the
    grant page's checklist both ask this."""
    assessment = find_by_token(token) if token else None
    if assessment is None or not assessment.is_submitted or assessment.company is None:
        return None
    return assessment


def grant_checklist(grant: Grant, assessment: Assessment, today: date) -> tuple[Gate, ...]:
    return eligibility_checklist(company_facts(assessment.company), grant_facts_from(grant), today)
