"""Grant alerts for programme managers: the overview page and the CSV of the mails."""
from __future__ import annotations

from flask import render_template, stream_with_context

from ..clock import local_today
from ..downloads import attachment
from ..services.alert_reports import alert_overview, alerts_table
from ..services.exports import csv_chunks
from ..services.grant_alerts import MAX_ATTEMPTS
from .views import bp


@bp.get("/avvisi")
def alerts():
    return render_template("admin/alerts.html", overview=alert_overview(local_today()), max_attempts=MAX_ATTEMPTS)


@bp.get("/avvisi.csv")
def alerts_csv():
    return attachment(stream_with_context(csv_chunks(alerts_table())), "text/csv",
                      f"bussola-avvisi-bandi-{local_today():%Y-%m-%d}.csv")
