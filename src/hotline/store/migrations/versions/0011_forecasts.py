"""Stored forecasts, and the tables and XLSX kept with each scheduled report (issue 15).

Revision ID: 0011_forecasts
Revises: 0010_campaigns
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_forecasts"
down_revision: str | None = "0010_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Double(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Double(), nullable=False),
        sa.Column("made_at", sa.Double(), nullable=False),
        sa.Column("made_by", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("queue", "start", name=op.f("pk_forecasts")),
    )
    op.create_index("ix_forecasts_start", "forecasts", ["start"], unique=False)
    # nullable: the reports produced before keep what they were made with
    op.add_column("report_documents", sa.Column("tables", sa.JSON(), nullable=True))
    op.add_column("report_documents", sa.Column("xlsx", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_documents") as batch:
        batch.drop_column("xlsx")
        batch.drop_column("tables")
    op.drop_index("ix_forecasts_start", table_name="forecasts")
    op.drop_table("forecasts")
