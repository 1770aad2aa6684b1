"""The owner's grant alerts and deadline calendars: subscribe from the result, confirm from the mailed link,
unsubscribe (a page with a form, and RFC 8058 one-click from the mail's header), the secret calendar feed and
one call's deadline as a calendar file."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..clock import local_today
from ..downloads import attachment
from ..extensions import csrf, db
from ..models import Grant
from ..services import alert_subscriptions as alerts
from ..services import calendars
from .flow import link_gone, token_limited
from .forms import EmptyForm
from .result import _acted_on
from .views import bp


@bp.post("/risultato/<token>/avvisi")
@token_limited
def alerts_subscribe(token: str):
    assessment = _acted_on(token)
    company = assessment.company
    if not company.email:
        flash(_("Per ricevere gli avvisi serve l'indirizzo e-mail dell'impresa: aggiungilo rifacendo la "
                "valutazione."), "error")
        return redirect(url_for("public.result", token=token, _anchor="avvisi"))
    subscription, mailed = alerts.subscribe(company, token)
    db.session.commit()
    if subscription.is_active:
        flash(_("Gli avvisi sono già attivi."), "info")
    elif mailed:
        flash(_("Ti abbiamo scritto a %(email)s: apri il link nell'e-mail per confermare gli avvisi.",
                email=subscription.email), "success")
    else:
        flash(_("Non siamo riusciti a inviare l'e-mail di conferma: riprova più tardi."), "error")
    return redirect(url_for("public.result", token=token, _anchor="avvisi"))


@bp.post("/risultato/<token>/avvisi/ritira")
@token_limited
def alerts_withdraw(token: str):
    assessment = _acted_on(token)
    subscription = alerts.subscription_of(assessment.company)
    if subscription is not None and alerts.withdraw(subscription, via="result_page"):
        db.session.commit()
        flash(_("Non riceverai più avvisi sui bandi."), "success")
    return redirect(url_for("public.result", token=token, _anchor="avvisi"))


@bp.route("/avvisi/conferma/<token>", methods=["GET", "POST"])
@token_limited
def alerts_confirm(token: str):
    # A page with a button, not a GET that confirms: mail scanners open links, they do not press buttons.
    subscription = alerts.by_confirm_token(token)
    if subscription is None:
        link_gone("alerts")
    form = EmptyForm()
    if form.validate_on_submit():
        alerts.confirm(subscription)
        db.session.commit()
        return render_template("public/alerts_done.html", confirmed=True, subscription=subscription)
    if subscription.confirmed_at is not None:
        return render_template("public/alerts_done.html", confirmed=True, subscription=subscription)
    return render_template("public/alerts_confirm.html", form=form, subscription=subscription)


@bp.route("/avvisi/disiscrivi/<token>", methods=["GET", "POST"])
@token_limited
def alerts_unsubscribe(token: str):
    subscription = alerts.by_unsubscribe_token(token)
    if subscription is None:
        link_gone("alerts")
    form = EmptyForm()
    if form.validate_on_submit():
        alerts.withdraw(subscription, via="mail_link")
        db.session.commit()
    if subscription.withdrawn_at is not None:
        return render_template("public/alerts_done.html", confirmed=False, subscription=subscription)
    return render_template("public/alerts_unsubscribe.html", form=form, subscription=subscription)


@bp.post("/avvisi/disiscrivi/<token>/one-click")
@csrf.exempt  # RFC 8058: the mail reader posts without a page; the secret in the address authenticates it
@token_limited
def alerts_one_click(token: str):
    subscription = alerts.by_unsubscribe_token(token)
    if subscription is None:
        abort(404)
    alerts.withdraw(subscription, via="one_click")
    db.session.commit()
    return Response(_("Iscrizione annullata."), mimetype="text/plain")


@bp.get("/bandi/calendario/<token>.ics")
@token_limited
def calendar_feed(token: str):
    company = calendars.company_by_feed_token(token)
    if company is None:
        abort(404)
    return Response(calendars.company_feed(company, local_today()), mimetype="text/calendar")


@bp.post("/risultato/<token>/calendario/rinnova")
@token_limited
def calendar_renew(token: str):
    assessment = _acted_on(token)
    calendars.renew(assessment.company)
    db.session.commit()
    flash(_("Nuovo indirizzo del calendario creato: quello vecchio non funziona più. Aggiorna l'iscrizione nella "
            "tua app di calendario."), "success")
    return redirect(url_for("public.result", token=token, _anchor="calendario"))


@bp.get("/bandi/<int:grant_id>/scadenza.ics")
def grant_deadline_ics(grant_id: int):
    grant = db.session.get(Grant, grant_id)
    if (grant is None or grant.closes_on is None or not grant.is_active or grant.withdrawn_at is not None
            or grant.closes_on < local_today()):  # a deadline already passed is nothing to put in a calendar
        abort(404)
    return attachment(calendars.grant_event(grant, g.lang), "text/calendar", f"scadenza-bando-{grant.id}.ics")
