"""one action per recommendation and round

Revision ID: 0008
Revises: 0007

"Make this an action" could be clicked repeatedly, leaving identical actions. Duplicates are
merged (the first one, which may carry an owner and notes, stays) and a unique constraint keeps
it so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "DELETE FROM actions WHERE recommendation_key IS NOT NULL AND id NOT IN ("
            "SELECT MIN(id) FROM actions WHERE recommendation_key IS NOT NULL "
            "GROUP BY campaign_id, recommendation_key)"
        )
    )
    with op.batch_alter_table("actions") as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_actions_campaign_id"), ["campaign_id", "recommendation_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_actions_campaign_id"), type_="unique")
