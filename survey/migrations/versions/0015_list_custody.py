"""participant lists: a works council or privacy officer approves them; mailboxes; custody

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_constraint(op.f("ck_memberships_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_memberships_role"), "role IN ('hr', 'consultant', 'privacy')"
        )
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(
            sa.Column("email_domains", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("list_approval", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("list_approval_off_by", sa.String(254), nullable=True))
        batch_op.add_column(sa.Column("list_approval_off_on", sa.Date(), nullable=True))
    with op.batch_alter_table("campaigns") as batch_op:
        batch_op.add_column(sa.Column("list_uploaded_by", sa.String(254), nullable=True))
        batch_op.add_column(sa.Column("list_source", sa.String(12), nullable=True))
        batch_op.add_column(sa.Column("list_state", sa.String(10), nullable=True))
        batch_op.add_column(sa.Column("list_approved_by", sa.String(254), nullable=True))
        batch_op.add_column(sa.Column("list_approved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("list_digest", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("list_note", sa.String(1000), nullable=True))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("mailbox", sa.String(254), nullable=True))
        batch_op.create_unique_constraint("campaign_mailbox", ["campaign_id", "mailbox"])
    # the lists of rounds still running wait for a second person's approval from now on
    op.execute(
        "UPDATE campaigns SET list_state = 'pending' "
        "WHERE link_custody = 'system' AND status <> 'closed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_constraint("campaign_mailbox", type_="unique")
        batch_op.drop_column("mailbox")
    with op.batch_alter_table("campaigns") as batch_op:
        for column in (
            "list_note", "list_digest", "list_approved_on", "list_approved_by", "list_state",
            "list_source", "list_uploaded_by",
        ):  # fmt: skip
            batch_op.drop_column(column)
    with op.batch_alter_table("organisations") as batch_op:
        for column in (
            "list_approval_off_on",
            "list_approval_off_by",
            "list_approval",
            "email_domains",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_constraint(op.f("ck_memberships_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_memberships_role"), "role IN ('hr', 'consultant')"
        )
