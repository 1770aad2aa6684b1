"""Tracks, territories and programme targets: list, create, edit (tracks are deactivated, not deleted)."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..domain.errors import InvalidField
from ..extensions import db
from ..jobs import refresh_all_recommendations
from ..models import Territory, Track
from ..public.forms import EmptyForm
from ..services import catalogue
from ..services.audit import record
from ..urls import safe_next
from .forms import SearchForm, TerritoryForm, comuni_lines, targets_form, track_form
from .views import attach_error, bp, page_number


def _track_form():
    titles, levels = catalogue.dimension_and_level_names(g.lang)
    return track_form(titles, list(levels.values()), catalogue.thematic_areas(), catalogue.ateco_sections())


@bp.get("/percorsi")
def tracks():
    form = SearchForm()
    pagination = catalogue.list_tracks(form.search, page_number())
    return render_template("admin/tracks.html", form=form, pagination=pagination, button_form=EmptyForm())


@bp.route("/percorsi/nuovo", methods=["GET", "POST"])
@bp.route("/percorsi/<int:track_id>", methods=["GET", "POST"])
def track_edit(track_id: int | None = None):
    track = db.get_or_404(Track, track_id) if track_id else None
    form = _track_form()
    if request.method == "GET" and track is not None:
        form.load(track)
    if form.validate_on_submit():
        try:
            catalogue.save_track(track, form.values())
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Percorso salvato. Le imprese già valutate lo vedranno tra i suggerimenti dopo «Aggiorna i "
                    "suggerimenti alle imprese»."), "success")
            return redirect(url_for("admin.tracks"))
    return render_template("admin/track_edit.html", form=form, track=track, button_form=EmptyForm())


@bp.post("/percorsi/<int:track_id>/<any(disattiva, riattiva):action>")
def track_active(track_id: int, action: str):
    track = db.get_or_404(Track, track_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    catalogue.set_track_active(track, action == "riattiva")
    db.session.commit()
    flash(_("Percorso riattivato.") if track.is_active else _("Percorso disattivato."), "success")
    return redirect(url_for("admin.tracks"))


@bp.post("/suggerimenti/aggiorna")
def refresh_recommendations():
    """After tracks or grants changed: every company's recommendations are ranked again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    stored = refresh_all_recommendations(current_app.config["REDIS_URL"])
    record("recommendations_refreshed", None, queued=stored is None)
    db.session.commit()
    if stored is None:
        flash(_("Aggiornamento dei suggerimenti avviato in background: tra qualche minuto tutte le imprese li "
                "vedranno aggiornati."), "success")
    else:
        flash(_("Suggerimenti aggiornati per tutte le imprese valutate."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("admin.tracks"))


@bp.get("/territori")
def territories():
    form = SearchForm()
    pagination, counts = catalogue.list_territories(form.search, page_number())
    return render_template("admin/territories.html", form=form, pagination=pagination, counts=counts)


@bp.route("/territori/nuovo", methods=["GET", "POST"])
@bp.route("/territori/<int:territory_id>", methods=["GET", "POST"])
def territory_edit(territory_id: int | None = None):
    territory = db.get_or_404(Territory, territory_id) if territory_id else None
    form = TerritoryForm(data=territory and {
        "key": territory.key, "name_it": territory.name_it, "name_en": territory.name_en,
        "is_default": territory.is_default, "comuni": comuni_lines(territory.comuni)})
    if form.validate_on_submit():
        try:
            catalogue.save_territory(territory, form.key.data, form.name_it.data, form.name_en.data,
                                     form.comuni.data, form.is_default.data)
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Territorio salvato."), "success")
            return redirect(url_for("admin.territories"))
    return render_template("admin/territory_edit.html", form=form, territory=territory)


@bp.route("/obiettivi", methods=["GET", "POST"])
def targets():
    programme = catalogue.current_programme()
    if programme is None:
        return render_template("admin/targets.html", programme=None, form=None)
    areas = catalogue.thematic_areas()
    form = targets_form(programme, areas)
    if form.validate_on_submit():
        try:
            catalogue.save_targets(programme, form.people_trained.data, form.firms_accompanied.data,
                                   {a.key: form[f"area_{a.key}"].data for a in areas})
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Obiettivi salvati."), "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/targets.html", programme=programme, form=form)
