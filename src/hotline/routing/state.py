"""The router's mutable records of contacts and agents (private to `hotline.routing`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot

GREEN_RANK = 0
NORMAL_RANK = 1


@dataclass(slots=True)
class ContactState:
    id: str
    channel: Channel
    queue: str
    status: ContactStatus
    created_at: float
    enqueued_at: float
    seq: int
    customer: str | None = None
    priority: int = 0
    green: bool = False
    language: str | None = None
    intent: str | None = None
    skills: tuple[tuple[str, int], ...] = ()
    agent_id: str | None = None
    queued_since: float | None = None
    stage: int = 0
    due_at: float | None = None
    origin_id: str | None = None
    attempts: int = 0
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    data: dict = field(default_factory=dict)

    def sort_key(self, queue_priority: int, priority_s: float) -> tuple[int, float, int]:
        """Ascending = served first. Waiting time cancels out between two waiting contacts,
        so the key is constant while they wait (see `RoutingWeights`)."""
        rank = GREEN_RANK if self.green else NORMAL_RANK
        score = self.enqueued_at - priority_s * (queue_priority + self.priority)
        return (rank, score, self.seq)

    def snapshot(self) -> ContactSnapshot:
        return ContactSnapshot(
            id=self.id,
            channel=self.channel,
            queue=self.queue,
            status=self.status,
            created_at=self.created_at,
            enqueued_at=self.enqueued_at,
            seq=self.seq,
            customer=self.customer,
            priority=self.priority,
            green=self.green,
            language=self.language,
            intent=self.intent,
            skills=self.skills,
            agent_id=self.agent_id,
            queued_since=self.queued_since,
            stage=self.stage,
            due_at=self.due_at,
            origin_id=self.origin_id,
            attempts=self.attempts,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            outcome=self.outcome,
            data=dict(self.data),
        )

    @classmethod
    def from_snapshot(cls, s: ContactSnapshot) -> ContactState:
        return cls(
            id=s.id,
            channel=Channel(s.channel),
            queue=s.queue,
            status=ContactStatus(s.status),
            created_at=s.created_at,
            enqueued_at=s.enqueued_at,
            seq=s.seq,
            customer=s.customer,
            priority=s.priority,
            green=s.green,
            language=s.language,
            intent=s.intent,
            skills=tuple(tuple(x) for x in s.skills),
            agent_id=s.agent_id,
            queued_since=s.queued_since,
            stage=s.stage,
            due_at=s.due_at,
            origin_id=s.origin_id,
            attempts=s.attempts,
            answered_at=s.answered_at,
            ended_at=s.ended_at,
            outcome=Outcome(s.outcome) if s.outcome else None,
            data=dict(s.data),
        )


@dataclass(slots=True)
class AgentRuntime:
    id: str
    index: int  # position in the configuration, for round robin and stable tie-breaks
    skills: dict[str, int]
    chat_capacity: int
    state: AgentState = AgentState.OFFLINE
    state_since: float = 0.0
    idle_since: float = 0.0
    reason: str | None = None
    pending_reason: str | None = None
    contacts: dict[str, Channel] = field(default_factory=dict)  # active contact -> channel
    offer: str | None = None
    wrap_until: float | None = None
    handled: int = 0
    busy_s: float = 0.0
    busy_since: float | None = None
    channels: frozenset[Channel] | None = None  # what the agent's devices take; None: any
    phone: bool | None = None  # registered phone (registrar); None: not reported (static URI)

    @property
    def chat_load(self) -> int:
        return len(self.contacts)

    def takes(self, channel: Channel) -> bool:
        """Can the agent's devices take `channel` at all? (An offer nothing can ring or show
        would time out and knock the agent out of ready for nothing.)"""
        if channel is Channel.VOICE and self.phone is False:
            return False
        return self.channels is None or channel in self.channels

    def accepts(self, channel: Channel) -> bool:
        """Can this agent be offered a contact of `channel` right now?"""
        if self.offer is not None or self.pending_reason is not None or not self.takes(channel):
            return False
        if self.state is AgentState.AVAILABLE:
            return True
        if self.state is AgentState.BUSY and channel is Channel.CHAT:
            chats_only = all(c is Channel.CHAT for c in self.contacts.values())
            return chats_only and len(self.contacts) < self.chat_capacity
        return False

    def snapshot(self) -> AgentSnapshot:
        return AgentSnapshot(
            id=self.id,
            state=self.state,
            state_since=self.state_since,
            idle_since=self.idle_since,
            reason=self.reason,
            pending_reason=self.pending_reason,
            contacts=tuple(self.contacts),
            wrap_until=self.wrap_until,
            handled=self.handled,
            busy_s=self.busy_s,
            channels=tuple(sorted(self.channels)) if self.channels is not None else None,
            phone=self.phone,
        )
