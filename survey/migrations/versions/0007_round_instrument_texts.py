"""rounds keep the text of the instrument they were created with; closed rounds get a closing date

Revision ID: 0007
Revises: 0006

Every round points to the exact TOML of its instrument version, so a round created from a file
keeps its questions when the file is gone. Existing rounds get the text of the bundled instrument
of their id and version; a round whose instrument cannot be found keeps NULL and says so when it
is opened.

Rounds closed before closing dates were recorded (0003) have ``closed_on`` NULL, so the retention
clock never started and the benchmark export skipped them. They get the day of their last
response, else their closing date, else the day of this migration — never later than the day
they really closed when they have responses, so retention never runs longer than promised.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=80), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_texts")),
        sa.UniqueConstraint(
            "instrument_id",
            "instrument_version",
            name=op.f("uq_instrument_texts_instrument_id"),
        ),
    )
    with op.batch_alter_table("campaigns") as batch_op:
        batch_op.add_column(sa.Column("instrument_text_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_instrument_text_id_instrument_texts"),
            "instrument_texts",
            ["instrument_text_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _store_bundled_texts()
    _backfill_closing_dates()


def _store_bundled_texts() -> None:
    from scoring.instrument import bundled_instruments, load_instrument

    bind = op.get_bind()
    used = bind.execute(
        sa.text("SELECT DISTINCT instrument_id, instrument_version FROM campaigns")
    ).all()
    for path in bundled_instruments().values():
        instrument = load_instrument(path)
        if (instrument.id, instrument.version) not in {tuple(row) for row in used}:
            continue
        text = path.read_text(encoding="utf-8")
        bind.execute(
            sa.text(
                "INSERT INTO instrument_texts (instrument_id, instrument_version, digest, text) "
                "VALUES (:id, :version, :digest, :text)"
            ),
            {
                "id": instrument.id,
                "version": instrument.version,
                "digest": hashlib.sha256(text.encode()).hexdigest(),
                "text": text,
            },
        )
    bind.execute(
        sa.text(
            "UPDATE campaigns SET instrument_text_id = (SELECT t.id FROM instrument_texts t "
            "WHERE t.instrument_id = campaigns.instrument_id "
            "AND t.instrument_version = campaigns.instrument_version)"
        )
    )


def _backfill_closing_dates() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE campaigns SET closed_on = COALESCE("
            "(SELECT MAX(r.submitted_on) FROM responses r WHERE r.campaign_id = campaigns.id), "
            "closes_on, CURRENT_DATE) "
            "WHERE status = 'closed' AND closed_on IS NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_instrument_text_id_instrument_texts"), type_="foreignkey"
        )
        batch_op.drop_column("instrument_text_id")
    op.drop_table("instrument_texts")
