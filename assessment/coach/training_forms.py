"""The coach's form to register one of a firm's people for a training edition."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..form_fields import BaseForm, trimmed


class OnBehalfForm(BaseForm):
    edition_id = SelectField(_l("Edizione"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Nome e cognome"), filters=[trimmed], validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail della persona"), filters=[trimmed],
                       validators=[DataRequired(), Email(), Length(max=254)])
    role = StringField(_l("Ruolo nell'impresa"), filters=[trimmed], validators=[DataRequired(), Length(max=120)])
    consent = BooleanField(_l("La persona ha chiesto l'iscrizione e ha ricevuto l'informativa privacy"),
                           validators=[DataRequired()])
