"""Forms of the programme managers' pages. Choices read from the database, and fields per dimension or
per thematic area, are added per request by the *_form() builders."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ..domain.grant_dimensions import DIMENSIONS
from ..form_fields import BaseForm, WholeNumberField, plausible_day, staff_email_address, trimmed
from ..models import TrackFormat
from ..questionnaire_forms import MultiCheckboxField
from ..services.dashboard import DashboardFilters
from ..services.reference import resolve_comune, section_titles_en
from ..templating import current_language

SIZE_CHOICES = [("", _l("Tutte")), ("micro", _l("Micro")), ("small", _l("Piccola")), ("medium", _l("Media")),
                ("large", _l("Grande"))]
LANGUAGE_CHOICES = [("it", _l("Italiano")), ("en", _l("Inglese")), ("fr", _l("Francese")),
                    ("de", _l("Tedesco"))]
EXPERTISE_CHOICES = [(0, _l("0 – nessuna")), (1, _l("1 – di base")), (2, _l("2 – buona")),
                     (3, _l("3 – esperta"))]


class QueryForm(BaseForm):
    """A GET form: filters live in the address, so no CSRF token."""

    class Meta:
        csrf = False

    def __init__(self, **kwargs) -> None:
        super().__init__(formdata=request.args, **kwargs)


class SearchForm(QueryForm):
    q = SearchField(_l("Cerca"), validators=[Optional(), Length(max=100)])

    @property
    def search(self) -> str:
        return (self.q.data or "") if self.validate() else ""


# Tracks

_TRACK_COLUMNS = ("code", "title_it", "title_en", "description_it", "description_en", "thematic_area_key",
                  "level_from", "level_to", "ateco_sections", "hours", "seats_per_cohort", "starts_on",
                  "place", "provider", "is_example")


class TrackForm(BaseForm):
    # Codes are compared as written: "can-dig-01 " and "CAN-DIG-01" are one code.
    code = StringField(_l("Codice"), filters=[trimmed, lambda value: value.upper() if value else value],
                       validators=[DataRequired(), Length(max=40)])
    title_it = StringField(_l("Titolo in italiano"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Titolo in inglese"), validators=[DataRequired(), Length(max=200)])
    description_it = TextAreaField(_l("Descrizione in italiano"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Descrizione in inglese"), validators=[Length(max=5000)])
    thematic_area_key = SelectField(_l("Area tematica"), validators=[DataRequired()])
    format = SelectField(_l("Formato"), choices=[(TrackFormat.workshop.value, _l("Laboratorio")),
                                                  (TrackFormat.coaching.value, _l("Coaching")),
                                                  (TrackFormat.online_course.value, _l("Corso online"))])
    level_from = SelectField(_l("Dal livello"), coerce=int)
    level_to = SelectField(_l("Al livello"), coerce=int)
    ateco_sections = SelectMultipleField(_l("Sezioni ATECO (nessuna: tutti i settori)"),
                                         render_kw={"size": 8})
    hours = WholeNumberField(_l("Ore"), default=0, validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    seats_per_cohort = WholeNumberField(_l("Posti per edizione"), default=0,
                                    validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    starts_on = DateField(_l("Data di inizio"), validators=[Optional(), plausible_day])
    place = StringField(_l("Luogo (vuoto: online)"), validators=[Optional(), Length(max=200)])
    provider = StringField(_l("Ente erogatore"), validators=[Length(max=200)])
    is_example = BooleanField(_l("Percorso di esempio (dati dimostrativi)"))

    def weight_fields(self) -> list:
        return [self[f"weight_{key}"] for key in DIMENSIONS]

    def load(self, track) -> None:
        """Fill the fields from a track (GET of the edit page)."""
        for name in _TRACK_COLUMNS:
            self[name].data = getattr(track, name)
        self.format.data = track.format.value
        for key in DIMENSIONS:
            self[f"weight_{key}"].data = (track.dimension_weights or {}).get(key, 0.0)

    def values(self) -> dict:
        """Column values for the catalogue service."""
        values = {name: self[name].data for name in _TRACK_COLUMNS}
        values["format"] = TrackFormat(self.format.data)
        values["description_it"] = values["description_it"] or ""
        values["description_en"] = values["description_en"] or ""
        values["provider"] = values["provider"] or ""
        values["dimension_weights"] = {key: float(self[f"weight_{key}"].data) for key in DIMENSIONS
                                       if self[f"weight_{key}"].data}
        return values


def track_form(dimension_titles: dict[str, str], levels: list[str], areas: list, sections: list) -> TrackForm:
    attrs = {f"weight_{key}": FloatField(_("Peso: %(name)s", name=dimension_titles.get(key, key)),
                                         default=0.0, validators=[InputRequired(), NumberRange(min=0, max=1)],
                                         render_kw={"step": "0.05", "min": 0, "max": 1})
             for key in DIMENSIONS}
    form = type("TrackFormWithWeights", (TrackForm,), attrs)()
    form.thematic_area_key.choices = [(a.key, a.name_it if _is_it() else a.name_en) for a in areas]
    form.level_from.choices = form.level_to.choices = list(enumerate(levels))
    form.ateco_sections.choices = [(s.code, section_label(s)) for s in sections]
    return form


def section_label(section, limit: int = 60) -> str:
    """'C – Attività manifatturiere' / 'C – Manufacturing': ISTAT writes section titles in capitals, too loud
    in a list, and in Italian only."""
    title = section.title.capitalize() if _is_it() else section_titles_en().get(section.code, section.title)
    return f"{section.code} – {title if len(title) <= limit else title[:limit - 1] + '…'}"


def _is_it() -> bool:
    return current_language() == "it"


# Grants


class GrantFilterForm(SearchForm):
    state = SelectField(_l("Stato"), default="", choices=[("", _l("Tutti")), ("open", _l("Aperti")),
                                                          ("closed", _l("Chiusi")),
                                                          ("sportello", _l("A sportello"))])
    source = SelectField(_l("Fonte"), default="", choices=[("", _l("Tutte"))])


def grant_filter_form(sources: list[str]) -> GrantFilterForm:
    form = GrantFilterForm()
    form.source.choices = [("", _("Tutte")), *((s, s) for s in sources)]
    if not form.validate():
        form.q.data, form.state.data, form.source.data = "", "", ""
    return form


class GrantEditForm(BaseForm):
    use_derived = BooleanField(_l("Usa le dimensioni derivate dalle regole sulle parole chiave"))
    dimensions_override = MultiCheckboxField(_l("Dimensioni finanziate, scelte a mano"), choices=[])
    is_active = BooleanField(_l("Attivo: proposto alle imprese"))

    @property
    def override(self) -> list[str] | None:
        return None if self.use_derived.data else list(self.dimensions_override.data or [])


def grant_edit_form(grant, dimension_titles: dict[str, str]) -> GrantEditForm:
    form = GrantEditForm(data=None if request.method == "POST" else {
        "use_derived": grant.dimensions_override is None, "is_active": grant.is_active,
        "dimensions_override": grant.funded_dimensions})
    form.dimensions_override.choices = [(key, dimension_titles.get(key, key)) for key in DIMENSIONS]
    return form


class GrantUploadForm(BaseForm):
    file = FileField(_l("File dei bandi: JSON o CSV di incentivi.gov.it, oppure YAML, CSV o JSON nel formato "
                        "locale; anche compresso .gz o .zip"),
                     validators=[FileRequired(message=_l("Scegli un file."))])


# Territories


class TerritoryForm(BaseForm):
    key = StringField(_l("Chiave"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9_-]+$", message=_l("Solo lettere minuscole, cifre, trattini e trattini bassi."))])
    name_it = StringField(_l("Nome in italiano"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Nome in inglese"), validators=[DataRequired(), Length(max=200)])
    comuni = TextAreaField(_l("Comuni: uno per riga, codice ISTAT o nome (con la sigla della provincia se il "
                              "nome è ambiguo, es. «Samone (TO)»)"), render_kw={"rows": 12})
    is_default = BooleanField(_l("Territorio predefinito del programma"))


def comuni_lines(comuni) -> str:
    """What the comuni textarea shows: one 'code name (sigla)' per line, which reads back the same."""
    return "\n".join(f"{c.istat_code} {c.name} ({c.province_code})" for c in comuni)


# Coaches


class CoachProfileForm(BaseForm):
    thematic_areas = MultiCheckboxField(_l("Aree tematiche"), choices=[])
    territory_ids = MultiCheckboxField(_l("Territori serviti"), choices=[], coerce=int)
    comuni = TextAreaField(_l("Comuni serviti: uno per riga, codice ISTAT o nome"), render_kw={"rows": 6})
    languages = MultiCheckboxField(_l("Lingue"), choices=LANGUAGE_CHOICES)
    capacity = WholeNumberField(_l("Capacità: imprese seguite alla volta"),
                            validators=[InputRequired(), NumberRange(min=0, max=200)])
    availability = RadioField(_l("Disponibilità"), choices=[("active", _l("Attivo: riceve nuove proposte")),
                                                            ("paused", _l("In pausa"))])

    def expertise_fields(self) -> list:
        return [self[f"expertise_{key}"] for key in DIMENSIONS]

    def values(self) -> dict:
        return {"expertise": {key: self[f"expertise_{key}"].data for key in DIMENSIONS},
                "thematic_areas": list(self.thematic_areas.data or []),
                "territory_ids": list(self.territory_ids.data or []),
                "languages": list(self.languages.data or []), "capacity": self.capacity.data,
                "is_available": self.availability.data == "active"}


def coach_profile_form(profile, dimension_titles: dict[str, str], areas: list, territories: list,
                       comuni_text: str) -> CoachProfileForm:
    attrs = {f"expertise_{key}": SelectField(_("Competenza: %(name)s", name=dimension_titles.get(key, key)),
                                             coerce=int, choices=EXPERTISE_CHOICES, default=0)
             for key in DIMENSIONS}
    data = None
    if request.method != "POST" and profile is not None:
        data = {"thematic_areas": profile.thematic_areas, "territory_ids": profile.territory_ids,
                "languages": profile.languages, "capacity": profile.capacity, "comuni": comuni_text,
                "availability": "active" if profile.is_available else "paused",
                **{f"expertise_{k}": int(v) for k, v in (profile.expertise or {}).items() if k in DIMENSIONS}}
    form = type("CoachProfileFormWithExpertise", (CoachProfileForm,), attrs)(data=data)
    form.thematic_areas.choices = [(a.key, a.name_it if _is_it() else a.name_en) for a in areas]
    form.territory_ids.choices = [(t.id, t.name_it if _is_it() else t.name_en) for t in territories]
    return form


# Programme targets


def targets_form(programme, areas: list) -> BaseForm:
    def number(label: str) -> IntegerField:
        return WholeNumberField(label, validators=[Optional(), NumberRange(min=0, max=10_000_000)])

    attrs = {"people_trained": number(_("Persone formate (percorsi completati)")),
             "firms_accompanied": number(_("Micro e piccole imprese accompagnate da un coach"))}
    attrs.update({f"area_{a.key}": number(_("Imprese iscritte a percorsi dell'area «%(name)s»",
                                            name=a.name_it if _is_it() else a.name_en)) for a in areas})
    data = None
    if request.method != "POST":
        data = {("area_" + t.thematic_area_key if t.metric == "firms_per_area" else t.metric): t.target
                for t in programme.targets}
    return type("TargetsForm", (BaseForm,), attrs)(data=data)


# Dashboard and exports


class DashboardFilterForm(QueryForm):
    comune = StringField(_l("Comune (nome o codice ISTAT)"), validators=[Optional(), Length(max=120)],
                         render_kw={"autocomplete": "off", "data-suggest": "/api/v1/comuni",
                                    "data-suggest-label": _l("Comuni suggeriti")})
    territory = SelectField(_l("Territorio"), default="", choices=[("", _l("Tutti"))])
    ateco_section = SelectField(_l("Sezione ATECO"), default="", choices=[("", _l("Tutte"))])
    size_class = SelectField(_l("Dimensione"), default="", choices=SIZE_CHOICES)
    date_from = DateField(_l("Dal"), validators=[Optional(), plausible_day])
    date_to = DateField(_l("Al"), validators=[Optional(), plausible_day])
    comune_istat: str | None = None

    def validate_comune(self, field) -> None:
        if field.data:
            comune = resolve_comune(field.data)
            if comune is None:
                raise ValidationError(_("Comune non trovato: scrivi il codice ISTAT o il nome "
                                        "(es. «Ivrea (TO)»)."))
            self.comune_istat = comune.istat_code

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("La data finale precede quella iniziale."))

    def filters(self) -> DashboardFilters:
        return DashboardFilters(
            comune_istat=self.comune_istat,
            territory_id=int(self.territory.data) if self.territory.data else None,
            ateco_section=self.ateco_section.data or None, size_class=self.size_class.data or None,
            date_from=self.date_from.data, date_to=self.date_to.data)


def dashboard_filter_form(territories: list, sections: list) -> DashboardFilterForm:
    form = DashboardFilterForm()
    form.territory.choices = [("", _("Tutti")), *((str(t.id), t.name_it if _is_it() else t.name_en)
                                                    for t in territories)]
    form.ateco_section.choices = [("", _("Tutte")), *((s.code, section_label(s)) for s in sections)]
    return form


class AuditFilterForm(QueryForm):
    company_id = IntegerField(_l("Impresa (numero)"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    user_id = SelectField(_l("Utente"), default="", choices=[("", _l("Tutti"))])


def audit_filter_form(users: list) -> AuditFilterForm:
    form = AuditFilterForm()
    form.user_id.choices = [("", _("Tutti")), *((str(u.id), f"{u.name or u.email} ({u.role.value})")
                                                  for u in users)]
    if not form.validate():
        form.company_id.data, form.user_id.data = None, ""
    return form


class AccountNameForm(BaseForm):
    """The name shown in lists, mails and the audit log, mended after the account was created."""

    name = StringField(_l("Nome e cognome"), filters=[trimmed], validators=[DataRequired(), Length(max=120)])


class AccountForm(BaseForm):
    """A new staff account: the person sets the password through a one-time link."""

    email = StringField(_l("E-mail"), filters=[trimmed], validators=[
        DataRequired(), Length(max=254), staff_email_address])
    name = StringField(_l("Nome e cognome"), validators=[Optional(), Length(max=120)])
    role = RadioField(_l("Ruolo"), choices=[("coach", _l("Coach digitale")),
                                            ("admin", _l("Gestore del programma (amministratore)"))],
                      default="coach", validators=[InputRequired()])


class OwnerLinkForm(BaseForm):
    """A new personal link for an owner who lost theirs, mailed to the address given (kept as the company's)."""

    email = StringField(_l("E-mail del titolare (facoltativa)"), filters=[trimmed], validators=[
        Optional(), Length(max=254),
        Email(message=_l("Scrivi un indirizzo e-mail valido."))])


class CompanyEraseForm(BaseForm):
    confirm = BooleanField(_l("Confermo che l'impresa ha chiesto la cancellazione dei propri dati"),
                           validators=[DataRequired(message=_l("Spunta la casella per confermare."))])
