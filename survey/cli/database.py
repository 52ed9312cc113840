"""``ambassador db upgrade`` and ``ambassador serve``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey import schema
from survey.extensions import db


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply the schema migrations (creates the tables when the database is new)."""
    from survey.cli.errors import InputError

    url = db.engine.url.render_as_string(hide_password=True)
    try:
        schema.upgrade()
    except schema.DatabaseUnreachable as exc:
        raise InputError(
            f"cannot reach the database {url}: {exc}. Check DATABASE_URL, and that the database "
            "exists (createdb) and its server runs."
        ) from None
    click.echo(f"Database is up to date: {url}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(1, 65535), envvar="PORT"
)
def serve(host: str, port: int) -> None:
    """Serve the app with the development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    from survey import create_app

    run_simple(host, port, create_app(), threaded=True)
