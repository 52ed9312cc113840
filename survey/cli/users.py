"""``ambassador user add`` and ``ambassador user passwd``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.cli.errors import fail_on_invalid, read_password
from survey.extensions import db
from survey.models import ROLES
from survey.services import campaigns, users


@click.group("user")
def user_group() -> None:
    """User accounts."""


@user_group.command("add")
@click.argument("email")
@click.option("--name", default="")
@click.option("--org", "org_slugs", multiple=True, help="Organisation slug (repeatable).")
@click.option("--role", type=click.Choice(ROLES), default="hr", show_default=True)
@click.option(
    "--team",
    default=None,
    help="A manager's team: its path in the organisation's tree (Care/Ward 3) or its last "
    "level; without it, the manager's own address (a list's manager column).",
)
@click.option("--admin", is_flag=True, help="May see and manage every organisation.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@fail_on_invalid
def user_add(email, name, org_slugs, role, team, admin, password_stdin) -> None:
    """Add a user; the password comes from a prompt or standard input, never an argument."""
    organisations = [campaigns.organisation_by_slug(db.session, slug) for slug in org_slugs]
    user = users.add_user(
        db.session,
        email,
        read_password(password_stdin),
        name=name,
        is_admin=admin,
        memberships=tuple((org, role) for org in organisations),
        team=team,
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
    user = users.user_by_email(db.session, email)
    users.set_password(db.session, user, read_password(password_stdin, "New password"))
    click.echo(f"Password of {user.email} changed")
