"""``ambassador sso …`` (an organisation's identity provider), ``ambassador org second-factor``,
``ambassador user second-factor-reset`` and ``ambassador audit export``. Each command imports the
sign-in libraries (Authlib, joserfc, cryptography) when it runs, so that the CLI starts quickly."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.cli.errors import InputError, fail_on_invalid
from survey.extensions import db
from survey.services import campaigns, users


@click.group("sso")
def sso_group() -> None:
    """Organisations' identity providers (OpenID Connect)."""


@sso_group.command("set")
@click.argument("org_slug")
@click.option("--issuer", required=True, help="The provider's issuer URL (https://…).")
@click.option("--client-id", required=True)
@click.option("--client-secret-env", help="Environment variable that holds the client secret.")
@click.option("--client-secret-stdin", is_flag=True, help="Read the client secret from stdin.")
@click.option(
    "--domain", "domains", multiple=True, required=True, help="E-mail domain (repeatable)."
)
@click.option("--role-claim", default="groups", show_default=True)
@click.option("--hr", "hr_values", multiple=True, help="Claim value that makes someone HR.")
@click.option("--consultant", "consultant_values", multiple=True, help="…a consultant.")
@click.option(
    "--privacy", "privacy_values", multiple=True, help="…the works council or privacy officer."
)
@click.option("--manager", "manager_values", multiple=True, help="…a manager.")
@click.option(
    "--team-claim",
    default=None,
    help="The claim with a manager's team path (department_path); without it, a manager's "
    "team is their own address.",
)
@click.option("--password-login/--no-password-login", default=True, show_default=True)
@with_appcontext
@fail_on_invalid
def sso_set(
    org_slug,
    client_secret_env,
    client_secret_stdin,
    hr_values,
    consultant_values,
    privacy_values,
    manager_values,
    **settings,
):
    """Set or change an organisation's identity provider."""
    from survey.services import sso

    if client_secret_env and client_secret_stdin:
        raise InputError("give the secret either on stdin or by environment variable, not both")
    secret = sys.stdin.readline().strip() if client_secret_stdin else None
    provider = sso.configure(
        db.session,
        campaigns.organisation_by_slug(db.session, org_slug),
        client_secret=secret,
        client_secret_env=client_secret_env,
        role_values={
            "hr": list(hr_values),
            "consultant": list(consultant_values),
            "privacy": list(privacy_values),
            "manager": list(manager_values),
        },
        secret_key=current_app.config["SECRET_KEY"],
        domains=list(settings.pop("domains")),
        **settings,
    )
    click.echo(sso.describe(provider))


@sso_group.command("show")
@click.argument("org_slug")
@with_appcontext
@fail_on_invalid
def sso_show(org_slug):
    """Show an organisation's identity provider (never its secret)."""
    from survey.models import IdentityProvider
    from survey.services import sso

    organisation = campaigns.organisation_by_slug(db.session, org_slug)
    provider = db.session.query(IdentityProvider).filter_by(organisation_id=organisation.id).first()
    click.echo(sso.describe(provider) if provider else f"{org_slug} signs in with passwords only")


@sso_group.command("remove")
@click.argument("org_slug")
@with_appcontext
@fail_on_invalid
def sso_remove(org_slug):
    """Remove an organisation's identity provider (its accounts can no longer sign in)."""
    from survey.services import sso

    removed = sso.remove(db.session, campaigns.organisation_by_slug(db.session, org_slug))
    click.echo("removed" if removed else f"{org_slug} has no identity provider")


@click.command("second-factor")
@click.argument("org_slug")
@click.option("--required/--optional", default=True, help="Whether password accounts need one.")
@with_appcontext
@fail_on_invalid
def org_second_factor(org_slug, required):
    """Require (or not) a second factor for the organisation's password accounts."""
    from survey.services import second_factor

    organisation = campaigns.organisation_by_slug(db.session, org_slug)
    second_factor.set_required(db.session, organisation, required)
    click.echo(f"{org_slug}: second factor {'required' if required else 'optional'}")


@click.command("second-factor-reset")
@click.argument("email")
@with_appcontext
@fail_on_invalid
def user_second_factor_reset(email):
    """Remove a user's second factor (a lost phone); they set up a new one at the next login."""
    from survey.services import second_factor

    user = users.user_by_email(db.session, email)
    second_factor.remove(db.session, user)
    users.end_sessions(user)
    db.session.commit()
    click.echo(f"Second factor of {user.email} removed; every session of the account ended")


@click.group("audit")
def audit_group() -> None:
    """The audit log of sign-ins and settings."""


@audit_group.command("export")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@fail_on_invalid
def audit_export(target: Path):
    """Write the whole audit log as CSV."""
    from survey.services import audit

    if target.exists():
        raise InputError(f"{target} exists already")
    try:
        target.write_text(audit.audit_csv(db.session), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{target}: cannot write there ({exc.strerror})") from None
    click.echo(f"Wrote the audit log to {target}")
