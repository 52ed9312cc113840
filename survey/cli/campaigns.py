"""``ambassador campaign …`` (survey rounds) and ``ambassador invite`` (personal links)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.cli.errors import InputError, fail_on_invalid
from survey.extensions import db
from survey.policy import DEFAULT_MIN_GROUP_SIZE, DEFAULT_RETENTION_DAYS
from survey.services import campaigns, responses


@click.group("campaign")
def campaign_group() -> None:
    """Survey rounds."""


@campaign_group.command("add")
@click.argument("org_slug")
@click.option("--name", required=True)
@click.option("--instrument", default=campaigns.DEFAULT_INSTRUMENT, show_default=True)
@click.option("--languages", default="en,nl", show_default=True, help="Comma-separated.")
@click.option("--min-group-size", type=int, default=DEFAULT_MIN_GROUP_SIZE, show_default=True)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Closing date, YYYY-MM-DD.")
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="KEY=OPT1,OPT2,…",
    help="A segment question such as department=Sales,IT (repeatable).",
)
@click.option("--open-link", is_flag=True, help="Also allow answering through one open link.")
@click.option(
    "--retention-days",
    type=int,
    default=DEFAULT_RETENTION_DAYS,
    show_default=True,
    help="Days after closing that raw answers are kept (then `purge` deletes them).",
)
@click.option(
    "--contact", help="Whom employees can ask about the survey (name and e-mail or phone)."
)
@click.option("--open", "open_now", is_flag=True, help="Open the round for responses now.")
@with_appcontext
@fail_on_invalid
def campaign_add(org_slug, languages, closes, segments, open_now, **settings) -> None:
    """Add a survey round to an organisation and print its id."""
    campaign = campaigns.create_campaign(
        db.session,
        campaigns.organisation_by_slug(db.session, org_slug),
        languages=tuple(lang.strip() for lang in languages.split(",") if lang.strip()),
        closes_on=closes.date() if closes else None,
        segments=tuple(campaigns.parse_segment(spec) for spec in segments),
        status="open" if open_now else "draft",
        **settings,
    )
    click.echo(campaign.id)


@campaign_group.command("contact")
@click.argument("campaign_id", type=int)
@click.argument("contact")
@with_appcontext
@fail_on_invalid
def campaign_contact(campaign_id: int, contact: str) -> None:
    """Set whom employees can ask about a round ("" removes it)."""
    campaign = campaigns.set_contact(
        db.session, campaigns.campaign_by_id(db.session, campaign_id), contact
    )
    click.echo(campaign.contact or "(no contact)")


def _listed(row: campaigns.CampaignRow, base_url: str) -> dict:
    campaign = row.campaign
    return {
        "id": campaign.id,
        "organisation": campaign.organisation.slug,
        "name": campaign.name,
        "instrument": campaign.instrument_name,
        "status": campaign.status,
        "closes_on": campaign.closes_on.isoformat() if campaign.closes_on else None,
        "languages": campaign.languages,
        "min_group_size": campaign.min_group_size,
        "segments": [s["key"] for s in campaign.segments],
        "open_link": f"{base_url}/o/{campaign.open_slug}" if campaign.open_slug else None,
        "responses": row.responses,
    }


@campaign_group.command("list")
@click.option("--org", "org_slug", help="Only this organisation.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_on_invalid
def campaign_list(org_slug: str | None, as_json: bool) -> None:
    """List survey rounds with their number of responses."""
    base_url = current_app.config["BASE_URL"]
    rows = [_listed(row, base_url) for row in campaigns.all_campaigns(db.session, org_slug)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("No campaigns.")
    else:
        click.echo(f"{'id':>4}  {'organisation':<16} {'status':<7} {'responses':>9}  name")
        for row in rows:
            click.echo(
                f"{row['id']:>4}  {row['organisation']:<16} {row['status']:<7} "
                f"{row['responses']:>9}  {row['name']}"
            )


def _set_status(campaign_id: int, status: str) -> None:
    # closing keeps the round's figures (and publishes the pool): the statistics load only here
    from survey.services import lifecycle

    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    lifecycle.set_status(db.session, campaign, status)
    click.echo(f"Campaign {campaign.id} is {campaign.status}")


@campaign_group.command("open")
@click.argument("campaign_id", type=int)
@with_appcontext
@fail_on_invalid
def campaign_open(campaign_id: int) -> None:
    """Open a round for responses."""
    _set_status(campaign_id, "open")


@campaign_group.command("close")
@click.argument("campaign_id", type=int)
@with_appcontext
@fail_on_invalid
def campaign_close(campaign_id: int) -> None:
    """Close a round: no more responses."""
    _set_status(campaign_id, "closed")


@click.command("invite")
@click.argument("campaign_id", type=int)
@click.option("--count", type=click.IntRange(1, 100_000), required=True)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the links to this new CSV file instead of printing them.",
)
@with_appcontext
@fail_on_invalid
def invite(campaign_id: int, count: int, csv_path: Path | None) -> None:
    """Create personal survey links. They are shown once: only their hashes are stored."""
    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    if campaign.is_closed:
        raise InputError(f"campaign {campaign.id} is closed")
    if csv_path is not None and csv_path.exists():
        raise InputError(f"{csv_path} exists already; links are written to a new file only")
    base = current_app.config["BASE_URL"]
    if csv_path is None:
        for token in responses.create_invitations(db.session, campaign, count):
            click.echo(f"{base}/s/{token}")
        return
    _write_links(csv_path, base, campaign, count)
    click.echo(f"Wrote {count} survey links to {csv_path}")


def _write_links(csv_path: Path, base: str, campaign, count: int) -> None:
    """Write to a temporary file first, so that a failure leaves neither a file nor stored links."""
    from reports.exports import links_csv

    tokens = [responses.new_token() for _ in range(count)]
    try:
        handle, temp_name = tempfile.mkstemp(dir=csv_path.parent, suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{csv_path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as fh:
            fh.write(links_csv(base, tokens))
        responses.store_invitations(db.session, campaign, tokens)
        os.replace(temp_name, csv_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
