"""second-factor codes: counted per half-finished sign-in and per account, on the server

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_sign_ins",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrong_codes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_sign_ins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_sign_ins")),
    )
    op.create_index(
        op.f("ix_pending_sign_ins_user_id"), "pending_sign_ins", ["user_id"], unique=False
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("wrong_codes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("wrong_codes_since", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("wrong_codes_since")
        batch_op.drop_column("wrong_codes")
    op.drop_index(op.f("ix_pending_sign_ins_user_id"), table_name="pending_sign_ins")
    op.drop_table("pending_sign_ins")
