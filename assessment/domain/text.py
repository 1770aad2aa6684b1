"""Text as people paste it: what no stored value of ours may carry."""
from __future__ import annotations

import re

# Invisible control characters a paste can bring (tab and line breaks are text and stay): no spreadsheet
# export, file or mail header of ours can carry them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
