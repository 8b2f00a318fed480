"""Plain snapshots of router state, for persistence and for restoring after a restart.

The store keeps the latest snapshot of every live contact and agent (a projection of the
timeline); on start the router is rebuilt from them with `Router.restore`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome


@dataclass(frozen=True, slots=True)
class ContactSnapshot:
    """Everything needed to put a contact back in its exact place in line."""

    id: str
    channel: Channel
    queue: str
    status: ContactStatus
    created_at: float
    enqueued_at: float  # the place in line; kept across overflow, transfer and callbacks
    seq: int  # arrival order, the final tie-break
    customer: str | None = None
    priority: int = 0
    green: bool = False
    language: str | None = None
    intent: str | None = None
    skills: tuple[tuple[str, int], ...] = ()  # extra requirements on top of the queue's
    agent_id: str | None = None
    queued_since: float | None = None  # entered the current queue (overflow/relax timers)
    stage: int = 0
    due_at: float | None = None  # scheduled callbacks
    origin_id: str | None = None  # the contact a callback was created for
    attempts: int = 0
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent's runtime state; configuration (skills) comes from `CenterConfig`."""

    id: str
    state: AgentState
    state_since: float
    idle_since: float
    reason: str | None = None
    pending_reason: str | None = None  # not-ready requested while busy
    contacts: tuple[str, ...] = ()
    wrap_until: float | None = None
    handled: int = 0
    busy_s: float = 0.0
    channels: tuple[Channel, ...] | None = None  # what the agent's devices take; None: any
    phone: bool | None = None  # phone registered (registrar); None: never reported
