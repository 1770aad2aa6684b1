"""Grants: list with filters, detail (normalised fields and the source record), edit, upload of a file."""
from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import local_today
from ..domain.errors import InvalidField
from ..domain.grant_files import LOCAL_COLUMNS, MalformedFile
from ..downloads import attachment
from ..extensions import db
from ..models import Grant
from ..public.forms import EmptyForm
from ..services import catalogue
from ..services.audit import record
from ..services.grants import import_grants
from .forms import GrantUploadForm, grant_edit_form, grant_filter_form
from .views import attach_error, bp, page_number

# The normalised columns shown on the detail page, in reading order.
GRANT_FIELDS = (
    ("source", _l("Fonte")), ("external_id", _l("Identificativo alla fonte")), ("title", _l("Titolo")),
    ("description", _l("Descrizione")), ("purposes", _l("Finalità")), ("opens_on", _l("Apertura")),
    ("closes_on", _l("Chiusura")), ("opening_notes", _l("Note su apertura e chiusura")),
    ("sizes", _l("Dimensioni d'impresa")), ("subject_types", _l("Tipologie di soggetto")),
    ("aid_forms", _l("Forme di agevolazione")), ("eligible_costs", _l("Costi ammessi")),
    ("spend_min_eur", _l("Spesa ammessa minima (€)")), ("spend_max_eur", _l("Spesa ammessa massima (€)")),
    ("aid_min_eur", _l("Agevolazione minima (€)")), ("aid_max_eur", _l("Agevolazione massima (€)")),
    ("sectors", _l("Settori")), ("is_all_sectors", _l("Tutti i settori")),
    ("ateco_codes", _l("Codici ATECO")),
    ("ateco_text", _l("Testo ATECO della fonte")), ("regions", _l("Regioni")),
    ("comuni_istat", _l("Comuni (codici ISTAT)")), ("comuni_unresolved", _l("Comuni non riconosciuti")),
    ("territorial_scope", _l("Ambito territoriale")), ("granting_body", _l("Soggetto concedente")),
    ("legal_basis_primary", _l("Base normativa primaria")),
    ("legal_basis_secondary", _l("Base normativa secondaria")), ("implementing_act", _l("Atto attuativo")),
    ("official_journal", _l("Gazzetta Ufficiale")), ("budget_eur", _l("Stanziamento (€)")),
    ("budget_text", _l("Stanziamento (testo)")), ("link", _l("Collegamento")),
    ("other_features", _l("Altre caratteristiche")), ("source_updated_at", _l("Aggiornato alla fonte")),
    ("dimensions", _l("Dimensioni derivate dalle regole")),
    ("dimensions_override", _l("Dimensioni scelte a mano")), ("is_active", _l("Attivo")),
    ("content_hash", _l("Impronta del contenuto")), ("created_at", _l("Importato il")),
    ("updated_at", _l("Aggiornato il")),
)


@bp.get("/bandi")
def grants():
    form = grant_filter_form(catalogue.grant_sources())
    pagination = catalogue.list_grants(form.q.data or "", form.state.data, form.source.data, page_number(),
                                       local_today())
    return render_template("admin/grants.html", form=form, pagination=pagination, today=local_today(),
                           refresh_form=EmptyForm())


@bp.route("/bandi/<int:grant_id>", methods=["GET", "POST"])
def grant_detail(grant_id: int):
    grant = db.get_or_404(Grant, grant_id)
    titles, _levels = catalogue.dimension_and_level_names(g.lang)
    form = grant_edit_form(grant, titles)
    if form.validate_on_submit():
        try:
            catalogue.update_grant(grant, form.override, form.is_active.data)
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Bando aggiornato."), "success")
            return redirect(url_for("admin.grant_detail", grant_id=grant.id))
    return render_template("admin/grant_detail.html", grant=grant, form=form, fields=GRANT_FIELDS,
                           dimension_titles=titles)


@bp.route("/bandi/carica", methods=["GET", "POST"])
def grant_upload():
    form = GrantUploadForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_grants(db.session, upload.read(), filename=upload.filename, today=local_today())
        except MalformedFile as error:
            db.session.rollback()  # nothing of a malformed file is kept
            form.file.errors = [*form.file.errors, _("File non leggibile: %(reason)s", reason=error.reason)]
        else:
            record("grants_imported", None, file=upload.filename, added=report.added, updated=report.updated,
                   rejected=len(report.rejected))
            db.session.commit()
    rejected = [(row, rejection_text(reason)) for row, reason in report.rejected] if report else []
    return render_template("admin/grant_upload.html", form=form, report=report, rejected=rejected)


# The import's reasons are the domain's technical English (the CLI prints them as they are); the page says
# them in the admin's language. Field names come from the file and stay as they are.
_REJECTIONS = (
    (re.compile(r"^missing (?P<field>\w+)$"), lambda m: _("manca il campo %(field)s", **m.groupdict())),
    (re.compile(r"^(?P<field>\w+): not a date: (?P<value>.*)$"),
     lambda m: _("%(field)s: data non valida (%(value)s)", **m.groupdict())),
    (re.compile(r"^(?P<field>\w+): not a date and time$"),
     lambda m: _("%(field)s: data e ora non valide", **m.groupdict())),
    (re.compile(r"^(?P<field>\w+): not an amount: (?P<value>.*)$"),
     lambda m: _("%(field)s: importo non valido (%(value)s)", **m.groupdict())),
    (re.compile(r"^not a record"), lambda m: _("non è un record con campi nominati")),
    (re.compile(r"^source or ID too long$"), lambda m: _("fonte o identificativo troppo lunghi")),
    (re.compile(r"^duplicate: the same ID is in record (?P<other>.+)$"),
     lambda m: _("duplicato: lo stesso identificativo è nel record %(other)s", **m.groupdict())),
)


def rejection_text(reason: str) -> str:
    for pattern, text in _REJECTIONS:
        match = pattern.match(reason)
        if match:
            return text(match)
    return reason


@bp.get("/bandi/modello.csv")
def grant_template():
    """The header of our local CSV format, for a call the open data does not have (e.g. a chamber's voucher)."""
    return attachment(",".join(("source", *LOCAL_COLUMNS)) + "\r\n", "text/csv", "bandi-locali-modello.csv")
