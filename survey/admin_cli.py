"""``ambassador`` commands that work on the database (also ``flask --app survey …``)."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from survey import campaigns as service
from survey import schema
from survey.extensions import db
from survey.models import Campaign, Organisation, Response
from survey.responses import create_invitations, new_token, store_invitations


class InputError(click.ClickException):
    """Bad input from the user: one clear message, exit code 2."""

    exit_code = 2


def fail_on_invalid(func):
    """Turn the service layer's InvalidInput into a CLI error with exit code 2."""
    from functools import wraps

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except service.InvalidInput as exc:
            db.session.rollback()
            raise InputError(str(exc)) from None

    return wrapper


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply the schema migrations (creates the database when it is new)."""
    schema.upgrade()
    click.echo(f"Database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app with the development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group("org")
def org_group() -> None:
    """Organisations."""


@org_group.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Display name.")
@click.option("--sector", help="Sector, for benchmarks (e.g. Healthcare).")
@click.option("--size-band", type=click.Choice(["1-49", "50-249", "250-999", "1000+"]))
@with_appcontext
@fail_on_invalid
def org_add(slug: str, name: str, sector: str | None, size_band: str | None) -> None:
    """Add an organisation."""
    organisation = service.add_organisation(db.session, slug, name, sector, size_band)
    click.echo(f"Added organisation {organisation.slug} ({organisation.name})")


@click.group("user")
def user_group() -> None:
    """User accounts."""


@user_group.command("add")
@click.argument("email")
@click.option("--name", default="")
@click.option("--org", "org_slugs", multiple=True, help="Organisation slug (repeatable).")
@click.option("--role", type=click.Choice(["hr", "consultant"]), default="hr", show_default=True)
@click.option("--admin", is_flag=True, help="May see and manage every organisation.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@fail_on_invalid
def user_add(email, name, org_slugs, role, admin, password_stdin) -> None:
    """Add a user; the password comes from a prompt or standard input, never an argument."""
    organisations = [service.organisation_by_slug(db.session, slug) for slug in org_slugs]
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = service.add_user(
        db.session,
        email,
        password,
        name=name,
        is_admin=admin,
        memberships=tuple((org, role) for org in organisations),
    )
    where = ", ".join(org.slug for org in organisations) or "no organisation"
    click.echo(f"Added user {user.email} ({'admin, ' if admin else ''}{role} of {where})")


@user_group.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@with_appcontext
@fail_on_invalid
def user_passwd(email: str, password_stdin: bool) -> None:
    """Set a new password for a user."""
    user = service.user_by_email(db.session, email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    service.set_password(db.session, user, password)
    click.echo(f"Password of {user.email} changed")


@click.group("campaign")
def campaign_group() -> None:
    """Survey rounds."""


@campaign_group.command("add")
@click.argument("org_slug")
@click.option("--name", required=True)
@click.option("--instrument", default="social-culture-v1", show_default=True)
@click.option("--languages", default="en,nl", show_default=True, help="Comma-separated.")
@click.option("--min-group-size", type=int, default=5, show_default=True)
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
    default=730,
    show_default=True,
    help="Days after closing that raw answers are kept (then `purge` deletes them).",
)
@click.option("--open", "open_now", is_flag=True, help="Open the round for responses now.")
@with_appcontext
@fail_on_invalid
def campaign_add(
    org_slug,
    name,
    instrument,
    languages,
    min_group_size,
    closes,
    segments,
    open_link,
    retention_days,
    open_now,
) -> None:
    """Add a survey round to an organisation and print its id."""
    organisation = service.organisation_by_slug(db.session, org_slug)
    campaign = service.create_campaign(
        db.session,
        organisation,
        name,
        instrument=instrument,
        languages=tuple(lang.strip() for lang in languages.split(",") if lang.strip()),
        min_group_size=min_group_size,
        closes_on=closes.date() if closes else None,
        segments=tuple(service.parse_segment(spec) for spec in segments),
        open_link=open_link,
        status="open" if open_now else "draft",
        retention_days=retention_days,
    )
    click.echo(campaign.id)


@campaign_group.command("list")
@click.option("--org", "org_slug", help="Only this organisation.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_on_invalid
def campaign_list(org_slug: str | None, as_json: bool) -> None:
    """List survey rounds with their number of responses."""
    counts = (
        sa.select(Response.campaign_id, sa.func.count().label("n"))
        .group_by(Response.campaign_id)
        .subquery()
    )
    query = (
        sa.select(Campaign, Organisation.slug, sa.func.coalesce(counts.c.n, 0))
        .join(Organisation)
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .order_by(Campaign.id)
    )
    if org_slug:
        query = query.where(
            Organisation.id == service.organisation_by_slug(db.session, org_slug).id
        )
    rows = [
        {
            "id": c.id,
            "organisation": slug,
            "name": c.name,
            "instrument": c.instrument_name,
            "status": c.status,
            "closes_on": c.closes_on.isoformat() if c.closes_on else None,
            "languages": c.languages,
            "min_group_size": c.min_group_size,
            "segments": [s["key"] for s in c.segments],
            "open_link": f"{current_app.config['BASE_URL']}/o/{c.open_slug}"
            if c.open_slug
            else None,
            "responses": n,
        }
        for c, slug, n in db.session.execute(query)
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No campaigns.")
        return
    click.echo(f"{'id':>4}  {'organisation':<16} {'status':<7} {'responses':>9}  name")
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['organisation']:<16} {row['status']:<7} "
            f"{row['responses']:>9}  {row['name']}"
        )


def _set_status(campaign_id: int, status: str) -> None:
    campaign = service.set_status(
        db.session, service.campaign_by_id(db.session, campaign_id), status
    )
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
    campaign = service.campaign_by_id(db.session, campaign_id)
    if campaign.status == "closed":
        raise InputError(f"campaign {campaign.id} is closed")
    if csv_path is not None and csv_path.exists():
        raise InputError(f"{csv_path} exists already; links are written to a new file only")
    base = current_app.config["BASE_URL"]
    if csv_path is None:
        for token in create_invitations(db.session, campaign, count):
            click.echo(f"{base}/s/{token}")
        return
    # Write to a temporary file first, so that a failure leaves neither a file nor stored links.
    tokens = [new_token() for _ in range(count)]
    try:
        handle, temp_name = tempfile.mkstemp(dir=csv_path.parent, suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{csv_path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["link"])
            writer.writerows([f"{base}/s/{token}"] for token in tokens)
        store_invitations(db.session, campaign, tokens)
        os.replace(temp_name, csv_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {count} survey links to {csv_path}")


@click.command("report")
@click.argument("campaign_id", type=int)
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@with_appcontext
@fail_on_invalid
def report(campaign_id: int, pdf_path, html_path, as_json: bool, lang: str) -> None:
    """Write a campaign's maturity report as PDF or HTML, or print it as JSON."""
    from reports.render import render_document, render_pdf
    from survey.reporting import campaign_report

    if sum(bool(x) for x in (pdf_path, html_path, as_json)) != 1:
        raise InputError("choose one of --pdf FILE, --html FILE or --json")
    built, labels = campaign_report(
        db.session, service.campaign_by_id(db.session, campaign_id), lang
    )
    if as_json:
        click.echo(json.dumps(built.to_dict(), ensure_ascii=False, indent=2))
        return
    target = pdf_path or html_path
    if not target.parent.is_dir():
        raise InputError(f"{target}: the folder {target.parent} does not exist")
    content = render_pdf(built, labels) if pdf_path else render_document(built, labels).encode()
    target.write_bytes(content)
    click.echo(f"Wrote {target}")


