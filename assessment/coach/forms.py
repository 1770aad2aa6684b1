"""Forms of the coach workspace."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ..form_fields import BaseForm, WholeNumberField


def one_newline(text: str | None) -> str | None:
    """Browsers send each line break as CR LF; counted as one, as the textarea's maxlength counts it."""
    return text.replace("\r\n", "\n") if text else text


class DeclineForm(BaseForm):
    reason = TextAreaField(_l("Motivo del rifiuto"), filters=[one_newline], validators=[
        DataRequired(_l("Indica il motivo del rifiuto.")),
        Length(max=2000, message=_l("Il motivo può avere al massimo %(max)d caratteri."))])


class NoteForm(BaseForm):
    # The owner's copy of their data (dati.json) holds the notes: a note may be about them, and the right of
    # access covers it. The label says so, as the privacy notice does.
    body = TextAreaField(_l("Nuova nota (la leggono coach e gestori del programma, e il titolare se scarica i "
                            "dati della sua impresa)"), filters=[one_newline],
                         validators=[DataRequired(_l("La nota è vuota.")),
                                     Length(max=10_000, message=_l("La nota può avere al massimo %(max)d caratteri."))])


class EnrolForm(BaseForm):
    track_id = SelectField(_l("Percorso"), coerce=int, validators=[DataRequired()])
    participants = WholeNumberField(_l("Persone dell'impresa che partecipano"),
                                validators=[DataRequired(), NumberRange(min=1, max=500)])


class DigestForm(BaseForm):
    weekly_digest = BooleanField(_l("Ricevo ogni lunedì il riepilogo delle novità sui bandi per le imprese che "
                                    "seguo"))
