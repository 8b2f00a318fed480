"""Login lockout counters and the WeChat signature memory (issue 19 hardening).

Revision ID: 0004_hardening
Revises: 0003_kb
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_hardening"
down_revision: str | None = "0003_kb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("locked_until", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_last_at", "login_failures", ["last_at"], unique=False)
    op.create_table(
        "wechat_signatures",
        sa.Column("sig_key", sa.String(length=128), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("sig_key", name=op.f("pk_wechat_signatures")),
    )
    op.create_index("ix_wechat_signatures_at", "wechat_signatures", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wechat_signatures_at", table_name="wechat_signatures")
    op.drop_table("wechat_signatures")
    op.drop_index("ix_login_failures_last_at", table_name="login_failures")
    op.drop_table("login_failures")
