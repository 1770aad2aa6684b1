"""Forms of the public training pages: registration for an edition, check-in with a session's code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..domain.company_profile import validate_vat_number
from ..domain.errors import InvalidField
from ..form_fields import BaseForm, trimmed


class RegistrationForm(BaseForm):
    name = StringField(_l("Nome e cognome"), filters=[trimmed], validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail"), filters=[trimmed], validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    role = StringField(_l("Ruolo nell'impresa"), filters=[trimmed], validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "organization-title"})
    firm_name = StringField(_l("Impresa (ragione sociale)"), filters=[trimmed],
                            validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "organization"})
    vat_number = StringField(_l("Partita IVA dell'impresa"), filters=[trimmed],
                             validators=[DataRequired(), Length(max=20)], render_kw={"inputmode": "numeric"})
    privacy = BooleanField(_l("Ho letto l'informativa privacy e acconsento al trattamento dei miei dati per "
                              "l'iscrizione"), validators=[DataRequired()])

    def validate_vat_number(self, field) -> None:
        from flask_babel import gettext as _

        try:
            field.data = validate_vat_number(field.data)
        except InvalidField as error:
            raise ValidationError(_("La partita IVA deve avere 11 cifre.") if "11" in error.reason
                                  else _("La partita IVA non è valida: la cifra di controllo non torna.")) from None


class CheckInForm(BaseForm):
    email = EmailField(_l("E-mail con cui ti sei iscritto"), filters=[trimmed],
                       validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "email"})
    code = StringField(_l("Codice mostrato in aula"), filters=[trimmed], validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
