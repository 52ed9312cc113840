"""disclosure control: comments without segments, links made after opening, pool versions

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a comment's segments could tie it to a small group: they are dropped, not migrated
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("segments")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invitations_after_open", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "pool_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=80), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_versions")),
        sa.UniqueConstraint(
            "instrument_id",
            "instrument_version",
            "number",
            name=op.f("uq_pool_versions_instrument_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("pool_versions")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("invitations_after_open")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segments", sa.JSON(), nullable=True))
