"""form keys: the same questionnaire form sent twice is stored once

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_form_keys_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_form_keys")),
    )
    op.create_index(op.f("ix_form_keys_campaign_id"), "form_keys", ["campaign_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_form_keys_campaign_id"), table_name="form_keys")
    op.drop_table("form_keys")
