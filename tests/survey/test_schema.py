"""The anonymity rules are the schema's: these tests fail if a linking or timing column appears."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from survey.extensions import db
from survey.models import Base

RESPONSE_TABLES = {
    "responses": {"id", "campaign_id", "submitted_on", "language", "segments", "answers"},
    "comments": {"id", "campaign_id", "text", "team"},  # team: see Comment
    "invitations": {
        "id",
        "campaign_id",
        "token_hash",
        "redeemed",
        "participant_id",
        "mailing",
        "sent",
    },
    "closed_links": {"token_hash", "campaign_id"},
    "form_keys": {"key_hash", "campaign_id"},
}
# An e-mailed link belongs to its participant until the round closes (for reminders); the tables
# that hold answers never refer to either.
ALLOWED_LINKS = {
    ("invitations", "token_hash"),
    ("invitations", "participant_id"),
    ("closed_links", "token_hash"),  # a closed round's link: its fingerprint and nothing else
}
LINKING_OR_TIMING = re.compile(
    r"ip|addr|agent|browser|device|user|email|name|invit|token(?!_hash$)|time|_at$|created|"
    r"updated|session|cookie|referr|order|seq|position",
    re.IGNORECASE,
)


def test_response_tables_hold_only_the_allowed_columns(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table, allowed in RESPONSE_TABLES.items():
            columns = {column["name"] for column in inspector.get_columns(table)}
            assert columns == allowed, f"{table}: unexpected columns {columns - allowed}"


def test_no_column_could_link_or_time_a_response(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in RESPONSE_TABLES:
            for column in inspector.get_columns(table):
                if (table, column["name"]) in ALLOWED_LINKS:
                    continue
                assert not LINKING_OR_TIMING.search(column["name"]), (table, column["name"])
                assert not isinstance(column["type"], sa.DateTime | sa.Time), (table, column)
            foreign = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            expected = {"campaigns", "participants"} if table == "invitations" else {"campaigns"}
            assert foreign == expected, f"{table} refers to {foreign}"


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
