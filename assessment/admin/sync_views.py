"""The national catalogue's updates: the sync log, «Sincronizza ora», and the warning every admin page shows
when the last good sync is too old."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..jobs import start_sync
from ..models import utcnow
from ..public.forms import EmptyForm
from ..services.audit import record
from ..services.grant_freshness import admin_freshness
from ..services.grant_sync import list_syncs
from .views import bp, page_number


@bp.context_processor
def catalogue_freshness() -> dict:
    """Every admin page (its own and those it shares with coaches) warns when the national catalogue is not
    current; base.html shows it."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return {}
    days = current_app.config["GRANT_SYNC_STALE_DAYS"]
    return {"catalogue_freshness": admin_freshness(db.session, utcnow(), days), "catalogue_stale_days": days}


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
        flash(_("Catalogo sincronizzato: %(changes)s.", changes=sync_counts(log)), "success")
    else:
        flash(_("Sincronizzazione non riuscita: nessun bando è stato modificato. %(why)s Il dettaglio tecnico è "
                "nel registro qui sotto; puoi riprovare più tardi.",
                why=failure_reason(run.result.failure)), "error")
    return redirect(url_for("admin.grant_syncs"))


def sync_counts(log) -> str:
    """"1 nuovo, 2 modificati, 0 ritirati" (and the calls back on the catalogue, when there are any)."""
    parts = [ngettext("%(num)d nuovo", "%(num)d nuovi", log.new),
             ngettext("%(num)d modificato", "%(num)d modificati", log.amended),
             ngettext("%(num)d ritirato", "%(num)d ritirati", log.withdrawn)]
    if log.reappeared:
        parts.append(ngettext("%(num)d ricomparso", "%(num)d ricomparsi", log.reappeared))
    return ", ".join(parts)


def failure_reason(kind: str | None) -> str:
    """Why a sync failed, said to a programme manager (the log keeps the technical detail)."""
    reasons = {
        "unreachable": _("Il portale incentivi.gov.it non è raggiungibile da questo server."),
        "timeout": _("Il portale incentivi.gov.it non ha risposto in tempo."),
        "refused": _("Il portale incentivi.gov.it ha risposto con un errore."),
        "malformed": _("Il portale incentivi.gov.it ha inviato una risposta che non si riesce a leggere."),
        "moving": _("Il catalogo è cambiato mentre veniva letto."),
        "too_few": _("Il portale ha elencato troppo pochi bandi per essere credibile."),
        "database": _("Il database non ha accettato le modifiche."),
    }
    return reasons.get(kind or "", _("La lettura del catalogo non è andata a buon fine."))
