"""``ambassador purge``: delete raw answers past their retention period."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.extensions import db
from survey.policy import AUDIT_RETENTION_DAYS


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list the rounds that would be purged.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Delete raw answers and comments of rounds past their retention period (aggregates stay),
    and audit-log events older than AUDIT_RETENTION_DAYS."""
    from survey.services import audit, lifecycle

    if not dry_run:
        old = audit.purge_old(db.session)
        if old:
            click.echo(f"Deleted {old} audit-log events older than {AUDIT_RETENTION_DAYS} days")
    due = lifecycle.due_for_purge(db.session)
    for campaign in due:
        click.echo(
            f"{'Would purge' if dry_run else 'Purging'} campaign {campaign.id} "
            f"({campaign.name}), closed on {campaign.closed_on.isoformat()}, "
            f"kept {campaign.retention_days} days"
        )
    if not due:
        click.echo("No round is past its retention period.")
    if dry_run or not due:
        return
    responses, comments = lifecycle.purge(db.session, due)
    click.echo(f"Deleted {responses} responses and {comments} comments; aggregates kept")


@click.command("close-due")
@with_appcontext
def close_due() -> None:
    """Close every open round whose closing date has passed (run it daily from cron, or let
    ``ambassador worker`` do it every hour)."""
    from survey.services import lifecycle

    closed = lifecycle.close_due(db.session)
    for campaign in closed:
        click.echo(
            f"Closed campaign {campaign.id} ({campaign.name}): its last day was "
            f"{campaign.closes_on.isoformat()}"
        )
    if not closed:
        click.echo("No open round is past its closing date.")
