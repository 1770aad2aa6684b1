"""What a staff password may be: the one rule every place that sets one applies (the forms, the command line)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_TRAILING = "0123456789!?.,;:-_*#@$%&+= "


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 commonest passwords, lower case (assessment/data/README.md gives the source)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """None for a password we accept, else why not: 'too_short', 'too_long', 'one_character' (1111111111) or
    'common' (one of the commonest passwords, as it is or followed by digits and symbols: password2024!)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    if len(set(password)) == 1:
        return "one_character"
    lowered = password.lower()
    stem = lowered.rstrip(_TRAILING)
    common = common_passwords()
    if lowered in common or lowered.strip() in common or (len(stem) >= 4 and stem in common):
        return "common"
    return None
