"""The owners' grant pages: /bandi (open and upcoming calls, filtered) and /bandi/<id> (one call, and the
eligibility checklist of the company whose result link brought the owner here)."""
from __future__ import annotations

from flask import abort, after_this_request, render_template, request
from flask_babel import gettext as _

from ..clock import local_today
from ..domain.grant_listing import REGIONS, SORTS, GrantQuery
from ..extensions import db
from ..security import no_referrer
from ..services.grant_freshness import grants_updated_on
from ..services.grant_pages import (
    card,
    grant_checklist,
    list_public_grants,
    owner_assessment,
    portal_link,
    public_grant,
)
from ..templating import national_term
from .flow import token_limited
from .forms import GrantSearchForm
from .views import bp


def _search_form() -> GrantSearchForm:
    form = GrantSearchForm(formdata=request.args)
    form.regione.choices = [("", _("Tutte")), *((r, r) for r in REGIONS)]
    return form


def _query(form: GrantSearchForm) -> GrantQuery:
    """The search the form asks for; a value the choices do not hold is ignored rather than refused (purposes
    and aid forms are checked against the open calls' own, by list_public_grants)."""
    def chosen(field, allowed) -> str:
        return field.data if field.data in allowed else ""

    return GrantQuery(
        open_now=bool(form.aperti.data), purpose=form.finalita.data or "",
        size=chosen(form.dimensione, {"micro", "small", "medium", "large"}), aid_form=form.forma.data or "",
        grant_only=bool(form.fondo_perduto.data), region=chosen(form.regione, set(REGIONS)),
        sort=form.ordina.data if form.ordina.data in SORTS else "deadline")


@bp.get("/bandi")
def grants():
    form = _search_form()
    page = request.args.get("pagina", 1, type=int) or 1
    today = local_today()
    listing = list_public_grants(_query(form), page, today)
    form.finalita.choices = [("", _("Tutte")), *((p, national_term(p)) for p in listing.purposes)]
    form.forma.choices = [("", _("Tutte")), *((f, national_term(f)) for f in listing.aid_forms)]
    form.finalita.data, form.forma.data = listing.query.purpose, listing.query.aid_form  # what is applied
    return render_template("public/grants.html", form=form, listing=listing,
                           updated_on=grants_updated_on(db.session))


@bp.get("/bandi/<int:grant_id>")
@token_limited
def grant_detail(grant_id: int):
    grant = public_grant(grant_id)
    if grant is None:
        abort(404)
    token = request.args.get("risultato")
    if token:
        # The result's secret link is in this address: no page it leads to may learn it.
        after_this_request(no_referrer)
    assessment = owner_assessment(token)
    today = local_today()
    checklist = grant_checklist(grant, assessment, today) if assessment is not None else None
    return render_template("public/grant_detail.html", grant=grant, card=card(grant, today), checklist=checklist,
                           portal_link=portal_link(grant), company=assessment.company if assessment else None,
                           token=token if assessment is not None else None,
                           updated_on=grants_updated_on(db.session))
