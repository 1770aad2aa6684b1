"""Questionnaires as data: load a YAML file, validate it (JSON Schema, then the rules a schema cannot say)
and turn it into frozen dataclasses. Every error names the exact place in the file."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import DomainError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "schema.json"
QUESTION_TYPES = ("single", "multi", "scale")
ADVICE_BANDS = ("low", "middle", "high")
# Who answers: a firm (its owner, the default) or a person (the digital-skills self-check of a participant).
AUDIENCES = ("company", "person")


class QuestionnaireError(DomainError):
    """A questionnaire file is wrong at `path` (e.g. `dimensions[2].questions[4].options[1]`)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Text:
    it: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.it


@dataclass(frozen=True)
class Option:
    key: str
    label: Text
    score: float
    exclusive: bool = False


@dataclass(frozen=True)
class ShowIf:
    """Skip logic: the question is shown only when `question` was answered with one of `values`."""

    question: str
    values: frozenset[str]


@dataclass(frozen=True)
class Question:
    key: str
    dimension_key: str
    type: str
    weight: float
    text: Text
    help: Text | None
    options: tuple[Option, ...]
    max_score: float | None = None
    show_if: ShowIf | None = None

    def option(self, key: str) -> Option:
        for option in self.options:
            if option.key == key:
                return option
        raise KeyError(key)

    @property
    def option_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options)

    @property
    def full_score(self) -> float:
        """What a question score is divided by: the best option, or the multi's cap."""
        if self.type == "multi":
            return self.max_score if self.max_score is not None else sum(o.score for o in self.options)
        return max(option.score for option in self.options)


