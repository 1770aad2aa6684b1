"""Programme managers' edits of the catalogue: tracks, grants, territories, coach profiles, targets."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_
from sqlalchemy.orm import selectinload

from ..domain.comuni_names import comune_name_index, resolve_comuni
from ..domain.errors import InvalidField
from ..domain.grant_dimensions import DIMENSIONS
from ..domain.matching_text import DIMENSION_TITLES, LEVELS
from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    AtecoCode,
    CoachAssignment,
    CoachProfile,
    Comune,
    Grant,
    Programme,
    ProgrammeTarget,
    Role,
    Territory,
    ThematicArea,
    Track,
    User,
    territory_comuni,
)
from .audit import record
from .coaching import seats_taken, withdraw_coach_assignments
from .questionnaires import display_names
from .users import end_sessions

PAGE_SIZE = 25
LANGUAGES = ("it", "en", "fr", "de")
GRANT_STATES = ("open", "closed", "sportello")
_CODE_FIRST = re.compile(r"^(\d{6})\b")
_COMUNI_SEPARATORS = re.compile(r"[\r\n,;\t]+")


MAX_PAGE = 1_000_000  # keeps OFFSET within the database's integers, whatever page a URL asks for


def paginate(query, page: int) -> Pagination:
    """One page of a select: a count query and an items query, whatever the number of rows."""
    return db.paginate(query, page=min(max(page, 1), MAX_PAGE), per_page=PAGE_SIZE, error_out=False)


def _like(search: str) -> str:
    return f"%{search.strip()}%"


def dimension_and_level_names(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Dimension titles and level labels, in the questionnaire's order (a track's level_from/to index
    the levels), as the newest questionnaire names them."""
    titles, levels = display_names(lang)
    index = 0 if lang == "it" else 1
    return (titles or {key: DIMENSION_TITLES[key][index].capitalize() for key in DIMENSIONS},
            levels or {names[1]: names[index].capitalize() for names in LEVELS})


def ateco_sections() -> list[AtecoCode]:
    return list(db.session.execute(db.select(AtecoCode).where(AtecoCode.level == "sezione")
                                   .order_by(AtecoCode.code)).scalars())


def thematic_areas() -> list[ThematicArea]:
    return list(db.session.execute(db.select(ThematicArea).order_by(ThematicArea.position,
                                                                    ThematicArea.key)).scalars())


# Tracks


def list_tracks(search: str, page: int) -> Pagination:
    query = db.select(Track).options(selectinload(Track.thematic_area)).order_by(Track.is_active.desc(),
                                                                                 Track.code)
    if search.strip():
        like = _like(search)
        query = query.where(or_(Track.code.ilike(like), Track.title_it.ilike(like),
                                Track.title_en.ilike(like), Track.provider.ilike(like)))
    return paginate(query, page)


def save_track(track: Track | None, values: dict) -> Track:
    """Create (track None) or update a track from plain values named as its columns."""
    if values["level_from"] > values["level_to"]:
        raise InvalidField("level_to", _("Il livello finale non può precedere quello iniziale."))
    unknown = set(values["dimension_weights"]) - set(DIMENSIONS)
    if unknown:
        raise InvalidField("dimension_weights",
                           _("Dimensioni sconosciute: %(keys)s", keys=", ".join(sorted(unknown))))
    clash = db.select(Track.id).where(Track.code == values["code"])
    if track is not None:
        clash = clash.where(Track.id != track.id)
    if db.session.execute(clash).first():
        raise InvalidField("code", _("Esiste già un percorso con questo codice."))
    if track is not None:
        taken = seats_taken([track.id]).get(track.id, 0)
        if values["seats_per_cohort"] < taken:
            raise InvalidField("seats_per_cohort", ngettext(
                "È già iscritta %(num)d persona: i posti non possono essere meno.",
                "Sono già iscritte %(num)d persone: i posti non possono essere meno.", taken))
    is_new = track is None
    track = track or Track()
    for name, value in values.items():
        setattr(track, name, value)
    track.place = (values.get("place") or "").strip() or None  # empty: online
    db.session.add(track)
    db.session.flush()
    record("track_created" if is_new else "track_updated", None, track_id=track.id, code=track.code)
    return track


def set_track_active(track: Track, is_active: bool) -> None:
    """Tracks are never deleted: enrolments and stored matches keep pointing at them."""
    track.is_active = is_active
    record("track_activated" if is_active else "track_deactivated", None, track_id=track.id, code=track.code)
    db.session.flush()


# Grants


