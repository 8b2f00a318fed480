"""Mapping between domain values and table rows, kept in one place so round-trips stay exact.

Enums are written as their string values and rebuilt on read; tuples become JSON lists and are
turned back into tuples, so a snapshot read back compares equal to the one written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.domain.records import EventRecord
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.store.entities import AuditEntry, ConfigVersion, User

Row = Mapping[str, Any]


def _str(value: Any) -> str | None:
    """Enum (or plain string) to its stored string; `None` stays `None`."""
    return None if value is None else str(value)


def event_params(record: EventRecord) -> dict[str, Any]:
    """Insert parameters for one event; `seq` is left to the database."""
    return {
        "at": record.at,
        "kind": record.kind,
        "contact_id": record.contact_id,
        "agent_id": record.agent_id,
        "queue": record.queue,
        "channel": _str(record.channel),
        "data": dict(record.data),
    }


def to_event(row: Row) -> EventRecord:
    return EventRecord(
        at=row["at"],
        kind=row["kind"],
        contact_id=row["contact_id"],
        agent_id=row["agent_id"],
        queue=row["queue"],
        channel=row["channel"],
        data=row["data"] if row["data"] is not None else {},
        seq=row["seq"],
    )


def contact_params(snap: ContactSnapshot) -> dict[str, Any]:
    return {
        "id": snap.id,
        "channel": _str(snap.channel),
        "queue": snap.queue,
        "status": _str(snap.status),
        "created_at": snap.created_at,
        "enqueued_at": snap.enqueued_at,
        "seq": snap.seq,
        "customer": snap.customer,
        "priority": snap.priority,
        "green": snap.green,
        "language": snap.language,
        "intent": snap.intent,
        "skills": [[skill, level] for skill, level in snap.skills],
        "agent_id": snap.agent_id,
        "queued_since": snap.queued_since,
        "stage": snap.stage,
        "due_at": snap.due_at,
        "origin_id": snap.origin_id,
        "attempts": snap.attempts,
        "answered_at": snap.answered_at,
        "ended_at": snap.ended_at,
        "outcome": _str(snap.outcome),
        "data": dict(snap.data),
    }


def to_contact(row: Row) -> ContactSnapshot:
    outcome = row["outcome"]
    return ContactSnapshot(
        id=row["id"],
        channel=Channel(row["channel"]),
        queue=row["queue"],
        status=ContactStatus(row["status"]),
        created_at=row["created_at"],
        enqueued_at=row["enqueued_at"],
        seq=row["seq"],
        customer=row["customer"],
        priority=row["priority"],
        green=bool(row["green"]),
        language=row["language"],
        intent=row["intent"],
        skills=tuple((str(skill), int(level)) for skill, level in row["skills"] or ()),
        agent_id=row["agent_id"],
        queued_since=row["queued_since"],
        stage=row["stage"],
        due_at=row["due_at"],
        origin_id=row["origin_id"],
        attempts=row["attempts"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        outcome=Outcome(outcome) if outcome is not None else None,
        data=row["data"] if row["data"] is not None else {},
    )


def agent_params(snap: AgentSnapshot) -> dict[str, Any]:
    return {
        "id": snap.id,
        "state": _str(snap.state),
        "state_since": snap.state_since,
        "idle_since": snap.idle_since,
        "reason": snap.reason,
        "pending_reason": snap.pending_reason,
        "contacts": list(snap.contacts),
        "wrap_until": snap.wrap_until,
        "handled": snap.handled,
        "busy_s": snap.busy_s,
    }


def to_agent(row: Row) -> AgentSnapshot:
    return AgentSnapshot(
        id=row["id"],
        state=AgentState(row["state"]),
        state_since=row["state_since"],
        idle_since=row["idle_since"],
        reason=row["reason"],
        pending_reason=row["pending_reason"],
        contacts=tuple(row["contacts"] or ()),
        wrap_until=row["wrap_until"],
        handled=row["handled"],
        busy_s=row["busy_s"],
    )


def to_user(row: Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        password_hash=row["password_hash"],
        role=row["role"],
        agent_id=row["agent_id"],
        display_name=row["display_name"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def to_config(row: Row) -> ConfigVersion:
    return ConfigVersion(
        version=row["version"], created_at=row["created_at"], author=row["author"], body=row["body"]
    )


def to_audit(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        user=row["user"],
        action=row["action"],
        target=row["target"],
        data=row["data"] if row["data"] is not None else {},
    )
