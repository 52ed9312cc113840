"""``ambassador participants …``, ``remind``, ``outbox`` and ``worker``: the system sends a round's
links and reminders to its participant list."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.cli.errors import InputError, fail_on_invalid
from survey.extensions import db
from survey.models import CampaignStatus
from survey.services import campaigns, custody, participants
from survey.services.mail import MailSettings, outbox_messages


@click.group("participants")
def participants_group() -> None:
    """Participant lists: the system e-mails each person their link."""


@participants_group.command("import")
@click.argument("campaign_id", type=int)
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show the counts; import nothing.")
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Invite an open round's new participants at once.",
)
@with_appcontext
@fail_on_invalid
def participants_import(campaign_id: int, path: Path, dry_run: bool, send: bool) -> None:
    """Import a CSV or XLSX list (email, language, one column per segment question)."""
    from survey import jobs

    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    checked = participants.read_participant_file(path.read_bytes(), path.name, campaign)
    click.echo(f"{len(checked):,} participants")
    for key, counts in checked.groups.items():
        click.echo(
            f"  {key}: " + ", ".join(f"{option} {n:,}" for option, n in sorted(counts.items()))
        )
    lost = participants.coarsened(db.session, campaign, checked)
    if lost:
        click.echo(
            f"Not recorded (fewer than {campaign.min_group_size} participants share the "
            "combination): " + ", ".join(f"{key} of {n:,}" for key, n in lost.items())
        )
    if dry_run:
        click.echo("Nothing imported (--dry-run)")
        return
    ids = participants.import_participants(db.session, campaign, checked)
    click.echo(f"Imported {len(ids):,} participants into campaign {campaign.id}")
    if custody.required(campaign):
        click.echo(
            "The list awaits approval by the works council or privacy officer (/approvals): no "
            "invitation goes out before a second person has approved it"
        )
    elif send and campaign.status == CampaignStatus.OPEN:
        click.echo(f"Sending {jobs.invite(db.session, campaign, ids):,} invitations")


@participants_group.command("send")
@click.argument("campaign_id", type=int)
@with_appcontext
@fail_on_invalid
def participants_send(campaign_id: int) -> None:
    """Send the invitations of an open round (to everyone not sent yet, or whose sending failed)."""
    from survey import jobs

    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise InputError(f"campaign {campaign.id} is not open")
    click.echo(f"Sending {jobs.invite(db.session, campaign):,} invitations")


@participants_group.command("status")
@click.argument("campaign_id", type=int)
@with_appcontext
@fail_on_invalid
def participants_status(campaign_id: int) -> None:
    """How many were invited, sent and failed, and the participation as the HR page shows it:
    while the round is open in steps of k; once it has closed per group, as audited."""
    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    figures = participants.list_figures(db.session, campaign)
    click.echo(
        f"{figures['invited']:,} participants: {figures['sent']:,} sent, {figures['waiting']:,} "
        f"waiting, {len(figures['failed']):,} failed, {figures['after_open']:,} added after opening"
    )
    shown = figures["participation"]
    click.echo(f"Answered: {_count(shown.used)} of {shown.invited:,} invited")
    for group in shown.groups:
        click.echo(
            f"  {group.question}={group.option}: {group.invited:,} invited, "
            f"{group.responses:,} responses ({group.rate:.0%})"
        )
    for email, error in figures["failed"]:
        click.echo(f"  failed: {email}: {error}")


def _count(shown) -> str:
    if shown.exact:
        return f"{shown.value:,}"
    return f"at least {shown.value:,}" if shown.value else f"fewer than {shown.min_group_size}"


@click.command("remind")
@click.option("--campaign", "campaign_id", type=int, help="Remind this open round now.")
@with_appcontext
@fail_on_invalid
def remind(campaign_id: int | None) -> None:
    """Send reminders to those who have not answered: one round now, or every scheduled reminder
    whose day has come (run it daily from cron)."""
    from survey import jobs

    if campaign_id is not None:
        campaign = campaigns.campaign_by_id(db.session, campaign_id)
        if campaign.status != CampaignStatus.OPEN:
            raise InputError(f"campaign {campaign.id} is not open")
        # not how many, as on HR's page: the list minus the reminded is how many have answered
        jobs.remind(db.session, campaign)
        click.echo("Sending a reminder to everyone who has not answered yet")
        return
    done = jobs.due_reminders(db.session)
    for campaign, _count in done:
        click.echo(f"Campaign {campaign.id}: sending a reminder to everyone who has not answered")
    if not done:
        click.echo("No reminder is due.")


@click.command("outbox")
@click.option("--show", "show", type=int, help="Print message number N in full.")
@with_appcontext
def outbox(show: int | None) -> None:
    """List the messages written to the outbox (when no SMTP_URL is set)."""
    from email import message_from_bytes, policy

    messages = outbox_messages(MailSettings.from_config(current_app.config).outbox)
    if show is not None:
        if not 1 <= show <= len(messages):
            raise InputError(f"there is no message {show} (the outbox holds {len(messages)})")
        click.echo(messages[show - 1].read_text(encoding="utf-8", errors="replace"))
        return
    if not messages:
        click.echo("The outbox is empty.")
    for number, path in enumerate(messages, start=1):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        click.echo(f"{number:>5}  {message['To']:<40} {message['Subject']}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run the background worker: e-mails invitations and reminders and builds reports, PDFs,
    workbooks and decks from the queue (REDIS_URL), at a lower CPU priority than the web
    servers on the same machine (WORKER_NICE, default 10)."""
    import os

    from survey import jobs

    queue = jobs.queue()
    if queue is None:
        raise InputError("REDIS_URL is not set: without it, mail is sent at once, no worker needed")
    from survey.worker import run

    if not burst:  # closes due rounds, sends due reminders and purges, every hour
        jobs.schedule_housekeeping()
    # report building is heavy CPU: on a machine shared with gunicorn, surveys come first
    os.nice(int(os.environ.get("WORKER_NICE", "10")))
    # jobs run in this process, in its app context (no forked copies of database connections);
    # Redis going away makes it wait and try again, never quit (survey.worker)
    run(queue, burst=burst)
