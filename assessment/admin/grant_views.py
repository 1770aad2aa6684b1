"""Grants: list with filters, detail (normalised fields and the source record), edit, upload of a file."""
from __future__ import annotations

import re

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import local_today
from ..domain.errors import InvalidField
from ..domain.grant_files import LOCAL_COLUMNS, FileTooLarge, MalformedFile
from ..downloads import attachment
from ..extensions import db
from ..models import Grant
from ..public.forms import EmptyForm
from ..services import catalogue
from ..services.audit import record
from ..services.grant_history import last_complete_read, last_seen_at
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
                           dimension_titles=titles, last_seen=last_seen_at(grant, last_complete_read(db.session)))


@bp.route("/bandi/carica", methods=["GET", "POST"])
def grant_upload():
    form = GrantUploadForm()
    report, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_grants(db.session, upload.read(), filename=upload.filename, today=local_today(),
                                   max_unpacked_bytes=current_app.config["GRANT_UPLOAD_MAX_MB"] * 2**20)
        except MalformedFile as error:
            db.session.rollback()  # nothing of a malformed file is kept
            form.file.errors = [*form.file.errors, _("File non leggibile: %(reason)s",
                                                     reason=rejection_text(error.reason))]
            status = 413 if isinstance(error, FileTooLarge) else 200
        else:
            record("grants_imported", None, file=upload.filename, added=report.added, updated=report.updated,
                   rejected=len(report.rejected))
            db.session.commit()
    rejected = [(row, rejection_text(reason)) for row, reason in report.rejected] if report else []
    return render_template("admin/grant_upload.html", form=form, report=report, rejected=rejected), status


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
    (re.compile(r"^(?P<field>[^:]+): contains control characters"),
     lambda m: _("%(field)s: contiene caratteri di controllo invisibili (come NUL)", **m.groupdict())),
    (re.compile(r"^duplicate: the same ID is in record (?P<other>.+)$"),
     lambda m: _("duplicato: lo stesso identificativo è nel record %(other)s", **m.groupdict())),
    (re.compile(r"^sizes: unknown size (?P<value>.+) \("),
     lambda m: _("sizes: dimensione sconosciuta %(value)s (micro, small, medium, large)", **m.groupdict())),
    (re.compile(r"^(?P<closes>\w+) \((?P<day>[\d-]+)\) comes before (?P<opens>\w+)"),
     lambda m: _("%(closes)s (%(day)s) precede %(opens)s", **m.groupdict())),
    (re.compile(r"^link: not a web address"),
     lambda m: _("link: non è un indirizzo web (http:// o https://)")),
    (re.compile(r"^(?P<field>\w+): a negative amount"), lambda m: _("%(field)s: importo negativo", **m.groupdict())),
    (re.compile(r"^(?P<low>\w+) is above (?P<high>\w+)$"),
     lambda m: _("%(low)s è maggiore di %(high)s", **m.groupdict())),
    # Whole-file problems (MalformedFile).
    (re.compile(r"^the file is empty$"), lambda m: _("il file è vuoto")),
    (re.compile(r"^the file unpacks to more than (?P<size>.+)$"),
     lambda m: _("una volta decompresso supera %(size)s, il massimo per un caricamento", **m.groupdict())),
    (re.compile(r"^the file holds more than (?P<num>[\d,]+) records$"),
     lambda m: _("contiene più di %(num)s record", **m.groupdict())),
    (re.compile(r"^a zip file must hold exactly one"),
     lambda m: _("un file zip deve contenere un solo file .csv, .json o .yaml (per Excel: salva come CSV)")),
    (re.compile(r"^unknown header: (?P<names>.+)$"),
     lambda m: _("colonne sconosciute: %(names)s (scarica il modello CSV per quelle attese)", **m.groupdict())),
    (re.compile(r"^the header repeats a column$"), lambda m: _("l'intestazione ripete una colonna")),
    (re.compile(r"^row (?P<row>\d+) has (?P<cells>\d+) cells, the header has (?P<header>\d+)$"),
     lambda m: _("la riga %(row)s ha %(cells)s celle, l'intestazione %(header)s", **m.groupdict())),
    (re.compile(r"^a YAML grant file must be"),
     lambda m: _("un file YAML di bandi deve avere la forma {source: ..., grants: [...]}")),
    (re.compile(r"^unknown fields: (?P<names>[^;]+);"),
     lambda m: _("campi sconosciuti: %(names)s", **m.groupdict())),
    (re.compile(r"^grant (?P<n>\d+): unknown fields (?P<names>.+)$"),
     lambda m: _("bando %(n)s: campi sconosciuti %(names)s", **m.groupdict())),
    (re.compile(r"^not valid (?P<kind>JSON|YAML|CSV)\b"),
     lambda m: _("il file non è %(kind)s valido", **m.groupdict())),
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
