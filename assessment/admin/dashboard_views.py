"""The programme dashboard and the exports, both driven by the same filters in the query string."""
from __future__ import annotations

from flask import abort, g, render_template, request, stream_with_context
from flask_babel import gettext as _

from ..downloads import attachment
from ..extensions import db
from ..reports.charts import bar_svg
from ..services import catalogue
from ..services.dashboard import MIN_GROUP, Dashboard, DashboardFilters, build_dashboard
from ..services.exports import (
    FORMATS,
    KINDS,
    csv_chunks,
    export_filename,
    export_table,
    xlsx_bytes,
)
from ..templating import month_label, one_decimal, whole
from .forms import dashboard_filter_form
from .views import bp

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form():
    return dashboard_filter_form(catalogue.territories(), catalogue.ateco_sections())


def _charts(data: Dashboard, level_labels: dict[str, str],
            dimension_titles: dict[str, str]) -> dict[str, str]:
    """Server-side SVG; the page always prints the same numbers in a table beside each chart."""
    levels = [(label, data.levels.get(key, 0)) for key, label in level_labels.items()]
    dimensions = [(title, round(data.dimensions[key].mean, 1)) for key, title in dimension_titles.items()
                  if key in data.dimensions]
    return {
        "months": bar_svg([month_label(m) for m, _n in data.months], [n for _m, n in data.months],
                          _("Valutazioni inviate per mese"), number=whole),
        "levels": bar_svg([lb for lb, _n in levels], [n for _lb, n in levels], _("Valutazioni per livello"),
                          number=whole),
        "dimensions": bar_svg([t for t, _v in dimensions], [v for _t, v in dimensions],
                              _("Punteggio medio per dimensione"), maximum=100, number=one_decimal),
    }


@bp.get("/")
def dashboard():
    form = _filter_form()
    valid = form.validate()
    filters = form.filters() if valid else DashboardFilters()
    data = build_dashboard(filters)
    titles, level_labels = catalogue.dimension_and_level_names(g.lang)
    return render_template("admin/dashboard.html", form=form, data=data, dimension_titles=titles,
                           level_labels=level_labels, charts=_charts(data, level_labels, titles),
                           # Exports follow the figures shown: filters the page could not apply are left out.
                           query=request.args.to_dict() if valid else {}, min_group=MIN_GROUP)


@bp.get("/exports/<kind>.<fmt>")
def export(kind: str, fmt: str):
    if kind not in KINDS or fmt not in FORMATS:
        abort(404)
    form = _filter_form()
    if not form.validate():
        abort(400)
    anonymous = request.args.get("anonymous") == "1"
    table = export_table(kind, form.filters(), anonymous)
    db.session.commit()  # the audit entry is kept even if the download is interrupted
    filename = export_filename(kind, fmt, anonymous)
    if fmt == "xlsx":
        return attachment(xlsx_bytes(table), XLSX_MIMETYPE, filename)
    return attachment(stream_with_context(csv_chunks(table)), "text/csv", filename)