@click.group("benchmark")
def benchmark_group() -> None:
    """Exchange benchmark aggregates with other installations."""


@benchmark_group.command("export")
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-names", is_flag=True, help="Include organisation and round names.")
@with_appcontext
def benchmark_export(path: Path, with_names: bool) -> None:
    """Write the closed rounds' aggregates (no rows, no round below its minimum group size)."""
    from survey.benchmarking import export_pool

    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    document = export_pool(db.session, with_names=with_names)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rounds = sum(len(pool["rounds"]) for pool in document["pools"])
    click.echo(f"Wrote {rounds} rounds to {path}")


@benchmark_group.command("import")
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def benchmark_import(path: Path) -> None:
    """Add another pool's rounds as external entries (all or nothing)."""
    from survey.benchmarking import ExchangeError, import_pool, read_exchange_file

    try:
        count = import_pool(db.session, read_exchange_file(path), source=path.name)
    except ExchangeError as exc:
        db.session.rollback()
        raise InputError(f"{path}: {exc}; nothing was imported") from None
    click.echo(f"Imported {count} external rounds from {path}")


def _demo():
    from survey.demo import demo

    return demo


commands = [
    db_group,
    serve,
    _demo(),
    org_group,
    user_group,
    campaign_group,
    invite,
    report,
    benchmark_group,
]


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list the rounds that would be purged.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Delete raw answers and comments of rounds past their retention period (aggregates stay)."""
    from survey.lifecycle import due_for_purge
    from survey.lifecycle import purge as purge_rounds

    due = due_for_purge(db.session)
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
    responses, comments = purge_rounds(db.session, due)
    click.echo(f"Deleted {responses} responses and {comments} comments; aggregates kept")


@org_group.command("delete")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@fail_on_invalid
def org_delete(slug: str, yes: bool) -> None:
    """Erase an organisation with all its rounds, answers, comments, links and aggregates."""
    from survey.lifecycle import delete_organisation

    organisation = service.organisation_by_slug(db.session, slug)
    rounds = len(organisation.campaigns)
    if not yes:
        typed = click.prompt(
            f"This erases {organisation.name} and its {rounds} rounds for good. "
            f"Type the slug ({slug}) to confirm",
            default="",
            show_default=False,
        )
        if typed != slug:
            raise InputError("not confirmed; nothing was deleted")
    delete_organisation(db.session, organisation)
    click.echo(f"Deleted organisation {slug} and its {rounds} rounds")


commands += [purge]
