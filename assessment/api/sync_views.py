"""The national catalogue's sync log, for admin tokens (Bearer)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from ..extensions import db, limiter
from ..services.grant_freshness import last_good_sync
from ..services.grant_sync import list_syncs
from .auth import token_required
from .openapi import PAGE, PER_PAGE, operation, query_args
from .schemas import ref
from .serializers import grant_sync_json, page_json
from .views import READ_LIMIT, bp


@bp.get("/grant-syncs")
@operation(tag="staff", summary=_l("Il registro delle sincronizzazioni del catalogo nazionale (token di "
                                   "amministratore)"),
           description=_l("Le più recenti per prime: esito, pagine e bandi letti, nuovi, modificati, ritirati, "
                          "ricomparsi e scartati, e il motivo di una sincronizzazione non riuscita (che non cambia "
                          "nessun bando). last_good_sync_at: l'ultima riuscita."),
           parameters=(PAGE, PER_PAGE), response=ref("GrantSyncPage"))
@limiter.limit(READ_LIMIT)
@token_required(admin_only=True)
def grant_syncs():
    args = query_args()
    pagination = list_syncs(args["page"], args["per_page"])
    good = last_good_sync(db.session)
    return jsonify(page_json([grant_sync_json(s) for s in pagination.items], args["page"], args["per_page"],
                             pagination.total or 0,
                             last_good_sync_at=good.finished_at.isoformat() + "Z" if good else None))
