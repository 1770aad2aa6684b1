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


def iso_day(value: str) -> str:
    """A day kept as ISO text (a revision's old and new values) as the page writes days; other text as it is."""
    try:
        return format_day(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value


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


# The other national vocabularies an owner reads on a call (incentivi_gov_it_schema.yaml): purposes, kinds of
# beneficiary, eligible costs, sectors. A value outside them (a local call's own words) is shown as written.
NATIONAL_TERMS = {
    **AID_FORMS,
    "Sostegno investimenti": _l("Sostegno investimenti"),
    "Sostegno liquidità": _l("Sostegno liquidità"),
    "Internazionalizzazione": _l("Internazionalizzazione"),
    "Innovazione e ricerca": _l("Innovazione e ricerca"),
    "Start up/Sviluppo d'impresa": _l("Start up/Sviluppo d'impresa"),
    "Digitalizzazione": _l("Digitalizzazione"),
    "Transizione ecologica": _l("Transizione ecologica"),
    "Crisi d'impresa": _l("Crisi d'impresa"),
    "Inclusione sociale": _l("Inclusione sociale"),
    "Imprenditoria giovanile": _l("Imprenditoria giovanile"),
    "Imprenditoria femminile": _l("Imprenditoria femminile"),
    "Formazione (lavoro, occupazione, riqualificazione professionale dei lavoratori)":
        _l("Formazione (lavoro, occupazione, riqualificazione professionale dei lavoratori)"),
    "Rafforzamento del capitale": _l("Rafforzamento del capitale"),
    "Impresa": _l("Impresa"),
    "Cooperative/Associazioni Non Profit": _l("Cooperative/Associazioni Non Profit"),
    "Consorzio": _l("Consorzio"),
    "Rete d'impresa": _l("Rete d'impresa"),
    "Ente Pubblico": _l("Ente Pubblico"),
    "Impresa - SU/PMI innovativa": _l("Impresa - SU/PMI innovativa"),
    "Impresa da costituire - Altro": _l("Impresa da costituire - Altro"),
    "Professionista": _l("Professionista"),
    "Università/Ente di Ricerca": _l("Università/Ente di Ricerca"),
    "Cittadino": _l("Cittadino"),
    "Impresa - prevalenza femminile": _l("Impresa - prevalenza femminile"),
    "Impresa - prevalenza giovanile": _l("Impresa - prevalenza giovanile"),
    "Impresa da costituire - Giovanile": _l("Impresa da costituire - Giovanile"),
    "Impresa da costituire - Femminile": _l("Impresa da costituire - Femminile"),
    "Istituto finanziario": _l("Istituto finanziario"),
    "Associazione fra professionisti": _l("Associazione fra professionisti"),
    "Servizi, brevetti e licenze": _l("Servizi, brevetti e licenze"),
    "Spese generali/altri oneri": _l("Spese generali/altri oneri"),
    "Impianti/Macchinari/Attrezzature": _l("Impianti/Macchinari/Attrezzature"),
    "Costo del personale": _l("Costo del personale"),
    "Fabbricati e terreni": _l("Fabbricati e terreni"),
    "Materie prime, di consumo e merci": _l("Materie prime, di consumo e merci"),
    "Formazione Professionale": _l("Formazione Professionale"),
    "Commercio": _l("Commercio"),
    "Altri servizi": _l("Altri servizi"),
    "Artigianato": _l("Artigianato"),
    "Turismo": _l("Turismo"),
    "Ristorazione": _l("Ristorazione"),
    "Agroalimentare": _l("Agroalimentare"),
    "Alberghiero": _l("Alberghiero"),
    "Cultura": _l("Cultura"),
    "Moda e Tessile": _l("Moda e Tessile"),
    "Mobili, Legno e Carta": _l("Mobili, Legno e Carta"),
    "Meccanica": _l("Meccanica"),
    "Edilizia": _l("Edilizia"),
    "Elettronica": _l("Elettronica"),
    "ICT": _l("ICT"),
    "Servizi di trasporto": _l("Servizi di trasporto"),
    "Metallurgia": _l("Metallurgia"),
    "Autoveicoli e altri mezzi di trasporto": _l("Autoveicoli e altri mezzi di trasporto"),
    "Agricoltura, silvicoltura e pesca": _l("Agricoltura, silvicoltura e pesca"),
    "Chimica e Farmaceutica": _l("Chimica e Farmaceutica"),
    "Salute": _l("Salute"),
    "Fornitura Energia, Acqua e gestione Rifiuti": _l("Fornitura Energia, Acqua e gestione Rifiuti"),
}


def national_term(value: str) -> str:
    """A value of the national catalogue's vocabularies in the page's language."""
    return str(NATIONAL_TERMS.get(value, value))


def pretty_json(value: Any) -> str:
    """Indented JSON for reading (examples in the API docs), letters as they are (… not \\u2026)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def register(app: Flask) -> None:
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["one_decimal"] = one_decimal
    app.jinja_env.filters["signed"] = signed_decimal
    app.jinja_env.filters["whole"] = whole
    app.jinja_env.filters["term"] = national_term
    app.jinja_env.filters["pretty_json"] = pretty_json
    app.jinja_env.filters["month"] = month_label
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["iso_day"] = iso_day
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
