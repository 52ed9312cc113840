"""Schema changes through Alembic, on the app's database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from survey.extensions import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic configuration bound to the current app's engine (call inside an app context)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = db.engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    config.attributes["engine"] = db.engine
    return config


# pg_advisory_lock key held while migrating ("ambassador" in ASCII): of several servers that start
# at once, one migrates and the others wait, then find nothing left to do
MIGRATION_LOCK = 0x616D62617373


class DatabaseUnreachable(Exception):
    """The database named by the configuration cannot be reached (or does not exist)."""


def upgrade(revision: str = "head") -> None:
    """Migrate to ``revision``; on PostgreSQL under an advisory lock, so that servers upgrading
    at the same time take turns."""
    try:
        lock = db.engine.connect()
    except sa.exc.OperationalError as exc:
        raise DatabaseUnreachable(_first_line(exc)) from None
    with lock:
        postgres = lock.dialect.name == "postgresql"
        if postgres:
            lock.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            lock.commit()
        try:
            command.upgrade(alembic_config(), revision)
        finally:
            if postgres:
                lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                lock.commit()


def _first_line(exc: sa.exc.DBAPIError) -> str:
    lines = [line.strip() for line in str(exc.orig).splitlines() if line.strip()]
    return lines[0] if lines else type(exc.orig).__name__


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


