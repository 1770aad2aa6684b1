"""The company profile: validated the same way for the web wizard and the JSON API."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..domain.company_profile import size_class, validate_vat_number
from ..domain.errors import InvalidField
from .reference import ateco_entry, ateco_index, comune_label, find_comuni

PRIVACY_NOTICE_VERSION = "2026-11"

# The web form offers turnover classes; each is stored as its upper bound, which keeps the size class exact.
TURNOVER_CLASSES = (
    (2_000_000, "fino a 2 milioni di euro", "up to EUR 2 million"),
    (10_000_000, "da 2 a 10 milioni di euro", "EUR 2 to 10 million"),
    (50_000_000, "da 10 a 50 milioni di euro", "EUR 10 to 50 million"),
    (50_000_001, "oltre 50 milioni di euro", "over EUR 50 million"),
)


def turnover_class(value: int | None) -> int | None:
    """The class of the form's choice an exact turnover falls in (the API and older records hold exact
    amounts), so that a re-assessment starts with the choice already made."""
    if value is None:
        return None
    return next((bound for bound, _it, _en in TURNOVER_CLASSES if value <= bound), TURNOVER_CLASSES[-1][0])


class ProfileInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Profile:
    company_name: str
    vat_number: str
    ateco_code: str
    ateco_section: str
    comune_istat: str
    employees: int
    annual_turnover_eur: int
    size_class: str
    email: str | None
    privacy_accepted: bool
    coach_contact: bool
    themes: tuple[str, ...]


def _ateco_error(typed: str) -> str:
    """An older code (ATECO 2007, still printed on many papers) gets the 2025 codes it became."""
    successors = ateco_index().from_2022(typed) if typed.strip() else ()
    if successors:
        return _("%(code)s è un codice ATECO 2007: dal 2025 è diventato %(codes)s. Scegli quello della tua "
                 "attività.", code=typed.strip(), codes=", ".join(successors[:6]))
    return _("Indica un codice ATECO esistente (per esempio 10.71.10).")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # isascii(): "²" and other Unicode digits pass isdigit() but are not numbers int() reads.
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"y", "yes", "true", "on", "1"}:
        return True
    if value in (None, "", "false", "0", "off", "n", "no"):
        return False
    return None


def validate_profile(raw: Mapping[str, Any], *, themes_allowed: set[str] | None = None) -> Profile:
    """Every problem at once, keyed by field name, in the request's language."""
    errors: dict[str, str] = {}
    name = raw.get("company_name")
    if not isinstance(name, str) or not name.strip():
        errors["company_name"] = _("Indica la ragione sociale dell'impresa.")
    elif len(name) > 200:
        errors["company_name"] = _("Al massimo 200 caratteri.")
    vat = None
    try:
        vat = validate_vat_number(raw.get("vat_number") if isinstance(raw.get("vat_number"), str) else "")
    except InvalidField as error:
        errors["vat_number"] = (_("La partita IVA deve avere 11 cifre.") if "11" in error.reason
                                else _("La partita IVA non è valida: la cifra di controllo non torna."))
    ateco_raw = raw.get("ateco_code") if isinstance(raw.get("ateco_code"), str) else ""
    ateco = ateco_entry(ateco_raw)
    if ateco is None or ateco.level == "sezione":
        errors["ateco_code"] = _ateco_error(ateco_raw)
    elif ateco.level != "sottocategoria":  # the register gives every company a six-digit code
        errors["ateco_code"] = _("Indica il codice completo, a sei cifre: %(code)s comprende %(codes)s.",
                                 code=ateco.code, codes=", ".join(ateco_index().subcategories_of(ateco.code)[:6]))
    comune_raw = raw.get("comune_istat")
    comuni = find_comuni(comune_raw if isinstance(comune_raw, str) else None)
    comune = comuni[0] if len(comuni) == 1 else None
    if len(comuni) > 1:
        errors["comune_istat"] = _("Più comuni hanno questo nome: scegli quello giusto, per esempio %(names)s.",
                                   names=", ".join(comune_label(c) for c in comuni[:3]))
    elif comune is None:
        errors["comune_istat"] = _("Scegli il comune dall'elenco ISTAT.")
    employees = _as_int(raw.get("employees"))
    if employees is None or employees < 0 or employees > 10_000_000:
        errors["employees"] = _("Indica il numero di addetti (un numero intero, anche 0).")
    turnover = _as_int(raw.get("annual_turnover_eur"))
    if turnover is None or turnover < 0:
        errors["annual_turnover_eur"] = _("Indica il fatturato annuo.")
    email = raw.get("email") or None
    if email is not None:
        if not isinstance(email, str) or len(email) > 254 or not _is_email(email):
            errors["email"] = _("Indirizzo e-mail non valido.")
    privacy = _as_bool(raw.get("privacy_accepted"))
    if privacy is not True:
        errors["privacy_accepted"] = _("Per inviare la valutazione occorre accettare l'informativa privacy.")
    coach_contact = _as_bool(raw.get("coach_contact", False))
    if coach_contact is None:
        errors["coach_contact"] = _("Valore non valido.")
    themes = raw.get("themes") or []
    if not isinstance(themes, list | tuple) or not all(isinstance(t, str) for t in themes) or (
        themes_allowed is not None and not set(themes) <= themes_allowed
    ):
        errors["themes"] = (_("Temi non validi: quelli del programma sono %(keys)s.",
                               keys=", ".join(sorted(themes_allowed))) if themes_allowed else _("Temi non validi."))
    if errors:
        raise ProfileInvalid(errors)
    return Profile(
        company_name=name.strip(), vat_number=vat, ateco_code=ateco.code, ateco_section=ateco.section,
        comune_istat=comune.istat_code, employees=employees, annual_turnover_eur=turnover,
        size_class=size_class(employees, turnover), email=email.strip().lower() if email else None,
        privacy_accepted=True, coach_contact=bool(coach_contact), themes=tuple(themes),
    )


def _is_email(value: str) -> bool:
    """The syntax check WTForms' Email validator uses (email-validator), without asking the DNS."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
