"""teams: managers (a membership with the team they lead), a round's results published to
managers, and actions of a team

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_constraint(op.f("ck_memberships_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_memberships_role"), "role IN ('hr', 'consultant', 'privacy', 'manager')"
        )
        batch_op.add_column(sa.Column("team", sa.String(500), nullable=True))
    with op.batch_alter_table("campaigns") as batch_op:
        batch_op.add_column(sa.Column("managers_published_on", sa.Date(), nullable=True))
    with op.batch_alter_table("actions") as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch_op:
        batch_op.drop_column("team")
    with op.batch_alter_table("campaigns") as batch_op:
        batch_op.drop_column("managers_published_on")
    op.execute("DELETE FROM memberships WHERE role = 'manager'")
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_column("team")
        batch_op.drop_constraint(op.f("ck_memberships_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_memberships_role"), "role IN ('hr', 'consultant', 'privacy')"
        )
