"""Jinja helpers shared by every page: bilingual texts, numbers and dates in the page's language."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask import Flask, g
from flask_babel import format_currency, format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from . import __version__
from .clock import local_time, local_today
from .domain.matching_text import CLOSING_SOON_DAYS
from .urls import external_url


def current_language() -> str:
    return getattr(g, "lang", None) or str(get_locale() or "it")


def this_page_again() -> str:
    """Where the language switch returns to: this page, or after a form was posted (an address that answers
    POST only) the page that held the form."""
    from flask import request

    from .urls import same_site_referrer

    if request.method == "GET":
        return request.full_path.rstrip("?")
    return same_site_referrer() or "/"


def localized(value: Any, lang: str | None = None) -> str:
    """Pick the page language from a {it, en} mapping or a Text-like object; fall back to Italian."""
    lang = lang or current_language()
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get(lang) or value.get("it") or ""
    if hasattr(value, "it") and hasattr(value, "en"):
        return getattr(value, lang, None) or value.it
    return str(value)


def one_decimal(value: float | None) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value, 1), format="#,##0.0")


def signed_decimal(value: float | None) -> str:
    """A change in points, always with its sign, in the page language: +11,5 / -3,0."""
    if value is None:
        return "–"
    return format_decimal(round(value, 1), format="+#,##0.0;-#,##0.0")


def whole(value: float | None) -> str:
    """A count in the page language's grouping: 2.400 / 2,400."""
    if value is None:
        return "–"
    return format_decimal(round(value), format="#,##0")


def month_label(year_month: str) -> str:
    """'2026-01' as the page language names the month: gen 2026 / Jan 2026."""
    year, month = (int(part) for part in year_month.split("-"))
    return format_date(date(year, month, 1), "MMM yyyy")


def euros(value: float | None) -> str:
    """A whole amount in euro as the page language writes money: 150.000 € / €150,000."""
    if value is None:
        return "–"
    pattern = get_locale().currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return format_currency(round(value), "EUR", format=pattern, currency_digits=False)


def on_day(value: date | datetime | None) -> str:
    """A day after a verb, with the article Italian wants: "il 12/07/2026", "l'11/07/2026" (otto and undici begin
    with a vowel); "on 12 Jul 2026" in English."""
    text = format_day(value)
    if current_language() == "it":
        return ("l'" if text[:2] in ("08", "11") else "il ") + text
    return "on " + text


def format_day(value: date | datetime | None) -> str:
    """A calendar day; a stored instant is first read on the programme's clock (00:30 in Rome is that day)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local_time(value).date()
    if current_language() == "it":
        return value.strftime("%d/%m/%Y")
    return format_date(value, "d MMM y")


def format_moment(value: datetime | None) -> str:
    """Day and time on the programme's clock."""
    if value is None:
        return "–"
    return f"{format_day(value)} {local_time(value):%H:%M}"


def local_day(value: datetime) -> date:
    return local_time(value).date()


# The national vocabulary of aid forms (incentivi.gov.it), said in the page's language.
AID_FORMS = {
    "Contributo/Fondo perduto": _l("Contributo/Fondo perduto"),
    "Prestito/Anticipo rimborsabile": _l("Prestito/Anticipo rimborsabile"),
    "Agevolazione fiscale": _l("Agevolazione fiscale"),
    "Capitale di rischio": _l("Capitale di rischio"),
    "Interventi a garanzia": _l("Interventi a garanzia"),
    "Riduzione dei contributi di previdenza sociale": _l("Riduzione dei contributi di previdenza sociale"),
}


def aid_form(value: str) -> str:
    return str(AID_FORMS.get(value, value))


def pretty_json(value: Any) -> str:
    """Indented JSON for reading (examples in the API docs), letters as they are (… not \\u2026)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def register(app: Flask) -> None:
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["one_decimal"] = one_decimal
    app.jinja_env.filters["signed"] = signed_decimal
    app.jinja_env.filters["whole"] = whole
    app.jinja_env.filters["aid_form"] = aid_form
    app.jinja_env.filters["pretty_json"] = pretty_json
    app.jinja_env.filters["month"] = month_label
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["on_day"] = on_day
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["local_day"] = local_day
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.globals["app_version"] = __version__
    app.jinja_env.globals["closing_soon_days"] = CLOSING_SOON_DAYS
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["this_page_again"] = this_page_again
    app.jinja_env.globals["external_url"] = external_url

    @app.context_processor
    def _today() -> dict:
        return {"today": local_today()}
