"""What must always hold between the router's indexes, checked and repaired.

`violations(router)` lists every broken invariant in words (empty = healthy); tests run it after
every event of random sequences. `reconcile(router, now)` frees anything stuck: an agent
reserved for a contact that is not offered to it, an offer without a live deadline (the
FreeSWITCH mod_callcenter "stuck in Reserved" failure), a queued contact missing from the index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.domain.enums import AgentState, Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing.consult import consult_of
from hotline.routing.matching import meets

if TYPE_CHECKING:  # pragma: no cover
    from hotline.routing.router import Router


def violations(r: Router) -> list[str]:
    """Every broken invariant, as sentences. Reads private state on purpose: it is the auditor."""
    out: list[str] = []
    live_timers = r._timers.live()
    holders: dict[str, str] = {}
    for a in r._agents.values():
        base = consult_of(a.offer) if a.offer else None
        if base is not None:
            cons = (r._contacts[base].data.get("consult") or {}) if base in r._contacts else {}
            if cons.get("agent") != a.id or cons.get("state") != "ringing":
                out.append(f"agent {a.id} reserved for a consult on {base} that is not ringing")
            if ("consult", base) not in live_timers:
                out.append(f"consult on {base} rings without a deadline")
        elif a.offer is not None:
            c = r._contacts.get(a.offer)
            if c is None or c.status is not ContactStatus.OFFERED or c.agent_id != a.id:
                out.append(f"agent {a.id} reserved for {a.offer}, which is not offered to it")
        if (a.state is AgentState.RESERVED) != (a.offer is not None and not a.contacts):
            out.append(f"agent {a.id} is {a.state.value} but offer={a.offer} contacts={a.contacts}")
        if a.pending_reason is not None and a.state not in (AgentState.BUSY, AgentState.RESERVED):
            out.append(f"agent {a.id} is {a.state.value} with a pending {a.pending_reason}")
        if a.contacts and a.state is not AgentState.BUSY:
            out.append(f"agent {a.id} holds contacts while {a.state.value}")
        if a.state is AgentState.BUSY and not a.contacts:
            out.append(f"agent {a.id} is busy with nothing")
        if a.chat_load > max(a.chat_capacity, 1):
            out.append(f"agent {a.id} has {a.chat_load} contacts over capacity {a.chat_capacity}")
        if any(ch is not Channel.CHAT for ch in a.contacts.values()) and len(a.contacts) > 1:
            out.append(f"agent {a.id} has an exclusive contact and others")
        if a.state is AgentState.WRAP_UP and ("wrap", a.id) not in live_timers:
            out.append(f"agent {a.id} in wrap-up without a deadline")
        for cid in a.contacts:
            if cid in holders:
                out.append(f"contact {cid} is with agents {holders[cid]} and {a.id}")
            holders[cid] = a.id
    for c in r._contacts.values():
        queued = c.id in r._waiting
        if (c.status is ContactStatus.QUEUED) != queued:
            out.append(f"contact {c.id} is {c.status.value}, indexed as waiting={queued}")
        if c.status is ContactStatus.OFFERED:
            a = r._agents.get(c.agent_id or "")
            if a is None or a.offer != c.id:
                out.append(f"contact {c.id} offered to {c.agent_id}, who does not hold the offer")
            if ("offer", c.id) not in live_timers:
                out.append(f"offer of {c.id} has no deadline (would stay reserved forever)")
        if (
            c.status in (ContactStatus.ACTIVE, ContactStatus.HELD)
            and holders.get(c.id) != c.agent_id
        ):
            out.append(f"contact {c.id} says agent {c.agent_id} but is held by {holders.get(c.id)}")
        scheduled = c.status is ContactStatus.SCHEDULED and c.due_at is not None
        if scheduled and ("due", c.id) not in live_timers:
            out.append(f"scheduled contact {c.id} has no due deadline")
    out.extend(_unmatched(r))
    return out


def _unmatched(r: Router) -> list[str]:
    """Work conservation: no waiting contact may have a ready agent able to serve it."""
    out = []
    for cid in r._waiting.where:
        c = r._contacts[cid]
        reqs = r._reqs(c, r._queues[c.queue])
        for a in r._agents.values():
            if a.accepts(c.channel) and meets(a.skills, reqs):
                out.append(f"contact {cid} waits while agent {a.id} could take it")
                break
    return out


def reconcile(r: Router, now: float) -> list[EventRecord]:
    """Repair what `violations` would report, emitting the facts of every repair."""
    out = r.tick(now)
    r._out = out
    for a in r._agents.values():
        base = consult_of(a.offer) if a.offer else None
        c = r._contacts.get(base or a.offer) if a.offer else None  # type: ignore[arg-type]
        mine = c is not None and (
            (c.data.get("consult") or {}).get("agent") == a.id if base else c.agent_id == a.id
        )
        if a.offer is not None and not mine:
            a.offer = None
        if a.state is AgentState.RESERVED and a.offer is None:
            r._set_state(a, AgentState.AVAILABLE, "reconciled")
        if a.state is AgentState.BUSY and not a.contacts:
            r._set_state(a, AgentState.AVAILABLE, "reconciled")
        if a.state is AgentState.WRAP_UP and ("wrap", a.id) not in r._timers.live():
            r._timers.arm(now, "wrap", a.id)
    for c in list(r._contacts.values()):
        if c.status is ContactStatus.OFFERED:
            a = r._agents.get(c.agent_id or "")
            if a is None or a.offer != c.id:
                c.status, c.agent_id = ContactStatus.QUEUED, None
                r._emit("contact.offer_revoked", c, reason="reconciled")
            elif ("offer", c.id) not in r._timers.live():
                r._timers.arm(now, "offer", c.id)
        if c.status is ContactStatus.QUEUED and c.id not in r._waiting:
            r._index(c)
            r._arm_queue_timers(c)
    out.extend(r.tick(now))
    r._out = out
    r._route_all()
    return out
