"""``ambassador org add`` and ``ambassador org delete``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.cli.errors import InputError, fail_on_invalid
from survey.extensions import db
from survey.services import campaigns

SIZE_BANDS = ("1-49", "50-249", "250-999", "1000+")


@click.group("org")
def org_group() -> None:
    """Organisations."""


@org_group.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Display name.")
@click.option("--sector", help="Sector, for benchmarks (e.g. Healthcare).")
@click.option("--size-band", type=click.Choice(SIZE_BANDS))
@with_appcontext
@fail_on_invalid
def org_add(slug: str, name: str, sector: str | None, size_band: str | None) -> None:
    """Add an organisation."""
    organisation = campaigns.add_organisation(db.session, slug, name, sector, size_band)
    click.echo(f"Added organisation {organisation.slug} ({organisation.name})")


@org_group.command("delete")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@fail_on_invalid
def org_delete(slug: str, yes: bool) -> None:
    """Erase an organisation with all its rounds, answers, comments, links and aggregates."""
    from survey.services.lifecycle import delete_organisation

    organisation = campaigns.organisation_by_slug(db.session, slug)
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
