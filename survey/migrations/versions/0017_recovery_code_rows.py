"""recovery codes: one row each, so that using one is a single conditional DELETE

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

USERS = sa.table("users", sa.column("id", sa.Integer), sa.column("recovery_codes", sa.JSON))
CODES = sa.table(
    "recovery_codes",
    sa.column("user_id", sa.Integer),
    sa.column("code_hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False)
    bind = op.get_bind()
    rows = [
        {"user_id": user_id, "code_hash": code_hash}
        for user_id, hashes in bind.execute(sa.select(USERS.c.id, USERS.c.recovery_codes))
        for code_hash in hashes or []
    ]
    if rows:
        bind.execute(CODES.insert(), rows)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("recovery_codes")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("recovery_codes", sa.JSON(), server_default="[]", nullable=False)
        )
    bind = op.get_bind()
    kept: dict[int, list[str]] = {}
    for user_id, code_hash in bind.execute(sa.select(CODES.c.user_id, CODES.c.code_hash)):
        kept.setdefault(user_id, []).append(code_hash)
    for user_id, hashes in kept.items():
        bind.execute(USERS.update().where(USERS.c.id == user_id).values(recovery_codes=hashes))
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
