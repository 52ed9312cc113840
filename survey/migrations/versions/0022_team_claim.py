"""team claim: the identity provider's claim that holds a manager's team

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_providers") as batch:
        batch.add_column(sa.Column("team_claim", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_providers") as batch:
        batch.drop_column("team_claim")
