"""Partita IVA check digit and the EU SME size class."""
from __future__ import annotations

import pytest

from assessment.domain.company_profile import size_class, validate_vat_number
from assessment.domain.errors import InvalidField


def _with_check_digit(first_ten: str) -> str:
    total = 0
    for position, char in enumerate(first_ten, start=1):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return first_ten + str((10 - total % 10) % 10)


@pytest.mark.parametrize("value", [
    "00743110157",        # a well-known valid partita IVA
    "IT00743110157",
    "it 007 431 101 57",
    " 00743110157 ",
])
def test_valid_vat_numbers_are_normalised(value):
    assert validate_vat_number(value) == "00743110157"


def test_check_digit_computed_independently_is_accepted():
    for first_ten in ("0123456789", "1234567890", "9999999999", "0000000001"):
        number = _with_check_digit(first_ten)
        assert validate_vat_number(number) == number


@pytest.mark.parametrize("value", ["", None, "1234567890", "123456789012", "0074311015A", "IT", "٠٠٧٤٣١١٠١٥٧"])
def test_wrong_length_or_characters(value):
    with pytest.raises(InvalidField) as error:
        validate_vat_number(value)
    assert error.value.field == "vat_number"
    assert error.value.reason == "must be 11 digits"


def test_wrong_check_digit():
    with pytest.raises(InvalidField) as error:
        validate_vat_number("00743110158")
    assert error.value.reason == "check digit is wrong"


@pytest.mark.parametrize("employees, turnover, expected", [
    (0, 0, "micro"),
    (9, 2_000_000, "micro"),
    (10, 100_000, "small"),
    (9, 2_000_001, "small"),
    (49, 10_000_000, "small"),
    (50, 1_000_000, "medium"),
    (49, 10_000_001, "medium"),
    (249, 50_000_000, "medium"),
    (250, 1_000_000, "large"),
    (10, 50_000_001, "large"),
])
def test_size_class_thresholds(employees, turnover, expected):
    assert size_class(employees, turnover) == expected


@pytest.mark.parametrize("employees, turnover, field", [(-1, 0, "employees"), (0, -5, "annual_turnover_eur")])
def test_negative_numbers_are_refused(employees, turnover, field):
    with pytest.raises(InvalidField) as error:
        size_class(employees, turnover)
    assert error.value.field == field
