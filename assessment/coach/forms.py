"""Forms of the coach workspace."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Motivo del rifiuto"), validators=[DataRequired(), Length(max=2000)])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Nuova nota (visibile solo a coach e gestori del programma)"),
                         validators=[DataRequired(), Length(max=10_000)])


class EnrolForm(FlaskForm):
    track_id = SelectField(_l("Percorso"), coerce=int, validators=[DataRequired()])
    participants = IntegerField(_l("Persone dell'impresa che partecipano"),
                                validators=[DataRequired(), NumberRange(min=1, max=500)])
