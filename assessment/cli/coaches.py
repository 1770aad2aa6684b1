"""`flask --app assessment coaches assign [--dry-run]`: propose waiting companies to coaches."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.assignment import build_plan, send_proposals

coaches_cli = AppGroup("coaches", help="Coaches and the assignment of companies.")


@coaches_cli.command("assign")
@click.option("--dry-run", is_flag=True, help="Print the optimal plan without sending it.")
def assign_command(dry_run: bool) -> None:
    """Optimal assignment under every coach's free capacity; proposals are mailed to the coaches."""
    context = build_plan()
    plan = context.plan
    for pair in plan.pairs:
        click.echo(f"company {pair.company_id} -> coach {context.coaches[pair.coach_id].email} "
                   f"(fit {pair.fit:.3f}): {pair.reason_en}")
    for queued in plan.queue:
        click.echo(f"company {queued.company_id} waits: {queued.reason_en}")
    click.echo(f"proposals: {len(plan.pairs)}, waiting: {len(plan.queue)}")
    if dry_run:
        return
    _, unmailed, taken = send_proposals(
        [(p.company_id, p.coach_id, p.fit, {"it": p.reason_it, "en": p.reason_en}) for p in plan.pairs],
        proposed_by=None)
    db.session.commit()
    click.echo("sent" + (f"; the e-mail did not reach {unmailed} coach(es): they find the proposals on their page"
                         if unmailed else ""))
    if taken:
        click.echo(f"not sent, proposed meanwhile by someone else: companies {', '.join(map(str, taken))}")
