"""Loading a territory's seed file into the catalogue: an upsert on natural keys, so a second run adds nothing."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..domain.catalogue_seed import (
    ProgrammeSeed,
    Seed,
    SeedError,
    TerritorySeed,
    TrackSeed,
    parse_seed,
)
from ..domain.comuni_names import normalise_name
from ..domain.errors import InvalidField
from ..extensions import db
from ..models import (
    AtecoCode,
    Comune,
    Programme,
    Territory,
    ThematicArea,
    Track,
    TrackFormat,
)
from .catalogue import save_targets

KINDS = ("thematic_areas", "territories", "programmes", "tracks", "editions")


@dataclass
class KindCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SeedReport:
    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})

    def count(self, kind: str, is_new: bool, is_changed: bool) -> None:
        counts = self.counts[kind]
        if is_new:
            counts.added += 1
        elif is_changed:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def summary(self) -> str:
        return "\n".join(f"{kind.replace('_', ' ')}: added {c.added}, updated {c.updated}, unchanged {c.unchanged}"
                         for kind, c in self.counts.items())


def load_seed(path: str | Path) -> SeedReport:
    """Upsert the thematic areas, territory, programme (with its targets) and tracks of a seed file.

    Raises SeedError naming every wrong entry before anything is written. A track's is_active is left as
    an admin set it; rows absent from the file are left alone. Flushes; the caller commits.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError([("file", f"cannot read {path}: {getattr(error, 'strerror', None) or error}")]) from None
    known_areas = set(db.session.execute(db.select(ThematicArea.key)).scalars())
    seed = parse_seed(text, known_areas)
    comuni, places, errors = _resolve_references(seed)
    if errors:
        raise SeedError(errors)

    report = SeedReport()
    existing_areas = {a.key: a for a in db.session.execute(db.select(ThematicArea)).scalars()}
    for area in seed.areas:
        row = existing_areas.get(area.key)
        if row is None:
            db.session.add(ThematicArea(**asdict(area)))
        report.count("thematic_areas", row is None, row is not None and _assign(row, asdict(area)))
    db.session.flush()  # tracks and targets refer to the areas

    territory = _upsert_territory(seed.territory, comuni, report) if seed.territory else None
    if seed.programme:
        _upsert_programme(seed.programme, territory, report)
    existing_tracks = {t.code: t for t in db.session.execute(
        db.select(Track).where(Track.code.in_([t.code for t in seed.tracks]))).scalars()}
    for track in seed.tracks:
        row, values = existing_tracks.get(track.code), _track_values(track, places)
        if row is None:
            db.session.add(Track(code=track.code, **values))
        report.count("tracks", row is None, row is not None and _assign(row, values))
    db.session.flush()
    _upsert_editions(seed, report)
    return report


def _upsert_editions(seed: Seed, report: SeedReport) -> None:
    """Editions by their key; sessions matched by position (a session with attendance is never removed)."""
    from ..models import TrainingEdition
    from .training import SessionInput, save_edition

    if not seed.editions:
        return
    tracks = {t.code: t for t in db.session.execute(
        db.select(Track).where(Track.code.in_([e.track for e in seed.editions]))).scalars()}
    errors = [(f"editions[{i}].track", f'no track with code "{e.track}"')
              for i, e in enumerate(seed.editions) if e.track not in tracks]
    if errors:
        raise SeedError(errors)
    existing = {e.seed_key: e for e in db.session.execute(db.select(TrainingEdition).where(
        TrainingEdition.seed_key.in_([e.key for e in seed.editions]))).scalars()}
    kept = _edited_by_staff([e.id for e in existing.values()])
    for i, item in enumerate(seed.editions):
        row = existing.get(item.key)
        if row is not None and (row.is_cancelled or row.id in kept):
            # The file declared it; a programme manager has changed or cancelled it since, and their people
            # were told: loading the seed again (`make run` does) must not silently undo that.
            report.count("editions", False, False)
            continue
        values = {"track_id": tracks[item.track].id, "title": item.title, "description": item.description,
                  "place": item.place, "online_url": item.online_url, "capacity": item.capacity,
                  "trainer_user_id": row.trainer_user_id if row else None,
                  "trainer_name": None if row and row.trainer_user_id else item.trainer_name,
                  "registration_deadline_on": item.registration_deadline_on,
                  "min_attendance_percent": item.min_attendance_percent, "is_example": item.is_example}
        old = [(s.on_date, s.start_time, s.end_time) for s in row.sessions] if row else []
        new = [(s.on_date, s.start_time, s.end_time) for s in item.sessions]
        changed = row is not None and (old != new or any(getattr(row, k) != v for k, v in values.items()))
        if row is None or changed:
            ids = [s.id for s in row.sessions] if row else []
            inputs = [SessionInput(id=ids[n] if n < len(ids) else None, on_date=s.on_date, start_time=s.start_time,
                                   end_time=s.end_time) for n, s in enumerate(item.sessions)]
            try:
                edition = save_edition(row, values, inputs)
            except InvalidField as error:
                raise SeedError([(f"editions[{i}].{error.field}", error.reason)]) from None
            edition.seed_key = item.key
        report.count("editions", row is None, changed)
    db.session.flush()


