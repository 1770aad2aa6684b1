"""Text as people paste it: what no stored value of ours may carry."""
from __future__ import annotations

import re

# Invisible control characters a paste can bring (tab and line breaks are text and stay): no spreadsheet
# export, file or mail header of ours can carry them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    """The one rule for text we store, from a form, the API or a grant file: no invisible control character
    (NUL included: PostgreSQL refuses it in text, SQLite would keep it). Tab and line breaks are text."""
    return CONTROL_CHARACTERS.search(value) is not None
