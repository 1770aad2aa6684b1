"""`flask --app assessment alerts send [--dry-run]`: one round of grant alerts (daily, and after each sync)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

alerts_cli = AppGroup("alerts", help="Grant alerts to owners and coaches.")


@alerts_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Say what would be mailed; store and send nothing.")
def send_command(dry_run: bool) -> None:
    """Compute today's alerts, store them, and send every stored mail that is due (failed ones are retried)."""
    from ..services.grant_alerts import run_round

    report = run_round(trigger="cli", dry_run=dry_run)
    for key, subject, items in report.previews if dry_run else ():
        click.echo(f"would send to {key}: {subject} ({items} calls)")
    click.echo(f"day {report.local_day}: subscribed companies {report.companies}, mails {report.alerts}, "
               f"calls {report.items}" + ("" if dry_run else f", sent {report.sent}, failed {report.failed}"))
    if report.failed:
        raise SystemExit(1)
