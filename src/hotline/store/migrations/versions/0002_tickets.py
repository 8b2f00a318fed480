"""Work orders, customers, surveys, outside teams; the `team` login role.

Revision ID: 0002_tickets
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_tickets"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_ROLES = ("agent", "supervisor", "admin", "channel")
NEW_ROLES = (*OLD_ROLES, "team")


def _role_check(roles: Sequence[str]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _set_roles(roles: Sequence[str]) -> None:
    """Replace the users.role check. SQLite rebuilds the table, and dropping the old one
    would cascade-delete every login token (foreign keys are on), so tokens are kept aside."""
    bind = op.get_bind()
    tokens = sa.table(
        "auth_tokens",
        sa.column("token_hash"),
        sa.column("user_id"),
        sa.column("created_at"),
        sa.column("expires_at"),
        sa.column("last_used_at"),
    )
    kept = [dict(r._mapping) for r in bind.execute(sa.select(tokens))]
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), _role_check(roles))
    if kept and bind.execute(sa.select(sa.func.count()).select_from(tokens)).scalar_one() == 0:
        bind.execute(sa.insert(tokens), kept)


def upgrade() -> None:
    op.create_table(
        "ticket_orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_orders")),
    )
    for col in ("state", "customer", "customer_id", "team", "assignee", "owner", "created_at"):
        op.create_index(f"ix_ticket_orders_{col}", "ticket_orders", [col])

    op.create_table(
        "ticket_events",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_orders.id"], name=op.f("fk_ticket_events_order_id_ticket_orders")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ticket_events")),
        sa.UniqueConstraint("order_id", "version", name="uq_ticket_events_order_id_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ticket_events_at", "ticket_events", ["at"])
    op.create_index("ix_ticket_events_kind_at", "ticket_events", ["kind", "at"])

    op.create_table(
        "ticket_contacts",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("linked_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticket_orders.id"],
            name=op.f("fk_ticket_contacts_order_id_ticket_orders"),
        ),
        sa.PrimaryKeyConstraint("order_id", "contact_id", name=op.f("pk_ticket_contacts")),
    )
    op.create_index("ix_ticket_contacts_contact_id", "ticket_contacts", ["contact_id"])

    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "customer_identifiers",
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_identifiers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value", name=op.f("pk_customer_identifiers")),
    )
    op.create_index("ix_customer_identifiers_customer_id", "customer_identifiers", ["customer_id"])

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=True),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("requested_at", sa.Double(), nullable=False),
        sa.Column("answered_at", sa.Double(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_surveys_contact_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_surveys_requested_at", "surveys", ["requested_at"])
    op.create_index("ix_surveys_customer", "surveys", ["customer"])
    op.create_index("ix_surveys_agent_id", "surveys", ["agent_id"])

    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "username", name=op.f("pk_team_members")),
    )
    op.create_index("ix_team_members_username", "team_members", ["username"])

    op.create_table(
        "ticket_configs",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_ticket_configs")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ticket_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ticket_meta")),
    )
    _set_roles(NEW_ROLES)


def downgrade() -> None:
    _set_roles(OLD_ROLES)  # fails while a `team` login exists: remove those first
    for name in (
        "ticket_meta",
        "ticket_configs",
        "team_members",
        "teams",
        "surveys",
        "customer_identifiers",
        "customers",
        "ticket_contacts",
        "ticket_events",
        "ticket_orders",
    ):
        op.drop_table(name)
