"""Reporting aggregates (contact facts, queue/agent 15-min intervals, daily rollups), alerts,
scheduled report documents.

Revision ID: 0006_reports
Revises: 0005_qa
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_reports"
down_revision: str | None = "0005_qa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_agent_edges",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("first_from", sa.String(length=32), nullable=True),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_to", sa.String(length=32), nullable=True),
        sa.Column("last_contact_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_report_agent_edges")),
    )
    op.create_table(
        "report_agent_intervals",
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("occupied_s", sa.Double(), nullable=False),
        sa.Column("staffed_s", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "agent_id", name=op.f("pk_report_agent_intervals")),
    )
    op.create_table(
        "report_agent_spans",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Double(), nullable=False),
        sa.Column("end", sa.Double(), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_agent_spans")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_agent_spans_contact_id", "report_agent_spans", ["contact_id"], unique=False
    )
    op.create_index("ix_report_agent_spans_end", "report_agent_spans", ["end"], unique=False)
    op.create_table(
        "report_alerts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("breach_since", sa.Double(), nullable=False),
        sa.Column("fired_at", sa.Double(), nullable=False),
        sa.Column("acked_at", sa.Double(), nullable=True),
        sa.Column("acked_by", sa.String(length=128), nullable=True),
        sa.Column("cleared_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_alerts")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_alerts_rule_id_subject", "report_alerts", ["rule_id", "subject"], unique=False
    )
    op.create_table(
        "report_center_days",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Double(), nullable=False),
        sa.Column("occupied_s", sa.Double(), nullable=False),
        sa.Column("staffed_s", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", name=op.f("pk_report_center_days")),
    )
    op.create_table(
        "report_contacts",
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("gave_up", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("wait_s", sa.Double(), nullable=True),
        sa.Column("talk_s", sa.Double(), nullable=True),
        sa.Column("acw_s", sa.Double(), nullable=False),
        sa.Column("ewt_err_s", sa.Double(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_report_contacts")),
    )
    op.create_index(
        "ix_report_contacts_agent_id", "report_contacts", ["agent_id", "created_at"], unique=False
    )
    op.create_index("ix_report_contacts_bucket", "report_contacts", ["bucket"], unique=False)
    op.create_index(
        "ix_report_contacts_created_at", "report_contacts", ["created_at"], unique=False
    )
    op.create_table(
        "report_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_cursor")),
    )
    op.create_table(
        "report_documents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.Double(), nullable=False),
        sa.Column("period_start", sa.Double(), nullable=False),
        sa.Column("period_end", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_documents")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_documents_schedule_due_at",
        "report_documents",
        ["schedule", "due_at"],
        unique=True,
    )
    op.create_table(
        "report_queue_days",
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Double(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("short", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("answered_in", sa.Integer(), nullable=False),
        sa.Column("abandoned_in", sa.Integer(), nullable=False),
        sa.Column("wait_sum", sa.Double(), nullable=False),
        sa.Column("wait_n", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Double(), nullable=True),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("talk_sum", sa.Double(), nullable=False),
        sa.Column("acw_sum", sa.Double(), nullable=False),
        sa.Column("ewt_sum", sa.Double(), nullable=False),
        sa.Column("ewt_n", sa.Integer(), nullable=False),
        sa.Column("cb_created", sa.Integer(), nullable=False),
        sa.Column("cb_completed", sa.Integer(), nullable=False),
        sa.Column("cb_reached", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "profile", "zone", "day", "queue", "channel", name=op.f("pk_report_queue_days")
        ),
    )
    op.create_table(
        "report_queue_intervals",
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("short", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("answered_in", sa.Integer(), nullable=False),
        sa.Column("abandoned_in", sa.Integer(), nullable=False),
        sa.Column("wait_sum", sa.Double(), nullable=False),
        sa.Column("wait_n", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Double(), nullable=True),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("talk_sum", sa.Double(), nullable=False),
        sa.Column("acw_sum", sa.Double(), nullable=False),
        sa.Column("ewt_sum", sa.Double(), nullable=False),
        sa.Column("ewt_n", sa.Integer(), nullable=False),
        sa.Column("cb_created", sa.Integer(), nullable=False),
        sa.Column("cb_completed", sa.Integer(), nullable=False),
        sa.Column("cb_reached", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "profile", "bucket", "queue", "channel", name=op.f("pk_report_queue_intervals")
        ),
    )


def downgrade() -> None:
    op.drop_table("report_queue_intervals")
    op.drop_table("report_queue_days")
    op.drop_index("ix_report_documents_schedule_due_at", table_name="report_documents")
    op.drop_table("report_documents")
    op.drop_table("report_cursor")
    op.drop_index("ix_report_contacts_created_at", table_name="report_contacts")
    op.drop_index("ix_report_contacts_bucket", table_name="report_contacts")
    op.drop_index("ix_report_contacts_agent_id", table_name="report_contacts")
    op.drop_table("report_contacts")
    op.drop_table("report_center_days")
    op.drop_index("ix_report_alerts_rule_id_subject", table_name="report_alerts")
    op.drop_table("report_alerts")
    op.drop_index("ix_report_agent_spans_end", table_name="report_agent_spans")
    op.drop_index("ix_report_agent_spans_contact_id", table_name="report_agent_spans")
    op.drop_table("report_agent_spans")
    op.drop_table("report_agent_intervals")
    op.drop_table("report_agent_edges")
