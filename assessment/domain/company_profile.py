"""Company identity and size: Italian VAT number (partita IVA) check and the EU SME size class."""
from __future__ import annotations

from .errors import InvalidField

SIZE_CLASSES = ("micro", "small", "medium", "large")

# EU Recommendation 2003/361/EC thresholds, applied to headcount and annual turnover only:
# (size class, employees strictly fewer than, turnover up to and including EUR).
_THRESHOLDS = (
    ("micro", 10, 2_000_000),
    ("small", 50, 10_000_000),
    ("medium", 250, 50_000_000),
)


def validate_vat_number(value: str) -> str:
    """Return the 11 digits of a valid partita IVA; spaces and an "IT" prefix are accepted and dropped.

    Check digit (Agenzia delle Entrate): sum the digits in odd positions (1st, 3rd, … 9th); for each
    digit in an even position (2nd … 10th) add its double, minus 9 when the double exceeds 9; the
    11th digit must equal (10 - total mod 10) mod 10.
    """
    text = "".join(str(value or "").split()).upper()
    text = text.removeprefix("IT")
    if len(text) != 11 or not text.isascii() or not text.isdigit():
        raise InvalidField("vat_number", "must be 11 digits")
    if vat_check_digit(text[:10]) != text[10]:
        raise InvalidField("vat_number", "check digit is wrong")
    return text


def vat_check_digit(first_ten: str) -> str:
    """The 11th digit of a partita IVA whose first ten digits are given (rule above)."""
    total = 0
    for position, char in enumerate(first_ten, start=1):
        digit = int(char)
        if position % 2:
            total += digit
        else:
            doubled = digit * 2
            total += doubled - 9 if doubled > 9 else doubled
    return str((10 - total % 10) % 10)


def size_class(employees: int, annual_turnover_eur: int) -> str:
    """EU SME size class from headcount and turnover: "micro", "small", "medium" or "large"."""
    if employees is None or employees < 0:
        raise InvalidField("employees", "must be zero or more")
    if annual_turnover_eur is None or annual_turnover_eur < 0:
        raise InvalidField("annual_turnover_eur", "must be zero or more")
    for name, max_employees_excluded, max_turnover in _THRESHOLDS:
        if employees < max_employees_excluded and annual_turnover_eur <= max_turnover:
            return name
    return "large"