def grant_sources() -> list[str]:
    return list(db.session.execute(db.select(Grant.source).distinct().order_by(Grant.source)).scalars())


def list_grants(search: str, state: str, source: str, page: int, today: date) -> Pagination:
    query = db.select(Grant).order_by(Grant.closes_on.is_(None), Grant.closes_on.desc(), Grant.id)
    if search.strip():
        query = query.where(Grant.title.ilike(_like(search)))
    if source:
        query = query.where(Grant.source == source)
    if state == "open":
        query = query.where(Grant.closes_on >= today, or_(Grant.opens_on.is_(None), Grant.opens_on <= today))
    elif state == "closed":
        query = query.where(Grant.closes_on < today)
    elif state == "sportello":
        query = query.where(Grant.closes_on.is_(None))
    return paginate(query, page)


def update_grant(grant: Grant, dimensions_override: list[str] | None, is_active: bool) -> None:
    """None keeps the dimensions derived by the keyword rules; a list (even empty) overrides them."""
    if dimensions_override is not None:
        unknown = set(dimensions_override) - set(DIMENSIONS)
        if unknown:
            raise InvalidField("dimensions_override",
                               _("Dimensioni sconosciute: %(keys)s", keys=", ".join(sorted(unknown))))
        dimensions_override = [d for d in DIMENSIONS if d in dimensions_override]
    grant.dimensions_override = dimensions_override
    grant.is_active = is_active
    record("grant_updated", None, grant_id=grant.id, is_active=is_active, dimensions_override=dimensions_override)
    db.session.flush()


# Territories and comuni


def resolve_comuni_lines(text: str, field: str = "comuni") -> list[str]:
    """ISTAT codes from codes or comune names, one per line or separated by commas, semicolons or tabs (a
    spreadsheet row pasted) ('001125', 'Ivrea', 'Samone (TO)', '001125 Ivrea'); raises InvalidField listing
    every entry that matched no comune. No comune name holds those separators."""
    lines = [line.strip() for line in _COMUNI_SEPARATORS.split(text or "") if line.strip()]
    if not lines:
        return []
    rows = db.session.execute(db.select(Comune.istat_code, Comune.name, Comune.province_code)).all()
    # Names shared by two comuni (Samone TO/TN) only resolve with the province: "Samone (TO)".
    index = comune_name_index((code, name, f"{name} ({sigla})") for code, name, sigla in rows)
    known = {code for code, _name, _sigla in rows}
    codes: list[str] = []
    unresolved: list[str] = []
    for line in lines:
        match = _CODE_FIRST.match(line)
        if match and match[1] in known:
            found, missing = [match[1]], []
        else:
            found, missing = resolve_comuni([line], index)
        codes.extend(c for c in found if c not in codes)
        unresolved.extend(missing)
    if unresolved:
        raise InvalidField(field, _("Comuni non riconosciuti (usa il codice ISTAT o il nome, con la sigla "
                                    "della provincia se il nome è ambiguo): %(names)s",
                                    names="; ".join(unresolved)))
    return codes


def list_territories(search: str, page: int) -> tuple[Pagination, dict[int, int]]:
    """A page of territories and how many comuni each holds (one grouped query for the page)."""
    query = db.select(Territory).order_by(Territory.is_default.desc(), Territory.key)
    if search.strip():
        like = _like(search)
        query = query.where(or_(Territory.key.ilike(like), Territory.name_it.ilike(like),
                                Territory.name_en.ilike(like)))
    pagination = paginate(query, page)
    ids = [t.id for t in pagination.items]
    counts = dict(db.session.execute(
        db.select(territory_comuni.c.territory_id, func.count())
        .where(territory_comuni.c.territory_id.in_(ids)).group_by(territory_comuni.c.territory_id)
    ).all()) if ids else {}
    return pagination, counts


def save_territory(territory: Territory | None, key: str, name_it: str, name_en: str, comuni_text: str,
                   is_default: bool) -> Territory:
    codes = resolve_comuni_lines(comuni_text)
    clash = db.select(Territory.id).where(Territory.key == key)
    if territory is not None:
        clash = clash.where(Territory.id != territory.id)
    if db.session.execute(clash).first():
        raise InvalidField("key", _("Esiste già un territorio con questa chiave."))
    territory = territory or Territory()
    territory.key, territory.name_it, territory.name_en = key, name_it, name_en
    territory.comuni = list(db.session.execute(
        db.select(Comune).where(Comune.istat_code.in_(codes))).scalars()) if codes else []
    if is_default:  # one default territory at most
        db.session.execute(db.update(Territory).where(Territory.is_default.is_(True))
                           .values(is_default=False))
    is_new = territory.id is None
    territory.is_default = is_default
    db.session.add(territory)
    db.session.flush()
    record("territory_created" if is_new else "territory_updated", None, territory_id=territory.id, key=key,
           comuni=len(codes))
    return territory


