"""`flask --app assessment questionnaire validate PATH` and `… score KEY ANSWERS.json`."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ..domain.errors import InvalidAnswers
from ..domain.questionnaire import QuestionnaireError, load_questionnaire
from ..domain.scoring import parse_answers, score_assessment
from ..services.questionnaires import (
    latest_version,
    questionnaire_of,
    sync_questionnaires,
)

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire files: check, load and score.")


@questionnaire_cli.command("load")
def load() -> None:
    """Store every file of QUESTIONNAIRE_DIR whose content is new, as a new version (stored ones never change):
    after `db upgrade` on a new installation, and after a questionnaire file was edited."""
    from ..extensions import db

    try:
        versions = sync_questionnaires()
    except QuestionnaireError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo("questionnaires: " + (", ".join(f"{v.key} {v.version}" for v in versions) or "none"))


@questionnaire_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(path: Path) -> None:
    """Check a questionnaire file; errors name the exact place."""
    try:
        questionnaire = load_questionnaire(path)
    except QuestionnaireError as error:
        raise click.ClickException(f"{path}: {error}") from error
    click.echo(f"{path}: ok ({questionnaire.key} {questionnaire.version}, "
               f"{len(questionnaire.dimensions)} dimensions, {len(questionnaire.questions)} questions)")


@questionnaire_cli.command("score")
@click.argument("key")
@click.argument("answers_file", type=click.File("r"))
def score(key: str, answers_file) -> None:
    """Print {"overall", "level", "dimensions"} as JSON for the answers in ANSWERS_FILE."""
    version = latest_version(key)
    if version is None:
        sync_questionnaires()
        version = latest_version(key)
    if version is None:
        raise click.ClickException(f"no questionnaire with key {key!r}")
    try:
        raw = json.load(answers_file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"ANSWERS.json is not valid JSON: {error}") from error
    if not isinstance(raw, dict):
        raise click.ClickException("ANSWERS.json must be an object {question_key: option_key or [keys]}")
    questionnaire = questionnaire_of(version)
    try:
        answers = parse_answers(questionnaire, raw)
    except InvalidAnswers as error:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in error.errors.items())) from error
    click.echo(json.dumps(score_assessment(questionnaire, answers).to_json(), ensure_ascii=False))
