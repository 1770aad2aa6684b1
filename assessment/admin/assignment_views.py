"""Admins run the assignment, see the proposal, override any pair, then send it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..public.forms import EmptyForm
from ..services.assignment import (
    build_plan,
    over_capacity,
    overdue_proposals,
    send_proposals,
)
from .views import bp

NOT_NOW = "0"


@bp.get("/assegnazioni")
def assignments():
    context = build_plan()
    proposed = {p.company_id: p for p in context.plan.pairs}
    return render_template("admin/assignments.html", context=context, proposed=proposed,
                           overdue=overdue_proposals(), form=EmptyForm(), not_now=NOT_NOW)


@bp.post("/assegnazioni")
def send_assignments():
    if not EmptyForm().validate_on_submit():
        flash(_("Sessione scaduta: riprova."), "error")
        return redirect(url_for("admin.assignments"))
    context = build_plan()
    proposed = {p.company_id: p for p in context.plan.pairs}
    # Chosen on the page but no longer waiting: another admin (or tab) proposed them since the page was shown.
    gone = [key for key, value in request.form.items() if key.startswith("coach_") and value != NOT_NOW
            and key[6:].isdigit() and int(key[6:]) not in context.companies]
    pairs = []
    for company_id in context.companies:
        chosen = request.form.get(f"coach_{company_id}", NOT_NOW)
        if chosen == NOT_NOW or not chosen.isdigit() or int(chosen) not in context.coaches:
            continue
        coach_id = int(chosen)
        plan_pair = proposed.get(company_id)
        if plan_pair and plan_pair.coach_id == coach_id:
            pairs.append((company_id, coach_id, plan_pair.fit, {"it": plan_pair.reason_it, "en": plan_pair.reason_en}))
        else:
            pairs.append((company_id, coach_id, 0.0, {"it": "Scelta del gestore del programma.",
                                                      "en": "Chosen by the programme manager."}))
    crowded = over_capacity(pairs, context)
    created, unmailed, taken = send_proposals(pairs, proposed_by=current_user)
    db.session.commit()
    flash(ngettext("%(num)d proposta inviata ai coach.", "%(num)d proposte inviate ai coach.", len(created)),
          "success")
    if gone or taken:
        flash(ngettext("%(num)d impresa scelta non era più in attesa di un coach (nel frattempo è stata proposta "
                       "da un'altra richiesta, o ha ritirato il consenso): nessuna seconda proposta è partita. "
                       "Controlla l'elenco aggiornato.",
                       "%(num)d imprese scelte non erano più in attesa di un coach (nel frattempo sono state "
                       "proposte da un'altra richiesta, o hanno ritirato il consenso): nessuna seconda proposta è "
                       "partita. Controlla l'elenco aggiornato.", len(gone) + len(taken)), "warning")
    for coach, count, free in crowded:
        flash(_("%(name)s: proposte inviate %(count)d, posti liberi %(free)d. Potrà accettarle man mano che "
                "conclude gli accompagnamenti in corso.", name=coach.name or coach.email, count=count, free=free),
              "warning")
    if unmailed:
        flash(ngettext("%(num)d coach non ha ricevuto l'e-mail di avviso: trova comunque le proposte nel suo spazio.",
                       "%(num)d coach non hanno ricevuto l'e-mail di avviso: trovano comunque le proposte nel "
                       "loro spazio.", unmailed), "warning")
    return redirect(url_for("admin.assignments"))
