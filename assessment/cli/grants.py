"""`flask --app assessment grants import FILE`: load grant calls in one transaction, report per record."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..clock import local_today

grants_cli = AppGroup("grants", help="Grant calls: import incentivi.gov.it open data or local files, sync the "
                                     "national catalogue.")


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


@grants_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="Read the whole catalogue and print what would change; write no grant.")
@click.option("--url", default=None, help="The Solr endpoint (default: the INCENTIVI_SOLR_URL setting).")
def sync_command(dry_run: bool, url: str | None) -> None:
    """Sync the national catalogue from incentivi.gov.it: every page or nothing; the run is stored in the log."""
    from flask import current_app

    from ..extensions import db
    from ..jobs import sync_and_follow_up
    from ..services.grant_sync import sync_national_catalogue
    from ..services.incentivi_client import FetchSettings

    settings = FetchSettings.from_config(current_app.config, url)
    click.echo(f"reading {settings.url} ({settings.page_size} records a page)")
    run = None
    try:
        if dry_run:
            result = sync_national_catalogue(db.session, settings, dry_run=True, today=local_today())
            db.session.commit()  # the log entry of the dry run
        else:
            run = sync_and_follow_up(settings, current_app.config["REDIS_URL"])
            result = run.result
    except Exception:
        db.session.rollback()
        raise
    log = result.sync
    click.echo(f"sync #{log.id}{' (dry run)' if dry_run else ''}: {log.outcome.value}; pages: {log.pages}, "
               f"numFound: {log.found}, read: {log.seen}")
    if not result.is_success:
        raise click.ClickException(f"{log.error}; no grant was changed")
    changes = result.changes
    click.echo(f"new: {log.new}, amended: {log.amended}, withdrawn: {log.withdrawn}, reappeared: {log.reappeared}, "
               f"rejected: {log.rejected} (unchanged: {changes.unchanged}; completed or refreshed without an "
               f"amendment: {changes.refreshed})")
    if dry_run:
        for external_id in changes.new:
            click.echo(f"new {external_id}")
        for external_id, fields in {**changes.amended, **changes.reappeared}.items():
            kind = "reappeared" if external_id in changes.reappeared else "amended"
            shown = "; ".join(f"{name}: {_short(c['old'])} -> {_short(c['new'])}" for name, c in fields.items())
            click.echo(f"{kind} {external_id}" + (f": {shown}" if shown else ""))
        for external_id in changes.withdrawn:
            click.echo(f"withdrawn {external_id}")
    for key, reason in log.rejections:
        click.echo(f"rejected {key}: {reason}")
    if dry_run:
        click.echo("dry run: no grant was written")
        return
    outcome = run.recomputed
    if outcome.companies and outcome.stored is None:
        click.echo(f"recommendations of {outcome.companies} companies: queued for the RQ worker")
    else:
        click.echo(f"recommendations recomputed for {outcome.companies} companies ({outcome.stored} matches)")
    click.echo("grant alerts: " + ("queued for the RQ worker" if run.mails is None else f"{run.mails} mails"))


def _short(value: object, limit: int = 60) -> str:
    text = "(none)" if value in (None, [], "") else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
