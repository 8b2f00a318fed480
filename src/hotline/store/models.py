"""ORM tables. Private to `hotline.store`: callers get plain dataclasses, never these classes.

Design choices that hold for every table:

* Times are epoch seconds in `Double` columns, like everywhere in the domain (`EventRecord.at`,
  snapshot timestamps), so values round-trip bit-exactly and compare without timezone logic.
* Enums are stored as their string values (`String`), not database ENUM types: adding a value
  to a Python `StrEnum` then needs no schema migration.
* Free-form payloads use `JSON` (not PostgreSQL `JSONB`): JSON keeps the document text
  verbatim, so floats such as `1e20` come back as floats and key order is preserved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Deterministic constraint names, so migrations (and SQLite batch mode) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: A 64-bit key on PostgreSQL; on SQLite only a plain `INTEGER PRIMARY KEY` is the rowid alias
#: that autoincrements, so the variant keeps that type there.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

ROLES = ("agent", "supervisor", "admin", "channel", "team")
_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


class Base(DeclarativeBase):
    """Declarative base; `Base.metadata` is what Alembic migrations are compared against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Event(Base):
    """The append-only timeline; `seq` is the global order every reader resumes from.

    `sqlite_autoincrement` makes SQLite never reuse a seq (plain rowids could be reused after
    deleting the newest rows); PostgreSQL uses a BIGSERIAL sequence, and the store serialises
    appends so that commit order equals seq order (see `Store.append`).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_contact_id", "contact_id"),
        Index("ix_events_at", "at"),
        Index("ix_events_kind_at", "kind", "at"),
        # last agent.state before a range start, per agent (KPI interval reconstruction)
        Index("ix_events_kind_agent_id_at", "kind", "agent_id", "at"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Contact(Base):
    """Latest `ContactSnapshot` of every contact (a projection of the timeline)."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_status", "status"),
        Index("ix_contacts_queue", "queue"),
        Index("ix_contacts_agent_id", "agent_id"),
        Index("ix_contacts_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Double)
    enqueued_at: Mapped[float] = mapped_column(Double)
    seq: Mapped[int] = mapped_column(BigInteger)
    customer: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer)
    green: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(64))
    skills: Mapped[list[Any]] = mapped_column(JSON)  # [[skill, level], ...]
    agent_id: Mapped[str | None] = mapped_column(String(64))
    queued_since: Mapped[float | None] = mapped_column(Double)
    stage: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[float | None] = mapped_column(Double)
    origin_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[float | None] = mapped_column(Double)
    ended_at: Mapped[float | None] = mapped_column(Double)
    outcome: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Agent(Base):
    """Latest `AgentSnapshot` of every agent; skills live in the center configuration."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    state_since: Mapped[float] = mapped_column(Double)
    idle_since: Mapped[float] = mapped_column(Double)
    reason: Mapped[str | None] = mapped_column(String(255))
    pending_reason: Mapped[str | None] = mapped_column(String(255))
    contacts: Mapped[list[Any]] = mapped_column(JSON)  # contact ids
    wrap_until: Mapped[float | None] = mapped_column(Double)
    handled: Mapped[int] = mapped_column(Integer)
    busy_s: Mapped[float] = mapped_column(Double)


class User(Base):
    """A login: agents, supervisors, admins and channel gateways (machine accounts)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[float] = mapped_column(Double)


class AuthToken(Base):
    """A bearer token, stored only as its sha256 hex so a database leak yields no sessions."""

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_user_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[float] = mapped_column(Double)
    expires_at: Mapped[float] = mapped_column(Double)
    last_used_at: Mapped[float | None] = mapped_column(Double)


class LoginFailure(Base):
    """Failed logins per user name, known or not (an unknown name locks the same way, so a
    lockout does not tell which names exist). In the database, not in memory, so a lockout
    survives a restart and every server process sees the same count."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_last_at", "last_at"),)

    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[float] = mapped_column(Double)
    last_at: Mapped[float] = mapped_column(Double)
    locked_until: Mapped[float | None] = mapped_column(Double)


class ConfigVersion(Base):
    """One row per configuration change: the full document, who changed it and when."""

    __tablename__ = "config_versions"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - versions are never reused

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[float] = mapped_column(Double)
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditLog(Base):
    """Security-relevant actions (e.g. revealing a masked phone number), append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_target", "target"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Double)
    user: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
