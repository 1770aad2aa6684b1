"""The ATECO 2025 index: validity, sections, search and the correspondence to ATECO 2007/2022."""
from __future__ import annotations

from pathlib import Path

import pytest

from assessment.domain.ateco import AtecoIndex, normalise_code

DATA = Path(__file__).resolve().parents[2] / "assessment" / "data"


@pytest.fixture(scope="module")
def ateco() -> AtecoIndex:
    return AtecoIndex(DATA)


def test_loads_the_whole_tree(ateco):
    assert len(ateco) == 3257


@pytest.mark.parametrize("raw, expected", [(" 62.10.00 ", "62.10.00"), ("621000", "62.10.00"), ("6210", "62.10"),
                                           ("k", "K"), ("62", "62")])
def test_normalise_code(raw, expected):
    assert normalise_code(raw) == expected


def test_validity_and_sections(ateco):
    assert ateco.is_valid("62.10.00") and ateco.is_valid("621000") and ateco.is_valid("K")
    assert not ateco.is_valid("62.99.99") and not ateco.is_valid("")
    assert ateco.section_of("62.10.00") == "K"  # ICT is K in ATECO 2025 (J in 2007)
    assert ateco.section_of("01.11.00") == "A"
    assert ateco.section_of("K") == "K"
    assert ateco.section_of("99.99") is None


def test_search_by_code_prefix(ateco):
    found = [e.code for e in ateco.search("62.1")]
    assert found == ["62.1", "62.10", "62.10.0", "62.10.00"]
    assert [e.code for e in ateco.search("62", limit=3)] == ["62", "62.1", "62.10"]


def test_search_by_words_ignores_case_and_accents(ateco):
    found = ateco.search("programmazione INFORMATICA")
    assert found and all("programmazione" in e.title.lower() and "informatica" in e.title.lower()
                         for e in found)
    assert "62.10.00" in [e.code for e in found]
    assert ateco.search("attivita", limit=5) and len(ateco.search("attivita", limit=5)) == 5
    assert ateco.search("") == [] and ateco.search("zzzxq") == []


def test_to_2022_at_the_most_detailed_level(ateco):
    assert ateco.to_2022("62.10.00") == ("62.01.00",)
    assert ateco.to_2022("62.20") == ("62.02", "62.03")  # one 2025 class split from two 2022 classes
    assert ateco.to_2022("62") == ("62",)


def test_to_2022_falls_back_to_an_ancestor(ateco):
    # 46.89 (new in 2025) is missing from ISTAT's table: its group 46.8 answers.
    assert ateco.to_2022("46.89.00") == ateco.to_2022("46.8")
    assert ateco.to_2022("46.89.00")
    assert ateco.to_2022("99.99.99") == ()


def test_search_meets_singular_and_plural(ateco):
    assert "56.11" in [e.code for e in ateco.search("ristorante")]  # the titles say "ristoranti"
    assert "96.21.00" in [e.code for e in ateco.search("parrucchiere")]


def test_an_ateco_2007_code_leads_to_the_2025_codes_it_became(ateco):
    assert ateco.get("56.30.00") is None  # the bar of the older papers...
    assert ateco.from_2022("56.30.00") == ("56.30.01", "56.30.02", "56.30.03", "56.30.04")  # ...today
    assert ateco.from_2022("99.99.99") == ()


def test_a_short_word_finds_the_activity_before_longer_words_that_start_with_it(ateco):
    assert ateco.search("bar", limit=1)[0].code == "56.30.01"  # the bar, before "barre" or "barbabietole"
    assert ateco.search("parrucchiere", limit=1)[0].code == "96.21.00"


@pytest.mark.parametrize("typed, first", [
    ("pizzeria", "56.11.11"), ("Estetista", "96.22.09"), ("elettricista", "43.21.01"),
    ("idraulico", "43.22.05"), ("meccanico", "95.31.10"), ("panificio", "10.71.10"),
    ("hairdresser", "96.21.00"), ("cantina vinicola", "11.02.10"), ("B&B", "55.20.41"),
    ("Caffè", "56.30.01"), ("gommisti", "95.31.30"),
])
def test_everyday_trade_names_find_the_codes_titles_do_not_name(ateco, typed, first):
    assert ateco.search(typed, limit=1)[0].code == first


def test_trade_names_do_not_push_aside_an_exact_title_word(ateco):
    assert ateco.search("bar", limit=1)[0].code == "56.30.01"  # not the barber ("barbiere")
    assert "56.11.11" in [e.code for e in ateco.search("pizz", limit=5)]  # a started word finds the pizzeria
    found = [e.code for e in ateco.search("pasticceria", limit=10)]
    assert found[:2] == ["56.11.23", "56.11.24"] and "10.71.20" in found


def test_trade_words_naming_an_unknown_code_are_refused(tmp_path):
    for name in ("ateco2025_completo.csv", "ateco_corrispondenza_2025_2022.csv"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "ateco_parole_comuni.csv").write_text("parola,codici\npizzeria,56.11\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pizzeria"):
        AtecoIndex(tmp_path)
    (tmp_path / "ateco_parole_comuni.csv").unlink()
    assert AtecoIndex(tmp_path).search("pizzeria") == []  # without the file, titles alone


def test_the_six_digit_codes_under_a_shorter_one(ateco):
    assert ateco.subcategories_of("96.21") == ("96.21.00",)
    assert ateco.subcategories_of("9621") == ("96.21.00",)
    assert ateco.subcategories_of("10.71.10") == ("10.71.10",)
    assert len(ateco.subcategories_of("10")) > 20 and ateco.subcategories_of("C") == ()
    assert ateco.subcategories_of("99.99") == ()
