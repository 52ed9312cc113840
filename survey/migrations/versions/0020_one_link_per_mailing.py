"""one link per participant and mailing: the database refuses a second, and a link is recorded
before its e-mail goes out

Revision ID: 0020
Revises: 0019

Links a participant already holds are numbered as mailings in the order they were made (the
invitation 0, then 1, 2, …): reminders, and the duplicates that two workers sending one batch
could make. None is deleted — each went out by e-mail and keeps working until one of the
person's links is used — and every one counts as sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.add_column(sa.Column("mailing", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("sent", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(
        "UPDATE invitations SET mailing = ("
        "SELECT COUNT(*) FROM invitations AS earlier "
        "WHERE earlier.participant_id = invitations.participant_id "
        "AND earlier.id < invitations.id) "
        "WHERE participant_id IS NOT NULL"
    )
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.create_unique_constraint("participant_mailing", ["participant_id", "mailing"])


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_constraint("participant_mailing", type_="unique")
        batch_op.drop_column("sent")
        batch_op.drop_column("mailing")
