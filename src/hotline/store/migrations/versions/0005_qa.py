"""Quality assurance: job queue, results (transcript, acoustics, score), findings, cursors.

Revision ID: 0005_qa
Revises: 0004_hardening
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_qa"
down_revision: str | None = "0004_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("at_s", sa.Double(), nullable=True),
        sa.Column("end_s", sa.Double(), nullable=True),
        sa.Column("speaker", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=True),
        sa.Column("reviewed_at", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("disputed_by", sa.String(length=128), nullable=True),
        sa.Column("disputed_at", sa.Double(), nullable=True),
        sa.Column("dispute_reason", sa.Text(), nullable=True),
        sa.Column("final_by", sa.String(length=128), nullable=True),
        sa.Column("final_at", sa.Double(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_findings")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_qa_findings_contact_id", "qa_findings", ["contact_id"], unique=False)
    op.create_index("ix_qa_findings_status", "qa_findings", ["status"], unique=False)

    op.create_table(
        "qa_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("not_before", sa.Double(), nullable=False),
        sa.Column("claimed_at", sa.Double(), nullable=True),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("source_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_jobs")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_qa_jobs_contact_id", "qa_jobs", ["contact_id"], unique=True)
    op.create_index(
        "ix_qa_jobs_status_not_before", "qa_jobs", ["status", "not_before"], unique=False
    )

    op.create_table(
        "qa_results",
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("contact_at", sa.Double(), nullable=False),
        sa.Column("analysed_at", sa.Double(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("asr", sa.String(length=255), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("acoustics", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("manual", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_qa_results")),
    )
    op.create_index(
        "ix_qa_results_agent_id_contact_at", "qa_results", ["agent_id", "contact_at"], unique=False
    )
    op.create_index("ix_qa_results_flagged_score", "qa_results", ["flagged", "score"], unique=False)

    op.create_table(
        "qa_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_qa_state")),
    )


def downgrade() -> None:
    op.drop_table("qa_state")
    op.drop_index("ix_qa_results_flagged_score", table_name="qa_results")
    op.drop_index("ix_qa_results_agent_id_contact_at", table_name="qa_results")
    op.drop_table("qa_results")
    op.drop_index("ix_qa_jobs_status_not_before", table_name="qa_jobs")
    op.drop_index("ix_qa_jobs_contact_id", table_name="qa_jobs")
    op.drop_table("qa_jobs")
    op.drop_index("ix_qa_findings_status", table_name="qa_findings")
    op.drop_index("ix_qa_findings_contact_id", table_name="qa_findings")
    op.drop_table("qa_findings")
