"""closed links: a closed round's personal links get "this survey has closed", not "not found"

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closed_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_closed_links_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_closed_links")),
    )
    op.create_index(
        op.f("ix_closed_links_campaign_id"), "closed_links", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_closed_links_campaign_id"), table_name="closed_links")
    op.drop_table("closed_links")
