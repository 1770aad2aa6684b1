"""A small questionnaire definition for domain tests, small enough to score by hand."""
from __future__ import annotations

import copy


def text(word: str) -> dict[str, str]:
    return {"it": f"{word} (it)", "en": f"{word} (en)"}


def option(key: str, score: float, **extra) -> dict:
    return {"key": key, "label": text(key), "score": score, **extra}


def advice() -> dict:
    return {band: text(f"advice {band}") for band in ("low", "middle", "high")}


SMALL = {
    "key": "small",
    "version": "1",
    "title": text("title"),
    "intro": text("intro"),
    "levels": [
        {"key": "initial", "min": 0, "label": text("initial"), "description": text("d")},
        {"key": "basic", "min": 25, "label": text("basic"), "description": text("d")},
        {"key": "advanced", "min": 60, "label": text("advanced"), "description": text("d")},
    ],
    "dimensions": [
        {
            "key": "strategy", "weight": 2, "title": text("strategy"), "description": text("d"),
            "advice": advice(),
            "questions": [
                {"key": "plan", "type": "single", "text": text("plan"),
                 "options": [option("none", 0), option("some", 1), option("written", 3)]},
                {"key": "budget", "type": "scale", "weight": 2, "text": text("budget"),
                 "show_if": {"question": "plan", "in": ["some", "written"]},
                 "options": [option(f"s{i}", i) for i in range(5)]},
                {"key": "tools", "type": "multi", "text": text("tools"), "max_score": 2,
                 "options": [option("web", 1), option("crm", 1), option("erp", 1),
                             option("nothing", 0, exclusive=True)]},
            ],
        },
        {
            "key": "data", "weight": 1, "title": text("data"), "description": text("d"), "advice": advice(),
            "questions": [
                {"key": "backup", "type": "single", "text": text("backup"),
                 "options": [option("no", 0), option("yes", 2)]},
                {"key": "security", "type": "multi", "text": text("security"),
                 "options": [option("twofa", 1), option("antivirus", 2), option("nothing", 0, exclusive=True)]},
            ],
        },
    ],
}


def small(**changes) -> dict:
    """A deep copy of SMALL, so a test can break one thing."""
    definition = copy.deepcopy(SMALL)
    definition.update(changes)
    return definition