def territories() -> list[Territory]:
    return list(db.session.execute(db.select(Territory).order_by(Territory.name_it)).scalars())


# Coaches


def list_coaches(search: str, page: int) -> tuple[Pagination, dict[int, int]]:
    """A page of coaches with their profile, and their load: proposals and assignments in progress."""
    query = (db.select(User).where(User.role == Role.coach).options(selectinload(User.coach_profile))
             .order_by(User.name, User.email))
    if search.strip():
        like = _like(search)
        query = query.where(or_(User.name.ilike(like), User.email.ilike(like)))
    pagination = paginate(query, page)
    ids = [u.id for u in pagination.items]
    loads = dict(db.session.execute(
        db.select(CoachAssignment.coach_id, func.count())
        .where(CoachAssignment.coach_id.in_(ids), CoachAssignment.status.in_(ACTIVE_STATUSES))
        .group_by(CoachAssignment.coach_id)
    ).all()) if ids else {}
    return pagination, loads


def update_coach_profile(coach: User, values: dict, comuni_text: str) -> CoachProfile:
    """values: expertise {dimension: 0..3}, thematic_areas, territory_ids, languages, capacity,
    is_available. The change is written to the audit log."""
    if not coach.is_coach:
        raise InvalidField("coach", _("Questo utente non è un coach."))
    if any(key not in DIMENSIONS or not 0 <= level <= 3 for key, level in values["expertise"].items()):
        raise InvalidField("expertise", _("Le competenze vanno da 0 a 3 per ogni dimensione."))
    if set(values["languages"]) - set(LANGUAGES):
        raise InvalidField("languages", _("Lingua non prevista."))
    if values["capacity"] < 0:
        raise InvalidField("capacity", _("La capacità non può essere negativa."))
    values = dict(values, comuni_istat=resolve_comuni_lines(comuni_text))
    profile = coach.coach_profile or CoachProfile(user=coach)
    before = {name: getattr(profile, name) for name in values}
    for name, value in values.items():
        setattr(profile, name, value)
    db.session.add(profile)
    changed = sorted(name for name in values if before[name] != values[name])
    record("coach_profile_update", None, coach_id=coach.id, changed=changed)
    db.session.flush()
    return profile


def set_account_enabled(user: User, is_enabled: bool) -> int:
    """A disabled account cannot log in, is never proposed companies and its API tokens stop working; a
    disabled coach's companies go back to wait for another coach. Returns how many companies went back."""
    user.is_enabled = is_enabled
    returned = 0 if is_enabled else withdraw_coach_assignments(user.id)
    if not is_enabled:  # its sessions end now, not at their next login
        end_sessions(user)
    record("account_enabled" if is_enabled else "account_disabled", None, account_id=user.id)
    db.session.flush()
    return returned


# Programme targets


def current_programme() -> Programme | None:
    return db.session.execute(
        db.select(Programme).where(Programme.is_current.is_(True)).options(selectinload(Programme.targets))
        .order_by(Programme.starts_on.desc(), Programme.id.desc()).limit(1)
    ).scalar_one_or_none()


def save_targets(programme: Programme, people_trained: int | None, firms_accompanied: int | None,
                 per_area: dict[str, int | None]) -> None:
    """Set the programme's targets; an empty value removes that target."""
    wanted = {("people_trained", None): people_trained, ("firms_accompanied", None): firms_accompanied}
    wanted.update({("firms_per_area", key): value for key, value in per_area.items()})
    if any(value is not None and value < 0 for value in wanted.values()):
        raise InvalidField("targets", _("Gli obiettivi non possono essere negativi."))
    existing = {(t.metric, t.thematic_area_key): t for t in programme.targets}
    for (metric, area), value in wanted.items():
        target = existing.get((metric, area))
        if value is None:
            if target is not None:
                programme.targets.remove(target)
        elif target is None:
            programme.targets.append(ProgrammeTarget(metric=metric, thematic_area_key=area, target=value))
        else:
            target.target = value
    record("targets_updated", None, programme_id=programme.id,
           targets={f"{metric}:{area}" if area else metric: value for (metric, area), value in wanted.items()})
    db.session.flush()
