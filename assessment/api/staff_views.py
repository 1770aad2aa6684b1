"""Endpoints for staff tokens (Bearer): a coach reads the companies linked to them; an admin also lists
every company, reads its matches and the programme's statistics. Every company read is audited."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from ..errors import json_error
from ..extensions import db, limiter
from ..models import Comune, Territory
from ..services.api_companies import (
    companies_page,
    company_matches,
    latest_assessment,
    statistics,
    visible_company,
)
from ..services.dashboard import DashboardFilters
from .auth import current_token, token_required
from .openapi import PAGE, PER_PAGE, InvalidQuery, Param, operation, query_args
from .schemas import MAX_ID, SIZE_CLASSES, ref
from .serializers import company_json, matches_json, page_json, statistics_json
from .views import READ_LIMIT, bp

STATISTICS_FILTERS = (
    Param("comune_istat", _l("Codice ISTAT del comune."), pattern=r"^[0-9]{6}$", example="001125"),
    Param("territory_id", _l("Territorio del programma."), "integer", minimum=1, maximum=MAX_ID),
    Param("ateco_section", _l("Sezione ATECO (una lettera)."), pattern=r"^[A-Z]$", example="C"),
    Param("size_class", _l("Dimensione dell'impresa."), enum=SIZE_CLASSES),
    Param("date_from", _l("Valutazioni inviate da questa data (AAAA-MM-GG)."), format="date"),
    Param("date_to", _l("Valutazioni inviate fino a questa data compresa (AAAA-MM-GG)."), format="date"),
)


@bp.get("/companies")
@operation(tag="staff", summary=_l("Le imprese che il token può vedere, le più recenti per prime"),
           description=_l("Con un token di amministratore, tutte; con quello di un coach, le imprese che gli sono "
                          "state proposte o assegnate e che hanno accettato di essere contattate."),
           parameters=(PAGE, PER_PAGE), response=ref("CompanyPage"))
@limiter.limit(READ_LIMIT)
@token_required()
def companies():
    args = query_args()
    rows, total = companies_page(current_token(), args["page"], args["per_page"])
    body = page_json([company_json(c, latest_assessment(c)) for c in rows], args["page"], args["per_page"], total)
    db.session.commit()  # the audit entries of the reads; after serialising, as a commit expires the rows
    return jsonify(body)


@bp.get("/companies/<int:company_id>")
@operation(tag="staff", summary=_l("Un'impresa e la sua ultima valutazione"),
           description=_l("Un coach legge solo le imprese che gli sono state proposte o assegnate e che hanno "
                          "accettato di essere contattate; le altre rispondono 404."),
           response=ref("Company"))
@limiter.limit(READ_LIMIT)
@token_required()
def company(company_id: int):
    found = visible_company(current_token(), company_id, "company")
    if found is None:
        return json_error(404, "not_found", "no such company for this token")
    body = company_json(found, latest_assessment(found))
    db.session.commit()  # the audit entry of the read
    return jsonify(body)


@bp.get("/companies/<int:company_id>/matches")
@operation(tag="staff", summary=_l("Percorsi e bandi consigliati a un'impresa (token di amministratore)"),
           response=ref("Matches"))
@limiter.limit(READ_LIMIT)
@token_required(admin_only=True)
def matches(company_id: int):
    found = company_matches(current_token(), company_id)
    if found is None:
        return json_error(404, "not_found", "no such company")
    body = matches_json(found)
    db.session.commit()  # the audit entry of the read
    return jsonify(body)


@bp.get("/statistics")
@operation(tag="staff", summary=_l("Statistiche del programma (token di amministratore)"),
           description=_l("I gruppi con meno di 5 imprese non riportano valori (null), così nessuna impresa è "
                          "riconoscibile."),
           parameters=STATISTICS_FILTERS, response=ref("Statistics"))
@limiter.limit(READ_LIMIT)
@token_required(admin_only=True)
def programme_statistics():
    filters = DashboardFilters(**query_args())
    errors = {}
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = "must not precede date_from"
    # A typo must not read as "no companies there".
    if filters.comune_istat and db.session.get(Comune, filters.comune_istat) is None:
        errors["comune_istat"] = "unknown ISTAT code"
    if filters.territory_id and db.session.get(Territory, filters.territory_id) is None:
        errors["territory_id"] = "unknown territory"
    if errors:
        raise InvalidQuery(errors)
    return jsonify(statistics_json(statistics(filters)))
