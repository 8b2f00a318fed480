"""Outbound campaigns and their per-customer tasks (issue 16).

Revision ID: 0010_campaigns
Revises: 0009_phones
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_campaigns"
down_revision: str | None = "0009_phones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "campaign_tasks",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.Column("result", sa.String(length=64), nullable=True),
        sa.Column("last_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_tasks_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "customer", name=op.f("pk_campaign_tasks")),
    )
    op.create_index(
        "ix_campaign_tasks_due",
        "campaign_tasks",
        ["campaign_id", "status", "next_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_tasks_due", table_name="campaign_tasks")
    op.drop_table("campaign_tasks")
    op.drop_table("campaigns")
