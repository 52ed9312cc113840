"""organisations' identity providers, second factors and the audit log

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_providers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=True),
        sa.Column("client_secret_env", sa.String(100), nullable=True),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("role_claim", sa.String(100), nullable=False),
        sa.Column("role_values", sa.JSON(), nullable=False),
        sa.Column("password_login", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("detail", sa.String(1000), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_event", "audit_events", ["event"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("recovery_codes", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("identity_provider_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(255), nullable=True))
        batch_op.create_foreign_key(
            "fk_users_identity_provider",
            "identity_providers",
            ["identity_provider_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint("provider_subject", ["identity_provider_id", "subject"])
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_second_factor", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("require_second_factor")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("provider_subject", type_="unique")
        batch_op.drop_constraint("fk_users_identity_provider", type_="foreignkey")
        for column in (
            "subject",
            "identity_provider_id",
            "recovery_codes",
            "totp_last_step",
            "totp_secret",
        ):
            batch_op.drop_column(column)
    op.drop_index("ix_audit_events_event", "audit_events")
    op.drop_index("ix_audit_events_at", "audit_events")
    op.drop_table("audit_events")
    op.drop_table("identity_providers")
