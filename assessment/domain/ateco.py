"""ATECO 2025 codes (Fonte: ISTAT, CC BY 4.0): validity, section, search and the map to ATECO 2007/2022."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

TREE_FILE = "ateco2025_completo.csv"
CORRESPONDENCE_FILE = "ateco_corrispondenza_2025_2022.csv"
# Everyday names of trades ("pizzeria", "idraulico", "hairdresser") that official titles do not use, each with
# the subcategories it most often means, likeliest first. Optional: without it, titles alone are searched.
TRADE_WORDS_FILE = "ateco_parole_comuni.csv"
_UNDOTTED = re.compile(r"^\d{2,6}$")
_WORD = re.compile(r"[a-z0-9]+")
# Most detailed first: an owner's code is a subcategory (six digits).
_DEPTH = {"sottocategoria": 0, "categoria": 1, "classe": 2, "gruppo": 3, "divisione": 4}


@dataclass(frozen=True)
class AtecoEntry:
    code: str
    level: str  # sezione, divisione, gruppo, classe, categoria, sottocategoria
    parent: str | None
    title: str


def normalise_code(code: str) -> str:
    """' 62.10.00 ' -> '62.10.00'; '621000' -> '62.10.00'; 'k' -> 'K'."""
    text = str(code or "").strip().upper().replace(" ", "")
    if _UNDOTTED.match(text):
        # digits: division (2), group (3), class (4), category (5), subcategory (6)
        parts = [text[:2], text[2:4], text[4:6]]
        text = ".".join(p for p in parts if p)
    return text


def _plain(text: str) -> str:
    """Lower case without accents, to compare what people type with official titles."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _exact_matches(wanted: list[str], words: frozenset[str]) -> int | None:
    """None unless every wanted word starts a word of `words`; else how many are whole words (or whole
    but for a last letter, so that singular and plural meet)."""
    if not all(any(t.startswith(w) for t in words) for w in wanted):
        return None
    return sum(1 for w in wanted if w in words or any(t[:-1] == w for t in words))


class AtecoIndex:
    """The ATECO 2025 tree and the ISTAT 2025 -> 2022 correspondence, read from `data_dir`."""

    def __init__(self, data_dir: str | Path) -> None:
        data_dir = Path(data_dir)
        self._entries: dict[str, AtecoEntry] = {}
        with open(data_dir / TREE_FILE, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                code = row["codice"].strip()
                self._entries[code] = AtecoEntry(code, row["livello"], row["padre"].strip() or None,
                                                 row["titolo"].strip())
        self._to_2022: dict[str, list[str]] = {}
        with open(data_dir / CORRESPONDENCE_FILE, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                targets = self._to_2022.setdefault(row["code_2025"].strip(), [])
                if row["code_2022"].strip() not in targets:
                    targets.append(row["code_2022"].strip())
        self._title_words = {code: frozenset(_WORD.findall(_plain(entry.title)))
                             for code, entry in self._entries.items()}
        self._trade_words = self._read_trade_words(data_dir / TRADE_WORDS_FILE)

    def _read_trade_words(self, path: Path) -> list[tuple[frozenset[str], tuple[str, ...]]]:
        if not path.exists():
            return []
        trade_words = []
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                codes = tuple(normalise_code(c) for c in row["codici"].split())
                unknown = [c for c in codes if self._entries.get(c) is None
                           or self._entries[c].level != "sottocategoria"]
                if unknown or not codes:
                    raise ValueError(f"{path.name}: {row['parola']!r} needs ATECO 2025 subcategories, "
                                     f"not {unknown or 'nothing'}")
                trade_words.append((frozenset(_WORD.findall(_plain(row["parola"]))), codes))
        return trade_words

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, code: str) -> AtecoEntry | None:
        return self._entries.get(normalise_code(code))

    def is_valid(self, code: str) -> bool:
        return normalise_code(code) in self._entries

    def section_of(self, code: str) -> str | None:
        """The section letter ('62.10.00' -> 'K'); None for an unknown code."""
        entry = self.get(code)
        while entry is not None and entry.parent:
            entry = self._entries.get(entry.parent)
        return entry.code if entry is not None else None

    def search(self, term: str, limit: int = 20) -> list[AtecoEntry]:
        """Codes starting with `term` when it starts with a digit, else entries whose title holds every
        word of `term` (case and accents ignored, a long word without its last letter, so that singular
        and plural meet: "ristorante" finds "ristoranti"); sections excluded, ordered by code."""
        term = (term or "").strip()
        if not term or limit <= 0:
            return []
        if term[0].isdigit():
            prefix = normalise_code(term)
            found = [e for c, e in self._entries.items() if c.startswith(prefix) and e.level != "sezione"]
        else:
            return self._search_words(term, limit)
        return sorted(found, key=lambda e: e.code)[:limit]

    def _search_words(self, term: str, limit: int) -> list[AtecoEntry]:
        """Entries whose title, or an everyday name of the trade, has a word starting with each word typed
        ("bar" is the bar, not "barre" first): exact words rank first, then the everyday names (in the
        order their file gives the codes), then the most detailed codes (the six digits an owner needs),
        then the shorter titles."""
        wanted = [w[:-1] if len(w) > 4 else w for w in _WORD.findall(_plain(term))]
        if not wanted:
            return []
        best: dict[str, tuple] = {}
        for words, codes in self._trade_words:
            exact = _exact_matches(wanted, words)
            if exact is not None:
                for position, code in enumerate(codes):
                    key = (-exact, 0, position, 0, code)
                    best[code] = min(best.get(code, key), key)
        for code, entry in self._entries.items():
            if entry.level == "sezione":
                continue
            title_words = self._title_words[code]
            exact = _exact_matches(wanted, title_words)
            if exact is not None:
                # Ties: the shorter title is the one mostly about the words typed.
                key = (-exact, 1, _DEPTH.get(entry.level, 9), len(title_words), code)
                best[code] = min(best.get(code, key), key)
        return [self._entries[code] for code in sorted(best, key=best.__getitem__)[:limit]]

    def subcategories_of(self, code: str) -> tuple[str, ...]:
        """The six-digit codes under a shorter one ('96.21' -> ('96.21.00',)); () for an unknown code."""
        prefix = normalise_code(code)
        if prefix not in self._entries:
            return ()
        entry = self._entries[prefix]
        if entry.level == "sezione":
            return ()
        # Codes are hierarchical strings: a subcategory's code starts with every ancestor's.
        return tuple(sorted(c for c, e in self._entries.items()
                            if e.level == "sottocategoria" and c.startswith(prefix)))

    def from_2022(self, code_2022: str) -> tuple[str, ...]:
        """The ATECO 2025 subcategories an ATECO 2007/2022 code became (owners still read old codes on
        older papers); () when the code is unknown to the correspondence table."""
        code = normalise_code(code_2022)
        return tuple(sorted(c for c, targets in self._to_2022.items()
                            if code in targets and self._entries.get(c, None) is not None
                            and self._entries[c].level == "sottocategoria"))

    def to_2022(self, code_2025: str) -> tuple[str, ...]:
        """The ATECO 2007/2022 code(s) a 2025 code corresponds to, at the most detailed level the ISTAT
        table gives for it or its nearest ancestor (down to the division); () for an unknown code."""
        entry = self.get(code_2025)
        while entry is not None:
            targets = self._to_2022.get(entry.code)
            if targets:
                return tuple(sorted(targets))
            if entry.level in ("divisione", "sezione") or not entry.parent:
                return ()
            entry = self._entries.get(entry.parent)
        return ()
