"""Compliance: do-not-call list, attempt log, legal holds, settings, purge reports,
confidential callers (issue 16).

Revision ID: 0007_compliance
Revises: 0006_reports
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_compliance"
down_revision: str | None = "0006_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compliance_opt_outs",
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("identifier", "channel", name=op.f("pk_compliance_opt_outs")),
    )
    op.create_table(
        "compliance_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_attempts")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_compliance_attempts_identifier_at", "compliance_attempts", ["identifier", "at"]
    )
    op.create_index("ix_compliance_attempts_at", "compliance_attempts", ["at"])
    op.create_table(
        "compliance_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("released_at", sa.Double(), nullable=True),
        sa.Column("released_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_holds")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_compliance_holds_target", "compliance_holds", ["target"])
    op.create_table(
        "compliance_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_compliance_settings")),
    )
    op.create_table(
        "compliance_purges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_purges")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_compliance_purges_at", "compliance_purges", ["at"])
    op.create_table(
        "compliance_confidential",
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_compliance_confidential")),
    )


def downgrade() -> None:
    op.drop_table("compliance_confidential")
    op.drop_index("ix_compliance_purges_at", table_name="compliance_purges")
    op.drop_table("compliance_purges")
    op.drop_table("compliance_settings")
    op.drop_index("ix_compliance_holds_target", table_name="compliance_holds")
    op.drop_table("compliance_holds")
    op.drop_index("ix_compliance_attempts_at", table_name="compliance_attempts")
    op.drop_index("ix_compliance_attempts_identifier_at", table_name="compliance_attempts")
    op.drop_table("compliance_attempts")
    op.drop_table("compliance_opt_outs")
