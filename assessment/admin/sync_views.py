"""The national catalogue's updates: the sync log, «Sincronizza ora», and the warning every admin page shows
when the last good sync is too old."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..jobs import start_sync
from ..models import utcnow
from ..public.forms import EmptyForm
from ..services.audit import record
from ..services.grant_freshness import last_good_sync
from ..services.grant_sync import is_stale, list_syncs
from .views import bp, page_number


@bp.context_processor
def catalogue_freshness() -> dict:
    """One query per admin page: is the national catalogue current?"""
    if not (current_user.is_authenticated and current_user.is_admin):
        return {}
    last = last_good_sync(db.session)
    days = current_app.config["GRANT_SYNC_STALE_DAYS"]
    return {"catalogue_last_sync": last, "catalogue_is_stale": is_stale(last, utcnow(), days),
            "catalogue_stale_days": days}


@bp.get("/bandi/aggiornamenti")
def grant_syncs():
    return render_template("admin/grant_syncs.html", pagination=list_syncs(page_number()), form=EmptyForm())


@bp.post("/bandi/aggiornamenti/sincronizza")
def grant_sync_start():
    if not EmptyForm().validate_on_submit():
        abort(400)
    run = start_sync(current_app.config["REDIS_URL"])
    if run == "already":
        flash(_("Una sincronizzazione è già in corso o in attesa: il registro la mostrerà al termine."), "warning")
        return redirect(url_for("admin.grant_syncs"))
    record("grant_sync_started", None, queued=run is None)
    db.session.commit()
    if run is None:
        flash(_("Sincronizzazione avviata in background: tra qualche minuto il registro ne mostrerà l'esito."),
              "success")
    elif run.result.is_success:
        log = run.result.sync
        flash(_("Catalogo sincronizzato: %(new)s nuovi, %(amended)s modificati, %(withdrawn)s ritirati.",
                new=log.new, amended=log.amended, withdrawn=log.withdrawn), "success")
    else:
        flash(_("Sincronizzazione non riuscita: nessun bando è stato modificato. Motivo: %(error)s",
                error=run.result.sync.error), "error")
    return redirect(url_for("admin.grant_syncs"))
