"""Forms of the owner's flow that are not built from questionnaire data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..form_fields import trimmed
from ..questionnaire_forms import MultiCheckboxField


class EmptyForm(FlaskForm):
    """A bare POST button still carries its CSRF token."""


class ProfileForm(FlaskForm):
    company_name = StringField(_l("Ragione sociale"), filters=[trimmed], validators=[Length(max=200)])
    vat_number = StringField(_l("Partita IVA"), filters=[trimmed], validators=[Length(max=20)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    ateco_code = StringField(_l("Codice ATECO dell'attività principale"), filters=[trimmed],
                             validators=[Length(max=120)],
                             render_kw={"autocomplete": "off", "data-suggest": "/api/v1/ateco",
                                        "data-suggest-label": _l("Codici ATECO suggeriti"),
                                        # an owner's code is a subcategory: six digits
                                        "data-suggest-keep": r"^\d\d\.\d\d\.\d\d$"})
    comune_istat = StringField(_l("Comune della sede"), filters=[trimmed], validators=[Length(max=120)],
                               render_kw={"autocomplete": "off", "data-suggest": "/api/v1/comuni",
                                          "data-suggest-label": _l("Comuni suggeriti")})
    # Text, checked with the rest of the profile: a number field would report its error alone, and the
    # others only at the next send.
    employees = StringField(_l("Numero di addetti (titolari e dipendenti)"), filters=[trimmed],
                            validators=[Length(max=20)],
                            render_kw={"inputmode": "numeric"})
    annual_turnover_eur = SelectField(_l("Fatturato annuo"), coerce=str, validate_choice=False)
    email = EmailField(_l("E-mail (facoltativa)"), filters=[trimmed], validators=[Optional(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    themes = MultiCheckboxField(_l("Temi che ti interessano di più (facoltativo)"), choices=[],
                                validate_choice=False)
    privacy_accepted = BooleanField(_l("Ho letto l'informativa privacy e accetto il trattamento dei dati"))
    coach_contact = BooleanField(_l("Desidero essere contattato da un coach digitale del programma"))


class FeedbackForm(FlaskForm):
    """The owner marks a recommendation useful or not relevant."""


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("Ho capito: cancellate i dati della mia impresa, le risposte e le note"),
                           validators=[DataRequired(message=_l("Spunta la casella per confermare."))])


class GrantSearchForm(FlaskForm):
    """The filters of /bandi: a GET form, so they live in the address (no CSRF token)."""

    class Meta:
        csrf = False

    aperti = BooleanField(_l("Solo bandi aperti oggi"))
    finalita = SelectField(_l("Finalità"), default="", choices=[], validate_choice=False)
    dimensione = SelectField(_l("Dimensione dell'impresa"), default="", choices=[
        ("", _l("Tutte")), ("micro", _l("Microimpresa")), ("small", _l("Piccola impresa")),
        ("medium", _l("Media impresa")), ("large", _l("Grande impresa"))])
    forma = SelectField(_l("Forma dell'agevolazione"), default="", choices=[], validate_choice=False)
    fondo_perduto = BooleanField(_l("Solo fondo perduto"))
    regione = SelectField(_l("Regione"), default="", choices=[], validate_choice=False)
    ordina = SelectField(_l("Ordina per"), default="deadline", choices=[
        ("deadline", _l("Scadenza")), ("newest", _l("Più recenti")), ("amount", _l("Importo"))])
