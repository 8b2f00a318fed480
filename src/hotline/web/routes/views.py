"""Turn domain values into API dictionaries, masking what the caller's role should not see."""

from __future__ import annotations

from typing import Any

from hotline.domain.records import EventRecord
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.web.security import mask


def contact_view(c: ContactSnapshot, now: float) -> dict[str, Any]:
    """A contact as any role sees it: the customer identifier is always masked here."""
    waited_until = c.answered_at or c.ended_at or now
    return {
        "id": c.id,
        "channel": c.channel.value,
        "queue": c.queue,
        "status": c.status.value,
        "customer": mask(c.customer),
        "priority": c.priority,
        "green": c.green,
        "language": c.language,
        "intent": c.intent,
        "agent_id": c.agent_id,
        "created_at": c.created_at,
        "enqueued_at": c.enqueued_at,
        "wait_s": max(0.0, waited_until - c.enqueued_at),
        "answered_at": c.answered_at,
        "ended_at": c.ended_at,
        "outcome": c.outcome.value if c.outcome else None,
        "origin_id": c.origin_id,
        "due_at": c.due_at,
        "attempts": c.attempts,
        "region": c.data.get("region"),  # multi-province centers: the caller's region id
        "consult": _consult(c.data.get("consult")),  # a call's consult: agent, state, since
    }


def _consult(cons: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cons:
        return None
    keep = ("agent", "by", "state", "since", "queue")
    return {k: cons.get(k) for k in keep}


def agent_view(a: AgentSnapshot, now: float) -> dict[str, Any]:
    """An agent's presence. An agent who has never changed state (offline since the center was
    configured) has no known `state_since`: both times are None rather than "since 1970"."""
    since = a.state_since if a.state_since > 0 else None
    return {
        "id": a.id,
        "state": a.state.value,
        "reason": a.reason,
        "pending_reason": a.pending_reason,
        "state_since": since,
        "time_in_state_s": None if since is None else max(0.0, now - since),
        "contacts": list(a.contacts),
        "handled": a.handled,
        "phone_registered": a.phone,  # None: no registrar reports (static phone or none)
    }


def event_view(r: EventRecord) -> dict[str, Any]:
    data = dict(r.data)
    if "customer" in data:
        data["customer"] = mask(data["customer"])
    return {
        "seq": r.seq,
        "at": r.at,
        "kind": r.kind,
        "contact_id": r.contact_id,
        "agent_id": r.agent_id,
        "queue": r.queue,
        "channel": r.channel,
        "data": data,
    }
