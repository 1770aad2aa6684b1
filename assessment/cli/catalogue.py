"""`flask --app assessment catalogue seed PATH`: load a territory's seed file (areas, territory, programme, tracks)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

catalogue_cli = AppGroup("catalogue", help="The catalogue: thematic areas, territories, programmes, tracks.")


@catalogue_cli.command("seed")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def seed_command(path: Path) -> None:
    """Load PATH (e.g. assessment/data/seed/canavese.yaml); running it twice changes nothing."""
    from ..domain.catalogue_seed import SeedError
    from ..extensions import db
    from ..services.seed import load_seed

    try:
        report = load_seed(path)
    except SeedError as error:
        db.session.rollback()
        lines = "\n".join(f"  {place}: {reason}" for place, reason in error.errors)
        raise click.ClickException(f"{path}: nothing was loaded\n{lines}") from None
    db.session.commit()
    click.echo(report.summary())
