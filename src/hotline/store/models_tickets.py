"""Tables of work orders, customers, surveys and outside teams (same `Base` as models.py).

Private to `hotline.store`, like models.py. The same choices hold: epoch seconds in `Double`,
enums as strings, JSON payloads. `ticket_events` is the audit trail and is append-only;
`ticket_orders` is its projection (the folded `Order`, for queries), written in the same
transaction with an optimistic version check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base, SeqType


class TicketOrder(Base):
    __tablename__ = "ticket_orders"
    __table_args__ = (
        Index("ix_ticket_orders_state", "state"),
        Index("ix_ticket_orders_customer", "customer"),
        Index("ix_ticket_orders_customer_id", "customer_id"),
        Index("ix_ticket_orders_team", "team"),
        Index("ix_ticket_orders_assignee", "assignee"),
        Index("ix_ticket_orders_owner", "owner"),
        Index("ix_ticket_orders_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    customer: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the whole folded Order


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("order_id", "version", name="uq_ticket_events_order_id_version"),
        Index("ix_ticket_events_at", "at"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("ticket_orders.id"))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TicketContact(Base):
    """Which contacts are about which order (the origin and every follow-up)."""

    __tablename__ = "ticket_contacts"
    __table_args__ = (Index("ix_ticket_contacts_contact_id", "contact_id"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("ticket_orders.id"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # origin | follow_up
    linked_at: Mapped[float] = mapped_column(Double)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CustomerIdentifier(Base):
    """Phone numbers, account / ID numbers, WeChat open ids of one customer."""

    __tablename__ = "customer_identifiers"
    __table_args__ = (Index("ix_customer_identifiers_customer_id", "customer_id"),)

    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # phone | account | id_card | wechat
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[float] = mapped_column(Double)


class Survey(Base):
    """One survey per contact: offered (`requested_at`) and, maybe, answered."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_requested_at", "requested_at"),
        Index("ix_surveys_customer", "customer"),
        Index("ix_surveys_agent_id", "agent_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer: Mapped[str | None] = mapped_column(String(255))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    requested_at: Mapped[float] = mapped_column(Double)
    answered_at: Mapped[float | None] = mapped_column(Double)
    score: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(String(2000))


class Team(Base):
    """A team outside the contact center: on-site help desk, train crew, repair crew…"""

    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[float] = mapped_column(Double)


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_username", "username"),)

    team_id: Mapped[str] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(128), primary_key=True)


class TicketConfig(Base):
    """Versions of the work-order configuration (categories, SLA, rules); never overwritten."""

    __tablename__ = "ticket_configs"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[float] = mapped_column(Double)
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class TicketMeta(Base):
    """Small named values, e.g. how far the timeline has been scanned for repeat contacts."""

    __tablename__ = "ticket_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxMessage(Base):
    """A message to send after a commit, written in the same transaction as the change that
    caused it: a crash between the commit and the send leaves it here, and the next delivery
    pass (on the next change or the minute tick, also after a restart) sends it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_sent_at", "sent_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    created_at: Mapped[float] = mapped_column(Double)
    order_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)  # to, kind, text, order_id, data
    claimed_at: Mapped[float | None] = mapped_column(Double)  # a sender took it at
    sent_at: Mapped[float | None] = mapped_column(Double)