@dataclass(frozen=True)
class Dimension:
    key: str
    weight: float
    title: Text
    description: Text
    advice: Mapping[str, Text]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level:
    key: str
    min: float
    label: Text
    description: Text


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: str
    title: Text
    intro: Text
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    content_hash: str
    definition: Mapping[str, Any] = field(repr=False, compare=False)
    audience: str = "company"

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for dimension in self.dimensions for q in dimension.questions)

    def dimension(self, key: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise KeyError(key)

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def level_index(self, key: str) -> int:
        for index, level in enumerate(self.levels):
            if level.key == key:
                return index
        raise KeyError(key)

    def level_for(self, score: float) -> Level:
        """The last level whose `min` is at most the score (rounded to 9 places against float noise)."""
        score = round(score, 9)
        chosen = self.levels[0]
        for level in self.levels:
            if level.min <= score:
                chosen = level
        return chosen


# Loading

class _StrictLoader(yaml.SafeLoader):
    """Refuses non-string and duplicate mapping keys: YAML 1.1 reads an unquoted `no` as false."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        where = f"line {key_node.start_mark.line + 1}, column {key_node.start_mark.column + 1}"
        if not isinstance(key, str):
            raise QuestionnaireError(where, f"key {key!r} is not a string (quote it, e.g. \"no\")")
        if key in mapping:
            raise QuestionnaireError(where, f'duplicate key "{key}"')
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read, validate and build one questionnaire file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionnaireError("", f"cannot read the file: {error}") from error
    try:
        # _StrictLoader is a SafeLoader subclass: no arbitrary objects.
        data = yaml.load(text, Loader=_StrictLoader)  # nosec B506
    except yaml.YAMLError as error:
        raise QuestionnaireError("", f"not valid YAML: {error}") from error
    except RecursionError:
        raise QuestionnaireError("", "not valid YAML: lists or mappings nested too deeply") from None
    return from_definition(data)


def load_directory(directory: str | Path) -> dict[str, Questionnaire]:
    """Every `*.yaml` questionnaire of a folder, by key; a bad file is reported with its name."""
    loaded: dict[str, Questionnaire] = {}
    for path in sorted(Path(directory).glob("*.y*ml")):
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:
            raise QuestionnaireError(f"{path.name}: {error.path}" if error.path else path.name,
                                     error.reason) from error
        if questionnaire.key in loaded:
            raise QuestionnaireError(path.name, f'questionnaire key "{questionnaire.key}" is used by two files')
        loaded[questionnaire.key] = questionnaire
    return loaded


def from_definition(definition: Any) -> Questionnaire:
    """Validate a definition (as read from YAML or stored as JSON) and build the questionnaire."""
    if not isinstance(definition, Mapping):
        raise QuestionnaireError("", "the file must hold a mapping with key, version, levels and dimensions")
    _check_schema(definition)
    _check_rules(definition)
    return _build(definition)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def place(parts) -> str:
    """`['dimensions', 2, 'questions', 4]` -> `dimensions[2].questions[4]`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _check_schema(definition: Mapping[str, Any]) -> None:
    errors = list(_validator().iter_errors(definition))
    if not errors:
        return
    # Report the error that comes first in the file, the deepest one where several share a place.
    error = min(errors, key=lambda e: [(0, p) if isinstance(p, int) else (1, str(p)) for p in e.absolute_path])
    raise QuestionnaireError(place(error.absolute_path) or "(top level)", _schema_reason(error))


def _schema_reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return f'missing "{missing[0]}"' if missing else error.message
    if error.validator == "type":
        hint = " (quote it: YAML reads no/yes/on/off as true/false)" if isinstance(error.instance, bool) else ""
        return f"must be a {error.validator_value}, not {json.dumps(error.instance, default=str)}{hint}"
    if error.validator == "enum":
        return f"must be one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        return f'"{error.instance}" must be lowercase letters, digits, "_" or "-"'
    if error.validator in ("minLength", "minItems"):
        return "must not be empty" if error.validator_value == 1 else error.message
    return error.message


def _check_rules(definition: Mapping[str, Any]) -> None:
    """What JSON Schema cannot say: unique keys, level order, show_if targets, scores that can be divided by."""
    _unique([level["key"] for level in definition["levels"]], "levels", "level")
    levels = definition["levels"]
    if levels[0]["min"] != 0:
        raise QuestionnaireError("levels[0].min", "the first level must have min: 0")
    for index in range(1, len(levels)):
        if levels[index]["min"] <= levels[index - 1]["min"]:
            raise QuestionnaireError(f"levels[{index}].min", "must be higher than the previous level's min")
    _unique([d["key"] for d in definition["dimensions"]], "dimensions", "dimension")
    seen: dict[str, dict] = {}
    for d_index, dimension in enumerate(definition["dimensions"]):
        earlier_here: dict[str, dict] = {}  # skip logic stays within a page
        for q_index, question in enumerate(dimension["questions"]):
            where = f"dimensions[{d_index}].questions[{q_index}]"
            if question["key"] in seen:
                raise QuestionnaireError(f"{where}.key", f'duplicate question key "{question["key"]}"')
            _check_question(question, where, earlier_here, is_first=q_index == 0)
            seen[question["key"]] = question
            earlier_here[question["key"]] = question


def _unique(keys: list[str], where: str, what: str) -> None:
    found: set[str] = set()
    for index, key in enumerate(keys):
        if key in found:
            raise QuestionnaireError(f"{where}[{index}].key", f'duplicate {what} key "{key}"')
        found.add(key)


def _check_question(question: Mapping[str, Any], where: str, earlier: Mapping[str, Mapping], *,
                    is_first: bool) -> None:
    keys: set[str] = set()
    for o_index, option in enumerate(question["options"]):
        if option["key"] in keys:
            raise QuestionnaireError(f"{where}.options[{o_index}]", f'duplicate key "{option["key"]}"')
        keys.add(option["key"])
        if option.get("exclusive") and question["type"] != "multi":
            raise QuestionnaireError(f"{where}.options[{o_index}].exclusive", "only a multi question has one")
        if option.get("exclusive") and option["score"] != 0:
            raise QuestionnaireError(f"{where}.options[{o_index}].score", "an exclusive option scores 0")
    total = sum(option["score"] for option in question["options"])
    if question["type"] == "multi":
        if question.get("max_score", total) <= 0:
            raise QuestionnaireError(where, "a multi question needs options with a positive score")
    else:
        if "max_score" in question:
            raise QuestionnaireError(f"{where}.max_score", "only a multi question has one")
        if max(option["score"] for option in question["options"]) <= 0:
            raise QuestionnaireError(f"{where}.options", "at least one option needs a positive score")
    condition = question.get("show_if")
    if condition is None:
        return
    if is_first:
        raise QuestionnaireError(f"{where}.show_if", "the first question of a dimension is always shown")
    target = earlier.get(condition["question"])
    if target is None:
        raise QuestionnaireError(f"{where}.show_if.question",
                                 f'"{condition["question"]}" is not an earlier question of this dimension')
    if "show_if" in target:
        raise QuestionnaireError(f"{where}.show_if.question",
                                 f'"{condition["question"]}" has a show_if itself (no chains)')
    target_keys = {option["key"] for option in target["options"]}
    for v_index, value in enumerate(condition["in"]):
        if value not in target_keys:
            raise QuestionnaireError(f"{where}.show_if.in[{v_index}]",
                                     f'"{value}" is not an option of "{condition["question"]}"')


def _text(value: Mapping[str, str] | None) -> Text | None:
    return None if value is None else Text(it=value["it"], en=value["en"])


def _build(definition: Mapping[str, Any]) -> Questionnaire:
    dimensions = []
    for dimension in definition["dimensions"]:
        questions = tuple(
            Question(
                key=q["key"], dimension_key=dimension["key"], type=q["type"], weight=float(q.get("weight", 1)),
                text=_text(q["text"]), help=_text(q.get("help")),
                options=tuple(Option(o["key"], _text(o["label"]), float(o["score"]), bool(o.get("exclusive")))
                              for o in q["options"]),
                max_score=float(q["max_score"]) if "max_score" in q else None,
                show_if=ShowIf(q["show_if"]["question"], frozenset(q["show_if"]["in"])) if "show_if" in q else None,
            )
            for q in dimension["questions"]
        )
        dimensions.append(Dimension(
            key=dimension["key"], weight=float(dimension["weight"]), title=_text(dimension["title"]),
            description=_text(dimension["description"]),
            advice={band: _text(dimension["advice"][band]) for band in ADVICE_BANDS}, questions=questions,
        ))
    levels = tuple(Level(lv["key"], float(lv["min"]), _text(lv["label"]), _text(lv["description"]))
                   for lv in definition["levels"])
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return Questionnaire(
        key=definition["key"], version=str(definition["version"]), title=_text(definition["title"]),
        intro=_text(definition["intro"]), levels=levels, dimensions=tuple(dimensions),
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        definition=json.loads(canonical), audience=definition.get("audience", "company"),
    )
