"""Reading a territory's seed file (thematic areas, territory, programme, tracks), checking every entry.

Errors name the entry and field (`tracks[3].format: unknown value "x"`, list positions from 0) and are all
reported at once, so one run shows everything to fix in the file.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time

import yaml

from .errors import DomainError
from .grant_dimensions import DIMENSIONS

TRACK_FORMATS = ("workshop", "coaching", "online_course")  # the values of models.TrackFormat
N_LEVELS = 5  # the questionnaire's levels, initial .. leading: a track's level_from/to index them
TOP_LEVEL = ("thematic_areas", "territory", "programme", "tracks", "editions")
AREA_FIELDS = ("key", "name_it", "name_en", "position")
TERRITORY_FIELDS = ("key", "name_it", "name_en", "is_default", "provinces", "comuni")
PROGRAMME_FIELDS = ("key", "name_it", "name_en", "starts_on", "ends_on", "is_current", "targets")
TARGET_FIELDS = ("people_trained", "firms_accompanied", "firms_per_area")
TRACK_FIELDS = ("code", "thematic_area", "title_it", "title_en", "description_it", "description_en",
                "dimension_weights", "level_from", "level_to", "ateco_sections", "format", "hours",
                "seats_per_cohort", "starts_on", "place", "provider", "is_example")
EDITION_FIELDS = ("key", "track", "title", "description", "place", "online_url", "capacity", "trainer_name",
                  "registration_deadline_on", "min_attendance_percent", "is_example", "sessions")
SESSION_FIELDS = ("date", "start", "end")


class SeedError(DomainError):
    """The seed file is wrong somewhere: [(place, reason)], e.g. ("tracks[3].format", 'unknown value "x"')."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{place}: {reason}" for place, reason in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class AreaSeed:
    key: str
    name_it: str
    name_en: str
    position: int


@dataclass(frozen=True)
class TerritorySeed:
    key: str
    name_it: str
    name_en: str
    is_default: bool
    provinces: tuple[str, ...]  # ISTAT province sigle: all their comuni belong to the territory
    comuni: tuple[str, ...]  # ISTAT codes, added to the provinces' comuni


@dataclass(frozen=True)
class ProgrammeSeed:
    key: str
    name_it: str
    name_en: str
    starts_on: date
    ends_on: date
    is_current: bool
    people_trained: int | None
    firms_accompanied: int | None
    firms_per_area: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackSeed:
    code: str
    thematic_area: str
    title_it: str
    title_en: str
    description_it: str
    description_en: str
    dimension_weights: dict[str, float]
    level_from: int
    level_to: int
    ateco_sections: tuple[str, ...]
    format: str
    hours: int
    seats_per_cohort: int
    starts_on: date | None
    place: str | None
    provider: str
    is_example: bool


@dataclass(frozen=True)
class SessionSeed:
    on_date: date
    start_time: time
    end_time: time


@dataclass(frozen=True)
class EditionSeed:
    key: str
    track: str  # a track's code, in the file or already in the catalogue
    title: str
    description: str
    place: str | None
    online_url: str | None
    capacity: int
    trainer_name: str | None
    registration_deadline_on: date | None
    min_attendance_percent: int
    is_example: bool
    sessions: tuple[SessionSeed, ...]


@dataclass(frozen=True)
class Seed:
    areas: tuple[AreaSeed, ...]
    territory: TerritorySeed | None
    programme: ProgrammeSeed | None
    tracks: tuple[TrackSeed, ...]
    editions: tuple[EditionSeed, ...] = ()


