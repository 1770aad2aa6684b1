"""Small parsers for the values found in grant records: lists, Italian amounts, dates, ATECO code lists."""
from __future__ import annotations

import ast
import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from .comuni_names import normalise_name

_CODE = re.compile(r"^(?:[A-Ua-u]|\d{2}(?:\.\d{1,2}){0,2})$")
_EXCLUSION_WORDS = ("tranne", "esclus", "eccett", "ad eccezione", "ad esclusione")


def as_list(value: object) -> list[str]:
    """A list, '; '-separated text, or a JSON (or Python-style) list written as text -> stripped, non-empty
    strings."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):  # nested thousands deep: no list of ours, read as text
                try:  # a Python-style list: "['Impresa', 'Consorzio']"
                    decoded = ast.literal_eval(text)
                except (ValueError, SyntaxError, RecursionError, MemoryError):
                    decoded = None
            if isinstance(decoded, list):
                return as_list(decoded)
        return [part.strip() for part in text.split(";") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value).strip()]


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def text_or_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_amount(value: object) -> float | None:
    """'15375383,50' -> 15375383.5; '1.056.000,00' and '€ 1.500' -> Italian thousands; text -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"(?i)\s|\u00a0|€|eur(o)?", "", str(value))
    if not text or not re.fullmatch(r"-?[\d.,]+", text) or not re.search(r"\d", text):
        return None
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if text.count(",") > 1 else text.replace(",", ".")
    elif text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", text):
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return None


# incentivi.gov.it is Italian: its instants become Italian calendar days, whatever zone the server runs in.
_ITALY = ZoneInfo("Europe/Rome")


def parse_utc(value: object) -> datetime | None:
    """ISO 8601 text (with or without a zone; none means UTC) -> naive UTC datetime. ValueError if bad."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def parse_day(value: object) -> date | None:
    """A calendar day in Italy. incentivi.gov.it datetimes are UTC instants ('2022-10-16T22:00:00' is
    midnight of 17/10 in Rome), so datetimes are moved to Italian time before taking the date; plain
    dates ('2024-06-29', '29/06/2024') are taken as they are. ValueError when it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    moment = parse_utc(value)
    return moment.replace(tzinfo=UTC).astimezone(_ITALY).date()


def parse_ateco(text: object) -> tuple[bool, list[str], str | None]:
    """Codici_ATECO -> (is_all_sectors, codes, original text).

    Empty, or prose starting 'Tutti i settori' without exclusion words -> all sectors. '62.01; 63.11;'
    -> those codes. Other prose without codes -> (False, [], text): restricted in words, to check by hand.
    """
    if isinstance(text, (list, tuple)):
        text = "; ".join(str(t) for t in text)
    original = text_or_none(text)
    if original is None:
        return True, [], None
    tokens = [t.strip() for t in re.split(r"[;,\n]", original) if t.strip()]
    codes = unique([t.upper() if t[0].isalpha() else t for t in tokens if _CODE.match(t)])
    if codes:
        return False, codes, original
    plain = normalise_name(original)
    if plain in ("all", "tutti") or (
        plain.startswith("tutti i settori") and not any(w in plain for w in _EXCLUSION_WORDS)
    ):
        return True, [], original
    return False, [], original
