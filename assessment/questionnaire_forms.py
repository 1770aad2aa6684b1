"""WTForms built from questionnaire data: a BaseForm subclass per section and language (built once per
process), and the one function that turns form data into domain answers."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import RadioField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from .domain.questionnaire import Dimension, Question, Questionnaire
from .form_fields import BaseForm
from .templating import localized


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:  # the domain checks option keys and says which one is wrong
        pass


class LenientRadioField(RadioField):
    def pre_validate(self, form) -> None:
        pass


# (id of the dimension, language) -> (the dimension, its form class). The dimension is kept so its id can't be
# reused by another object while the entry lives.
_FORM_CLASSES: dict[tuple[int, str], tuple[Dimension, type[BaseForm]]] = {}


def section_form_class(dimension: Dimension, lang: str) -> type[BaseForm]:
    """The form class of one questionnaire page in one language: built once, as snapshots never change."""
    key = (id(dimension), lang)
    cached = _FORM_CLASSES.get(key)
    if cached is None or cached[0] is not dimension:
        cached = _FORM_CLASSES[key] = (dimension, _build_section_form_class(dimension, lang))
    return cached[1]


def whole_form_class(questionnaire: Questionnaire, lang: str) -> type[BaseForm]:
    """Every question on one page (the short skills self-check): one form, one CSRF token, built once."""
    key = (id(questionnaire), lang)
    cached = _WHOLE_FORM_CLASSES.get(key)
    if cached is None or cached[0] is not questionnaire:
        attrs = {name: field for d in questionnaire.dimensions
                 for name, field in _section_fields(d, lang).items()}
        cached = _WHOLE_FORM_CLASSES[key] = (questionnaire, type(f"Whole_{questionnaire.key}", (BaseForm,), attrs))
    return cached[1]


_WHOLE_FORM_CLASSES: dict[tuple[int, str], tuple[Questionnaire, type[BaseForm]]] = {}


def _build_section_form_class(dimension: Dimension, lang: str) -> type[BaseForm]:
    return type(f"Section_{dimension.key}", (BaseForm,), _section_fields(dimension, lang))


def _section_fields(dimension: Dimension, lang: str) -> dict:
    """Fields carry the page language's labels."""
    attrs = {}
    for question in dimension.questions:
        choices = [(o.key, localized(o.label, lang)) for o in question.options]
        label = localized(question.text, lang)
        if question.type == "multi":
            attrs[question.key] = MultiCheckboxField(label, choices=choices, validate_choice=False)
        else:
            attrs[question.key] = LenientRadioField(label, choices=choices, validate_choice=False)
    return attrs


def form_answers(form: BaseForm, questions: tuple[Question, ...]) -> dict[str, object]:
    """Raw answers as the domain expects them: a key for single/scale, a list of keys for multi."""
    answers: dict[str, object] = {}
    for question in questions:
        value = form[question.key].data
        if question.type == "multi":
            if value:
                answers[question.key] = list(value)
        elif value not in (None, "", "None"):
            answers[question.key] = value
    return answers


def fill_form(form: BaseForm, questions: tuple[Question, ...], saved: dict) -> None:
    for question in questions:
        if question.key in saved and not form.is_submitted():
            form[question.key].data = saved[question.key]


_REASONS = {
    "required": lambda: _("Rispondi a questa domanda per continuare."),
    "empty": lambda: _("Scegli almeno un'opzione (se nessuna fa al caso tuo, c'è un'opzione per dirlo)."),
}


def reason_text(reason: str) -> str:
    """The domain's short reasons in the owner's language."""
    for prefix, text in _REASONS.items():
        if reason.startswith(prefix):
            return text()
    if "exclusive" in reason:
        return _("L'opzione che dice che nessuna fa al caso tuo non si può combinare con le altre.")
    if "unknown option" in reason:
        return _("Questa risposta non è tra le opzioni previste.")
    return _("Risposta non valida.")


def help_markup(question: Question, lang: str) -> Markup | None:
    return escape(localized(question.help, lang)) if question.help else None
