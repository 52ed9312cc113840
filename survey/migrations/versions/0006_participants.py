"""participant lists: the system e-mails the links and reminders

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("added_after_open", sa.Boolean(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("mails_sent", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "state IN ('waiting', 'sent', 'failed')", name=op.f("ck_participants_state")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_participants_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint("campaign_id", "email", name=op.f("uq_participants_campaign_id")),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participants_campaign_id"), ["campaign_id"], unique=False
        )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participant_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_invitations_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_participant_id_participants"),
            "participants",
            ["participant_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "link_custody", sa.String(length=12), server_default="organisation", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("invitation_texts", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_days", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("participant_counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("participant_counts")
        batch_op.drop_column("reminder_days")
        batch_op.drop_column("invitation_texts")
        batch_op.drop_column("link_custody")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_participant_id_participants"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_invitations_participant_id"))
        batch_op.drop_column("participant_id")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participants_campaign_id"))
    op.drop_table("participants")
