"""Forms of the admin's training pages: an edition with its sessions, and the copy of an edition."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clock import local_today
from ..form_fields import BaseForm, WholeNumberField, plausible_day, trimmed
from ..services.training import SessionInput

EXTRA_SESSION_ROWS = 3  # empty rows under the existing sessions, for new ones


class SessionForm(Form):
    """One row of the sessions table (no CSRF of its own: the edition's form carries it)."""

    session_id = HiddenField()
    on_date = DateField(_l("Data"), validators=[Optional(), plausible_day])
    start_time = TimeField(_l("Inizio"), validators=[Optional()])
    end_time = TimeField(_l("Fine"), validators=[Optional()])
    is_cancelled = BooleanField(_l("Annullata"))


class EditionForm(BaseForm):
    track_id = SelectField(_l("Percorso"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Titolo dell'edizione"), filters=[trimmed], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Descrizione"), validators=[Length(max=5000)])
    place = StringField(_l("Luogo (indirizzo dell'aula)"), filters=[trimmed], validators=[Length(max=300)])
    online_url = URLField(_l("Link per seguire online"), filters=[trimmed],
                          validators=[Optional(), URL(require_tld=False), Length(max=500)])
    capacity = WholeNumberField(_l("Posti"), validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    trainer_user_id = SelectField(_l("Formatore: un coach del programma"), coerce=int, default=0)
    trainer_name = StringField(_l("oppure formatore esterno (nome)"), filters=[trimmed],
                               validators=[Length(max=200)])
    registration_deadline_on = DateField(_l("Iscrizioni fino al (vuoto: il giorno prima del primo incontro)"),
                                         validators=[Optional(), plausible_day])
    min_attendance_percent = WholeNumberField(_l("Presenza minima per completare (percentuale delle ore)"), default=70,
                                              validators=[InputRequired(), NumberRange(min=0, max=100)])
    is_example = BooleanField(_l("Edizione di esempio (dati dimostrativi)"))
    sessions = FieldList(FormField(SessionForm), _l("Incontri"), min_entries=EXTRA_SESSION_ROWS)

    def load(self, edition) -> None:
        for name in ("track_id", "title", "description", "place", "online_url", "capacity", "trainer_name",
                     "registration_deadline_on", "min_attendance_percent", "is_example"):
            self[name].data = getattr(edition, name)
        self.trainer_user_id.data = edition.trainer_user_id or 0
        while len(self.sessions):
            self.sessions.pop_entry()
        for session in edition.sessions:
            self.sessions.append_entry({"session_id": str(session.id), "on_date": session.on_date,
                                        "start_time": session.start_time, "end_time": session.end_time,
                                        "is_cancelled": session.is_cancelled})
        for _ in range(EXTRA_SESSION_ROWS):
            self.sessions.append_entry()

    def values(self) -> dict:
        values = {name: self[name].data for name in (
            "track_id", "title", "description", "capacity", "registration_deadline_on", "min_attendance_percent",
            "is_example")}
        values["place"] = self.place.data or None
        values["online_url"] = self.online_url.data or None
        values["trainer_user_id"] = self.trainer_user_id.data or None
        values["trainer_name"] = self.trainer_name.data or None
        values["description"] = values["description"] or ""
        return values

    def session_inputs(self) -> list[SessionInput] | None:
        """The filled rows; None (with errors on the rows) when a row has a date but no times or vice versa."""
        inputs, ok = [], True
        for row in self.sessions:
            filled = [row.on_date.data, row.start_time.data, row.end_time.data]
            if not any(filled):
                continue
            if not all(filled):
                row.on_date.errors = [*row.on_date.errors, _l("Data, inizio e fine insieme.")]
                ok = False
                continue
            inputs.append(SessionInput(id=int(row.session_id.data) if (row.session_id.data or "").isdigit() else None,
                                       on_date=row.on_date.data, start_time=row.start_time.data,
                                       end_time=row.end_time.data, is_cancelled=row.is_cancelled.data))
        if ok and not inputs:
            self.form_errors.append(_l("Indica almeno un incontro: data, inizio e fine."))
            ok = False
        return inputs if ok else None


class CopyEditionForm(BaseForm):
    first_on = DateField(_l("Data del primo incontro della nuova edizione"),
                         validators=[InputRequired(), plausible_day])

    def validate_first_on(self, field) -> None:
        if field.data is not None and field.data < local_today():
            raise ValidationError(_l("La nuova edizione comincia oggi o più avanti."))
