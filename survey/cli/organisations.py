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


@org_group.command("domains")
@click.argument("slug")
@click.argument("domains", nargs=-1)
@with_appcontext
@fail_on_invalid
def org_domains(slug: str, domains: tuple[str, ...]) -> None:
    """Set the organisation's verified e-mail domains (none: clear them). A participant list's
    addresses elsewhere are shown to its approver."""
    from survey.services import audit

    organisation = campaigns.organisation_by_slug(db.session, slug)
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    bad = [d for d in cleaned if "." not in d or "@" in d or " " in d]
    if bad:
        raise InputError(f"not a domain: {', '.join(bad)}")
    organisation.email_domains = cleaned
    audit.setting_changed(db.session, organisation, f"verified e-mail domains: {cleaned}")
    db.session.commit()
    click.echo(f"{organisation.slug}: verified domains {', '.join(cleaned) or 'none'}")


@org_group.command("list-approval")
@click.argument("slug")
@click.argument("state", type=click.Choice(["on", "off"]))
@with_appcontext
@fail_on_invalid
def org_list_approval(slug: str, state: str) -> None:
    """Require (on, the default) or not (off) a second person's approval of participant lists
    before links go out. Turning it off is an admin's action: the report of every round whose
    list went out without approval says so."""
    from survey.services import custody

    organisation = campaigns.organisation_by_slug(db.session, slug)
    custody.set_requirement(db.session, organisation, state == "on", None)
    click.echo(f"{organisation.slug}: approval of participant lists {state}")
