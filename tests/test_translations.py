"""Every visible string exists in Italian (the source) and English: the catalogue covers all of them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "assessment" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_source_string_has_an_english_translation(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(template), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {message.id for message in catalogue
                  if message.id and not message.fuzzy
                  and (all(message.string) if isinstance(message.string, tuple) else message.string)}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"{len(missing)} strings without an English translation, e.g. {missing[:5]}" \
                        " (run pybabel extract + update, then translate)"
