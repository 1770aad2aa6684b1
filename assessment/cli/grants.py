"""`flask --app assessment grants import FILE`: load grant calls in one transaction, report per record."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..clock import local_today

grants_cli = AppGroup("grants", help="Grant calls: import incentivi.gov.it open data or local files.")


@grants_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--source", default=None,
              help="Store every record under this source (default: incentivi.gov.it, or the file's own).")
def import_command(file: str, source: str | None) -> None:
    """Import FILE (incentivi.gov.it JSON/CSV, or the local YAML/CSV format); running it twice changes nothing."""
    from ..domain.grant_records import MalformedFile
    from ..extensions import db
    from ..services.grants import import_grants

    try:
        report = import_grants(db.session, file, source=source, today=local_today())
        db.session.commit()
    except MalformedFile as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.reason}; nothing was imported") from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(report.summary())
    for key, reason in report.rejected:
        label = f"row {key}" if isinstance(key, int) else key
        click.echo(f"rejected {label}: {reason}")
    for external_id, names in report.unresolved_comuni:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        click.echo(f"{external_id}: comuni not matched (eligibility will say 'to check'): {shown}")
