"""Public catalogue endpoints: active tracks with their free seats, open grants with the eligibility of a
company described by query parameters (the rule is domain.eligibility's, as on every other page)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from ..clock import local_today
from ..errors import json_error
from ..extensions import limiter
from ..services.api_catalogue import (
    GrantFilters,
    active_track,
    grant_line,
    grants_page,
    tracks_page,
)
from .openapi import PAGE, PER_PAGE, Param, operation, query_args
from .schemas import ELIGIBILITY_STATUSES, SIZE_CLASSES, ref
from .serializers import DOMAIN_ELIGIBILITY, grant_json, page_json, track_json
from .views import READ_LIMIT, bp

TRACK_FILTERS = (
    Param("thematic_area", _l("Chiave dell'area tematica."), max_length=60,
          example="digital_innovation"),
    Param("format", _l("Formato del percorso."), enum=("workshop", "coaching", "online_course")),
)
GRANT_FILTERS = (
    Param("open_on", _l("Bandi aperti in questa data (AAAA-MM-GG); oggi se manca."), format="date",
          default=local_today, example="2025-06-30"),  # the programme's day, not the server's
    Param("size_class", _l("Dimensione dell'impresa."), enum=SIZE_CLASSES),
    Param("region", _l("Regione dell'impresa: nome o codice ISTAT a due cifre."), max_length=60,
          example="Piemonte"),
    Param("comune_istat", _l("Codice ISTAT del comune dell'impresa."), pattern=r"^[0-9]{6}$", example="001125"),
    Param("ateco_code", _l("Codice ATECO 2025 dell'impresa."), max_length=10, example="10.71.10"),
)
CHANGED_SINCE = Param("changed_since", _l("Solo i bandi nuovi, modificati o ritirati da questo momento (data "
                                           "AAAA-MM-GG, dall'inizio del giorno in Italia, o data e ora ISO 8601; "
                                           "senza fuso: UTC), anche chiusi o ritirati; open_on allora dice solo "
                                           "is_open."), format="date-time", example="2026-12-01T00:00:00Z")
STATUS = Param("status", _l("Solo i bandi con questo esito di ammissibilità (serve almeno un filtro "
                            "sull'impresa)."), enum=(*ELIGIBILITY_STATUSES, "any"), default="any")


@bp.get("/tracks")
@operation(tag="catalogue", summary=_l("Percorsi attivi, i più vicini per primi"),
           parameters=(*TRACK_FILTERS, PAGE, PER_PAGE), response=ref("TrackPage"))
@limiter.limit(READ_LIMIT)
def tracks():
    args = query_args()
    rows, total = tracks_page(args["thematic_area"], args["format"], args["page"], args["per_page"])
    return jsonify(page_json([track_json(track, free) for track, free in rows], args["page"], args["per_page"],
                             total))


@bp.get("/tracks/<int:track_id>")
@operation(tag="catalogue", summary=_l("Un percorso attivo"), response=ref("Track"))
@limiter.limit(READ_LIMIT)
def track(track_id: int):
    row = active_track(track_id)
    if row is None:
        return json_error(404, "not_found", "no such active track")
    return jsonify(track_json(*row))


@bp.get("/grants")
@operation(tag="catalogue", summary=_l("Bandi aperti, con l'ammissibilità di un'impresa descritta dai filtri"),
           description=_l("Con almeno un filtro sull'impresa (dimensione, regione, comune, ATECO) ogni bando "
                          "riporta l'esito di ammissibilità e i motivi, in italiano e in inglese. Con "
                          "changed_since, i bandi cambiati da allora sul catalogo, ritirati compresi, ciascuno "
                          "con il suo stato (new, amended, withdrawn, unchanged)."),
           parameters=(*GRANT_FILTERS, STATUS, CHANGED_SINCE, PAGE, PER_PAGE), response=ref("GrantPage"))
@limiter.limit(READ_LIMIT)
def grants():
    args = query_args()
    page, per_page = args.pop("page"), args.pop("per_page")
    args["status"] = DOMAIN_ELIGIBILITY.get(args["status"], args["status"])  # "any" stays
    lines, total = grants_page(GrantFilters(**args), page, per_page)
    extra = {"changed_since": args["changed_since"].isoformat() + "Z"} if args["changed_since"] else {}
    return jsonify(page_json([grant_json(line) for line in lines], page, per_page, total,
                             open_on=args["open_on"].isoformat(), **extra))


@bp.get("/grants/<int:grant_id>")
@operation(tag="catalogue", summary=_l("Un bando attivo, con l'ammissibilità di un'impresa descritta dai "
                                       "filtri"), parameters=GRANT_FILTERS, response=ref("Grant"))
@limiter.limit(READ_LIMIT)
def grant(grant_id: int):
    line = grant_line(grant_id, GrantFilters(**query_args()))
    if line is None:
        return json_error(404, "not_found", "no such active grant")
    return jsonify(grant_json(line))
