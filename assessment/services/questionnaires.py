"""Questionnaire versions: the YAML files are synced into immutable snapshots that assessments point to."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app

from ..domain.questionnaire import Questionnaire, from_definition, load_directory
from ..extensions import db
from ..models import QuestionnaireVersion


def sync_questionnaires(directory: str | Path | None = None) -> list[QuestionnaireVersion]:
    """Store a snapshot of every questionnaire file whose content is new; existing snapshots never change."""
    directory = Path(directory or current_app.config["QUESTIONNAIRE_DIR"])
    loaded = load_directory(directory)
    existing = {
        (row.key, row.content_hash): row
        for row in db.session.execute(db.select(QuestionnaireVersion)).scalars()
    }
    versions = []
    for questionnaire in loaded.values():
        row = existing.get((questionnaire.key, questionnaire.content_hash))
        if row is None:
            row = QuestionnaireVersion(key=questionnaire.key, version=questionnaire.version,
                                       content_hash=questionnaire.content_hash,
                                       definition=questionnaire.definition)
            db.session.add(row)
        versions.append(row)
    db.session.flush()
    return versions


def latest_version(key: str) -> QuestionnaireVersion | None:
    """The newest snapshot of a questionnaire: what a new assessment is answered on."""
    return db.session.execute(
        db.select(QuestionnaireVersion).filter_by(key=key)
        .order_by(QuestionnaireVersion.loaded_at.desc(), QuestionnaireVersion.id.desc()).limit(1)
    ).scalar_one_or_none()


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    return _parse_snapshot(version.content_hash, version.id)


@lru_cache(maxsize=64)
def _parse_snapshot(content_hash: str, version_id: int) -> Questionnaire:
    # Snapshots are immutable, so parsing each once per process is safe.
    row = db.session.get(QuestionnaireVersion, version_id)
    return from_definition(row.definition)


def display_names(lang: str, key: str = "dma-sme") -> tuple[dict[str, str], dict[str, str]]:
    """Dimension titles and level labels of the newest questionnaire, for lists and dashboards."""
    from ..templating import localized

    version = latest_version(key)
    if version is None:
        return {}, {}
    questionnaire = questionnaire_of(version)
    return ({d.key: localized(d.title, lang) for d in questionnaire.dimensions},
            {level.key: localized(level.label, lang) for level in questionnaire.levels})