def parse_seed(text: str, known_areas: Iterable[str] = ()) -> Seed:
    """The seed in `text` (YAML); `known_areas` are thematic area keys that exist besides the file's own.
    Raises SeedError listing every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SeedError([("file", f"not valid YAML{where}: {getattr(error, 'problem', None) or error}")]) from None
    except RecursionError:
        raise SeedError([("file", "not valid YAML: lists or mappings nested too deeply")]) from None
    check = _Checker()
    check.keys_are_text(document, "file")
    if check.errors:
        raise SeedError(check.errors)
    if not isinstance(document, dict):
        raise SeedError([("file", "expected a mapping with " + ", ".join(TOP_LEVEL))])
    check.no_unknown(document, TOP_LEVEL, "file")
    areas = tuple(check.area(entry, f"thematic_areas[{i}]")
                  for i, entry in enumerate(check.items(document, "thematic_areas")))
    area_keys = {a.key for a in areas if a} | set(known_areas)
    territory = (check.territory(document["territory"], "territory")
                 if document.get("territory") is not None else None)
    programme = (check.programme(document["programme"], "programme", area_keys)
                 if document.get("programme") is not None else None)
    tracks = tuple(check.track(entry, f"tracks[{i}]", area_keys)
                   for i, entry in enumerate(check.items(document, "tracks")))
    check.unique([(a.key, f"thematic_areas[{i}]") for i, a in enumerate(areas) if a], "key")
    check.unique([(t.code, f"tracks[{i}]") for i, t in enumerate(tracks) if t], "code")
    editions = tuple(check.edition(entry, f"editions[{i}]")
                     for i, entry in enumerate(check.items(document, "editions")))
    check.unique([(e.key, f"editions[{i}]") for i, e in enumerate(editions) if e], "key")
    if check.errors:
        raise SeedError(check.errors)
    return Seed(areas=areas, territory=territory, programme=programme, tracks=tracks, editions=editions)


class _Checker:
    """Reads typed values out of plain YAML data, collecting (place, reason) instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, place: str, reason: str) -> None:
        self.errors.append((place, reason))

    def keys_are_text(self, node: object, place: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    self.fail(place, f"key {key!r} is not text: quote it (YAML reads unquoted no, yes, on, "
                                     "off as true/false and digits as numbers)")
                self.keys_are_text(value, f"{place}.{key}" if place != "file" else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.keys_are_text(value, f"{place}[{i}]")

    def no_unknown(self, entry: dict, allowed: tuple[str, ...], place: str) -> None:
        for name in entry:
            if name not in allowed:
                self.fail(place, f'unknown field "{name}" (expected: {", ".join(allowed)})')

    def items(self, document: dict, name: str) -> list:
        value = document.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "expected a list")
            return []
        return value

    def unique(self, pairs: list[tuple[str, str]], name: str) -> None:
        first: dict[str, str] = {}
        for value, place in pairs:
            if value in first:
                self.fail(f"{place}.{name}", f'"{value}" is already used by {first[value]}')
            first.setdefault(value, place)

    def entry(self, value: object, place: str, allowed: tuple[str, ...]) -> dict | None:
        if not isinstance(value, dict):
            self.fail(place, "expected a mapping of fields")
            return None
        self.no_unknown(value, allowed, place)
        return value

    def text(self, entry: dict, name: str, place: str, *, max_length: int = 200, required: bool = True,
             default: str | None = "") -> str | None:
        value = entry.get(name)
        if value is None or value == "":
            if required:
                self.fail(f"{place}.{name}", "missing")
            return default
        if not isinstance(value, str):
            self.fail(f"{place}.{name}", f"expected text, not {value!r} (quote it)")
            return default
        if len(value.strip()) > max_length:
            self.fail(f"{place}.{name}", f"longer than {max_length} characters")
        return value.strip()

    def integer(self, entry: dict, name: str, place: str, *, low: int = 0, high: int | None = None,
                default: int | None = 0) -> int | None:
        value = entry.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{place}.{name}", f"expected a whole number, not {value!r}")
            return default
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            self.fail(f"{place}.{name}", f"{value} is out of range ({bounds})")
            return default
        return value

    def boolean(self, entry: dict, name: str, place: str, default: bool = False) -> bool:
        value = entry.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{place}.{name}", f"expected true or false, not {value!r}")
            return default
        return value

    def date(self, entry: dict, name: str, place: str, *, required: bool = True) -> date | None:
        value = entry.get(name)
        if value is None:
            if required:
                self.fail(f"{place}.{name}", "missing (a date: 2026-03-01)")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{place}.{name}", f"not a date: {value!r} (write 2026-03-01)")
            return None

    def text_list(self, entry: dict, name: str, place: str) -> tuple[str, ...]:
        value = entry.get(name) or []
        if not isinstance(value, list):
            self.fail(f"{place}.{name}", "expected a list")
            return ()
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{place}.{name}[{i}]", f"expected quoted text, not {item!r}")
        return tuple(item.strip() for item in value if isinstance(item, str))

    def area(self, value: object, place: str) -> AreaSeed | None:
        entry = self.entry(value, place, AREA_FIELDS)
        if entry is None:
            return None
        return AreaSeed(key=self.text(entry, "key", place, max_length=40), name_it=self.text(entry, "name_it", place),
                        name_en=self.text(entry, "name_en", place), position=self.integer(entry, "position", place))

    def territory(self, value: object, place: str) -> TerritorySeed | None:
        entry = self.entry(value, place, TERRITORY_FIELDS)
        if entry is None:
            return None
        provinces = self.text_list(entry, "provinces", place)
        comuni = self.text_list(entry, "comuni", place)
        for i, code in enumerate(comuni):
            if not (len(code) == 6 and code.isdigit()):
                self.fail(f"{place}.comuni[{i}]", f'"{code}" is not an ISTAT code (six digits, quoted)')
        if not provinces and not comuni:
            self.fail(place, "list its provinces (sigle, e.g. [TO]) or its comuni (ISTAT codes)")
        return TerritorySeed(key=self.text(entry, "key", place, max_length=60),
                             name_it=self.text(entry, "name_it", place), name_en=self.text(entry, "name_en", place),
                             is_default=self.boolean(entry, "is_default", place),
                             provinces=tuple(p.upper() for p in provinces), comuni=comuni)

    def programme(self, value: object, place: str, area_keys: set[str]) -> ProgrammeSeed | None:
        entry = self.entry(value, place, PROGRAMME_FIELDS)
        if entry is None:
            return None
        starts_on, ends_on = self.date(entry, "starts_on", place), self.date(entry, "ends_on", place)
        if starts_on and ends_on and ends_on < starts_on:
            self.fail(f"{place}.ends_on", "comes before starts_on")
        targets = self.entry(entry.get("targets") or {}, f"{place}.targets", TARGET_FIELDS) or {}
        per_area = targets.get("firms_per_area") or {}
        if not isinstance(per_area, dict):
            self.fail(f"{place}.targets.firms_per_area", "expected {thematic area key: firms}")
            per_area = {}
        for key in per_area:
            if key not in area_keys:
                self.fail(f"{place}.targets.firms_per_area", f'unknown thematic area "{key}"')
        return ProgrammeSeed(
            key=self.text(entry, "key", place, max_length=60), name_it=self.text(entry, "name_it", place),
            name_en=self.text(entry, "name_en", place), starts_on=starts_on, ends_on=ends_on,
            is_current=self.boolean(entry, "is_current", place, default=True),
            people_trained=self.integer(targets, "people_trained", f"{place}.targets", default=None),
            firms_accompanied=self.integer(targets, "firms_accompanied", f"{place}.targets", default=None),
            firms_per_area={key: self.integer(per_area, key, f"{place}.targets.firms_per_area")
                            for key in per_area if key in area_keys})

    def weights(self, entry: dict, place: str) -> dict[str, float]:
        value = entry.get("dimension_weights")
        if not isinstance(value, dict) or not value:
            self.fail(f"{place}.dimension_weights", "expected {dimension key: weight 0..1}, at least one")
            return {}
        weights = {}
        for key, weight in value.items():
            if key not in DIMENSIONS:
                self.fail(f"{place}.dimension_weights", f'unknown dimension "{key}" ({", ".join(DIMENSIONS)})')
            elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
                self.fail(f"{place}.dimension_weights.{key}", f"expected a number from 0 to 1, not {weight!r}")
            else:
                weights[key] = weight
        return weights

    def track(self, value: object, place: str, area_keys: set[str]) -> TrackSeed | None:
        entry = self.entry(value, place, TRACK_FIELDS)
        if entry is None:
            return None
        area = self.text(entry, "thematic_area", place, max_length=40)
        if area and area not in area_keys:
            self.fail(f"{place}.thematic_area", f'unknown thematic area "{area}"')
        track_format = self.text(entry, "format", place, max_length=20)
        if track_format and track_format not in TRACK_FORMATS:
            self.fail(f"{place}.format", f'unknown value "{track_format}" ({", ".join(TRACK_FORMATS)})')
        level_from = self.integer(entry, "level_from", place, high=N_LEVELS - 1)
        level_to = self.integer(entry, "level_to", place, high=N_LEVELS - 1, default=N_LEVELS - 1)
        if level_from is not None and level_to is not None and level_from > level_to:
            self.fail(f"{place}.level_to", f"{level_to} is below level_from ({level_from})")
        sections = tuple(s.upper() for s in self.text_list(entry, "ateco_sections", place))
        for i, section in enumerate(sections):
            if not (len(section) == 1 and section.isalpha()):
                self.fail(f"{place}.ateco_sections[{i}]", f'"{section}" is not an ATECO section letter')
        return TrackSeed(
            code=self.text(entry, "code", place, max_length=40), thematic_area=area,
            title_it=self.text(entry, "title_it", place), title_en=self.text(entry, "title_en", place),
            description_it=self.text(entry, "description_it", place, max_length=5000, required=False),
            description_en=self.text(entry, "description_en", place, max_length=5000, required=False),
            dimension_weights=self.weights(entry, place), level_from=level_from, level_to=level_to,
            ateco_sections=sections, format=track_format, hours=self.integer(entry, "hours", place),
            seats_per_cohort=self.integer(entry, "seats_per_cohort", place),
            starts_on=self.date(entry, "starts_on", place, required=False),
            place=self.text(entry, "place", place, required=False, default=None),
            provider=self.text(entry, "provider", place, required=False), is_example=self.boolean(
                entry, "is_example", place))

    def clock_time(self, entry: dict, name: str, place: str) -> time | None:
        value = entry.get(name)
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{place}.{name}", f'expected a quoted time such as "09:30", not {value!r}')
        return None

    def edition(self, value: object, place: str) -> EditionSeed | None:
        entry = self.entry(value, place, EDITION_FIELDS)
        if entry is None:
            return None
        sessions = []
        raw_sessions = entry.get("sessions")
        if not isinstance(raw_sessions, list) or not raw_sessions:
            self.fail(f"{place}.sessions", "expected a list of {date, start, end}, at least one")
            raw_sessions = []
        for i, raw in enumerate(raw_sessions):
            where = f"{place}.sessions[{i}]"
            item = self.entry(raw, where, SESSION_FIELDS)
            if item is None:
                continue
            on_date = self.date(item, "date", where)
            start, end = self.clock_time(item, "start", where), self.clock_time(item, "end", where)
            if start and end and end <= start:
                self.fail(f"{where}.end", "must be after start")
            elif on_date and start and end:
                sessions.append(SessionSeed(on_date, start, end))
        place_text = self.text(entry, "place", place, max_length=300, required=False, default=None)
        online_url = self.text(entry, "online_url", place, max_length=500, required=False, default=None)
        if not place_text and not online_url:
            self.fail(place, "give a place or an online_url")
        return EditionSeed(
            key=self.text(entry, "key", place, max_length=60), track=self.text(entry, "track", place, max_length=40),
            title=self.text(entry, "title", place),
            description=self.text(entry, "description", place, max_length=5000, required=False),
            place=place_text, online_url=online_url, capacity=self.integer(entry, "capacity", place),
            trainer_name=self.text(entry, "trainer_name", place, required=False, default=None),
            registration_deadline_on=self.date(entry, "registration_deadline_on", place, required=False),
            min_attendance_percent=self.integer(entry, "min_attendance_percent", place, high=100, default=70),
            is_example=self.boolean(entry, "is_example", place), sessions=tuple(sessions))