def _edited_by_staff(edition_ids: list[int]) -> set[int]:
    """The editions a person changed or cancelled from the admin pages (the audit log says who did what)."""
    from ..models import AuditEntry

    if not edition_ids:
        return set()
    edition_id = AuditEntry.details["edition_id"].as_integer()
    return set(db.session.execute(db.select(edition_id).where(
        AuditEntry.action.in_(("edition_updated", "edition_cancelled")), AuditEntry.user_id.is_not(None),
        edition_id.in_(edition_ids))).scalars())


def _assign(row, values: dict) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _resolve_references(seed: Seed) -> tuple[list[Comune], dict[str, str], list[tuple[str, str]]]:
    """The territory's comuni and the tracks' places, checked against the reference tables."""
    errors: list[tuple[str, str]] = []
    comuni: list[Comune] = []
    if seed.territory:
        rows = db.session.execute(db.select(Comune).where(
            Comune.province_code.in_(seed.territory.provinces) | Comune.istat_code.in_(seed.territory.comuni)
        ).order_by(Comune.istat_code)).scalars().all()
        comuni = list(rows)
        found_provinces, found_codes = {c.province_code for c in rows}, {c.istat_code for c in rows}
        errors += [(f"territory.provinces[{i}]", f'no comune has province code "{sigla}"')
                   for i, sigla in enumerate(seed.territory.provinces) if sigla not in found_provinces]
        errors += [(f"territory.comuni[{i}]", f'unknown ISTAT code "{code}"')
                   for i, code in enumerate(seed.territory.comuni) if code not in found_codes]
    places: dict[str, str] = {}
    if any(t.place for t in seed.tracks):
        names = {normalise_name(n): n for n in db.session.execute(db.select(Comune.name).distinct()).scalars()}
        for i, track in enumerate(seed.tracks):
            if track.place and normalise_name(track.place) not in names:
                errors.append((f"tracks[{i}].place", f'no comune named "{track.place}" (null: online)'))
            elif track.place:
                places[track.place] = names[normalise_name(track.place)]  # the ISTAT spelling
    wanted = {s for t in seed.tracks for s in t.ateco_sections}
    if wanted:
        sections = set(db.session.execute(db.select(AtecoCode.section).where(AtecoCode.level == "sezione"))
                       .scalars())
        errors += [(f"tracks[{i}].ateco_sections", f'unknown ATECO 2025 section "{s}"')
                   for i, t in enumerate(seed.tracks) for s in t.ateco_sections if sections and s not in sections]
    return comuni, places, errors


def _upsert_territory(seed: TerritorySeed, comuni: list[Comune], report: SeedReport) -> Territory:
    row = db.session.execute(db.select(Territory).filter_by(key=seed.key)).scalar_one_or_none()
    is_new = row is None
    if is_new:
        row = Territory(key=seed.key)
        db.session.add(row)
    changed = _assign(row, {"name_it": seed.name_it, "name_en": seed.name_en, "is_default": seed.is_default})
    if is_new or {c.istat_code for c in row.comuni} != {c.istat_code for c in comuni}:
        row.comuni = comuni
        changed = True
    if seed.is_default:  # one default territory at most, as in the admin
        others = db.session.execute(db.update(Territory).where(Territory.is_default.is_(True),
                                                               Territory.key != seed.key)
                                    .values(is_default=False))
        changed = changed or others.rowcount > 0
    report.count("territories", is_new, changed)
    db.session.flush()
    return row


def _upsert_programme(seed: ProgrammeSeed, territory: Territory | None, report: SeedReport) -> None:
    row = db.session.execute(db.select(Programme).filter_by(key=seed.key)).scalar_one_or_none()
    is_new = row is None
    if is_new:
        row = Programme(key=seed.key)
        db.session.add(row)
    changed = _assign(row, {"name_it": seed.name_it, "name_en": seed.name_en, "starts_on": seed.starts_on,
                            "ends_on": seed.ends_on, "is_current": seed.is_current,
                            "territory_id": territory.id if territory else None})
    # The file states every target: one it leaves out is removed.
    areas = {t.thematic_area_key for t in row.targets if t.metric == "firms_per_area"} | set(seed.firms_per_area)
    wanted = {("people_trained", None): seed.people_trained, ("firms_accompanied", None): seed.firms_accompanied,
              **{("firms_per_area", key): seed.firms_per_area.get(key) for key in areas}}
    current = {(t.metric, t.thematic_area_key): t.target for t in row.targets}
    if {k: v for k, v in wanted.items() if v is not None} != current:
        db.session.flush()
        save_targets(row, seed.people_trained, seed.firms_accompanied,
                     {key: seed.firms_per_area.get(key) for key in areas})
        changed = True
    report.count("programmes", is_new, changed)


def _track_values(seed: TrackSeed, places: dict[str, str]) -> dict:
    values = asdict(seed)
    values.pop("code")
    values["thematic_area_key"] = values.pop("thematic_area")
    values["format"] = TrackFormat(seed.format)
    values["ateco_sections"] = list(seed.ateco_sections)
    values["dimension_weights"] = dict(seed.dimension_weights)
    values["place"] = places.get(seed.place) if seed.place else None
    return values
