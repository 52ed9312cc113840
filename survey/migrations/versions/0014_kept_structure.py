"""a closed round keeps what the instrument check pools (moments of its complete answers)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("round_aggregates") as batch_op:
        batch_op.add_column(sa.Column("structure", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round_aggregates") as batch_op:
        batch_op.drop_column("structure")
