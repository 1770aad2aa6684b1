"""The base of every form, and form fields shared by the staff's forms."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from .domain.text import CONTROL_CHARACTERS, has_control_characters
from .templating import whole


class BaseForm(FlaskForm):
    """Every form of the app: CSRF (FlaskForm), and no text field ever hands an invisible control character (NUL
    included) to the database. A field whose filter drops them (`trimmed`) never has one; any other gets an
    error naming it, on SQLite as on PostgreSQL, and the view shows the form again as it would for any error."""

    def validate(self, extra_validators=None) -> bool:
        is_valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
            if any(isinstance(value, str) and has_control_characters(value) for value in values):
                field.errors = [*field.errors, _("Il testo contiene caratteri invisibili non ammessi (caratteri "
                                                 "di controllo, come NUL): riscrivilo o incollalo senza di essi.")]
                is_valid = False
        return is_valid


FIRST_YEAR, LAST_YEAR = 2000, 2100  # what a programme's calendar may hold: a typo such as 0001 or 9999 is not a day


def plausible_day(form, field) -> None:
    """A date within FIRST_YEAR..LAST_YEAR (a date field's value, when it has one)."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_("Data fuori dal calendario del programma: scegli un giorno tra il %(first)d e il "
                                "%(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def trimmed(value: str | None) -> str | None:
    """A filter: spaces pasted around a value, and invisible control characters, are never part of it."""
    return CONTROL_CHARACTERS.sub("", value).strip() if value else value


def staff_email_address(form, field) -> None:
    """A validator: the address of a staff account, by the same rule `users create` applies (services.users)."""
    from .services.users import UserError, staff_email

    if field.data:
        try:
            staff_email(field.data)
        except UserError:
            raise ValidationError(_("Scrivi un indirizzo e-mail valido.")) from None


def new_password(form, field) -> None:
    """A validator: the one password rule (domain.password_rules), said in the page's language."""
    from .domain.password_rules import MIN_PASSWORD_LENGTH, password_problem

    problem = password_problem(field.data or "")
    if problem is not None:
        raise ValidationError({
            "too_short": _("La password deve avere almeno %(num)d caratteri.", num=MIN_PASSWORD_LENGTH),
            "too_long": _("La password è troppo lunga."),
            "one_character": _("La password ripete un solo carattere: scegli una frase di più parole."),
            "common": _("Questa password è tra le più usate al mondo: scegline un'altra (una frase di più parole "
                        "va benissimo)."),
        }[problem])


_GROUPED = re.compile(r"^\d{1,3}([.,\s\u00a0\u202f]\d{3})+$")


class WholeNumberField(IntegerField):
    """A whole number that may be typed with thousands separators, as people write targets: 2.400 or 2,400.
    Only separators in grouping places are dropped: "2,5" stays an error, never 25. A text input: a number
    input would refuse the separators the browser's own locale does not use. The error is ours, in plain
    words (WTForms' Italian one is ungrammatical)."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        if _GROUPED.match(text):
            text = re.sub(r"\D", "", text)
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_("Scrivi un numero intero, per esempio 12.")) from None

    def _value(self):
        return whole(self.data) if isinstance(self.data, int) and not self.raw_data else super()._value()
