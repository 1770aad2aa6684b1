"""`flask --app assessment drafts purge`: unfinished questionnaires are kept only for DRAFT_RETENTION_DAYS."""
from __future__ import annotations

import click
from flask.cli import AppGroup

drafts_cli = AppGroup("drafts", help="Unfinished questionnaires.")


@drafts_cli.command("purge")
def purge_command() -> None:
    """Delete the drafts whose retention has run out (run it daily, e.g. from cron)."""
    from ..extensions import db
    from ..services.assessments import purge_expired_drafts

    removed = purge_expired_drafts()
    db.session.commit()
    click.echo(f"expired drafts deleted: {removed}")
