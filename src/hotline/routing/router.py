"""The sans-I/O ACD: `handle(event, now) -> [EventRecord]`, `tick(now)`, `next_deadline()`.

The router owns no clock, no ids generator, no database: time and ids come in, facts go out.
The live server sleeps until `next_deadline()` and the simulator jumps to it, so both run this
exact code. Outputs are `EventRecord` facts (the timeline); adapters act on some of them
(`contact.offered` -> ring the agent, `contact.overflowed` to a center -> hand the call over).

Refusals raise a `RoutingError` before anything changes; the deadlines that fell due before the
event are still processed, and their facts travel on the exception as `.outputs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hotline.domain.enums import AgentState, Channel, ContactStatus
from hotline.domain.models import CenterConfig, QueueConfig
from hotline.domain.records import EventRecord
from hotline.routing import agent_fsm
from hotline.routing import events as ev
from hotline.routing.consult import Consulting
from hotline.routing.errors import IllegalTransition, InvalidEvent, RoutingError, UnknownEntity
from hotline.routing.lifecycle import Lifecycle
from hotline.routing.matching import BucketKey, ReadyIndex, Reqs, WaitingIndex, choose, meets
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.routing.state import AgentRuntime, ContactState
from hotline.routing.timers import Timers

SERVING = frozenset(
    {AgentState.AVAILABLE, AgentState.RESERVED, AgentState.BUSY, AgentState.WRAP_UP}
)


class Router(Consulting, Lifecycle):
    """One center's routing state. Not thread-safe by design: feed it from one task."""

    def __init__(self, config: CenterConfig) -> None:
        self._contacts: dict[str, ContactState] = {}
        self._agents: dict[str, AgentRuntime] = {}
        self._waiting = WaitingIndex()
        self._ready = ReadyIndex()
        self._timers = Timers()
        self._out: list[EventRecord] = []
        self._now = 0.0
        self._seq = 0
        self._rr: dict[str, int] = {}
        self._aht: dict[str, float] = {}
        self._serving: dict[Reqs, int] = {}  # staffed agents per requirement set (EWT)
        # Ended contacts not yet collected. An ended contact is never mutated again, so its
        # snapshot is taken only when `pop_ended` asks (the simulator drops them unread).
        self._ended: dict[str, ContactState] = {}
        self._ring: dict[str, float] = {}  # moving average of offer -> accept, per queue
        self._offered_at: dict[str, float] = {}
        self.decisions = 0  # offers made, for benchmarks
        self._apply_config(config)
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.ContactArrived: self._on_arrived,
            ev.CustomerLeft: self._on_customer_left,
            ev.AgentLogin: self._on_login,
            ev.AgentPhone: self._on_phone,
            ev.AgentLogout: self._on_logout,
            ev.AgentReady: self._on_ready,
            ev.AgentNotReady: self._on_not_ready,
            ev.OfferAccepted: self._on_accept,
            ev.OfferDeclined: self._on_decline,
            ev.ContactCompleted: self._on_complete,
            ev.WrapUpDone: self._on_wrap_done,
            ev.TransferToQueue: self._on_transfer_queue,
            ev.TransferToAgent: self._on_transfer_agent,
            ev.Hold: self._on_hold,
            ev.Resume: self._on_resume,
            ev.ConsultStart: self._on_consult_start,
            ev.ConsultAnswered: self._on_consult_answered,
            ev.ConsultEnd: self._on_consult_end,
            ev.ConsultLeft: self._on_consult_left,
            ev.TransferOut: self._on_transfer_out,
            ev.MoveContact: self._on_move,
            ev.SetGreen: self._on_green,
            ev.ContactHandedOff: self._on_handed_off,
        }

    # ------------------------------------------------------------------ public API
    @property
    def config(self) -> CenterConfig:
        return self._config

    def handle(self, event: ev.Event, now: float) -> list[EventRecord]:
        """Apply one event at time `now` (deadlines due by then are processed first)."""
        out = self.tick(now)
        handler = self._handlers.get(type(event))
        if handler is None:
            raise InvalidEvent(f"unknown event type {type(event).__name__}")
        self._now = now
        self._out = out
        try:
            handler(event)
        except RoutingError as exc:
            exc.outputs = out  # type: ignore[attr-defined]
            raise
        return out

    def tick(self, now: float) -> list[EventRecord]:
        """Fire every deadline at or before `now`, each at its own due time."""
        self._out = out = []
        while (due := self._timers.pop_due(now)) is not None:
            when, kind, ref = due
            self._now = when
            self._fire(kind, ref)
        self._now = max(self._now, now)
        return out

    def next_deadline(self) -> float | None:
        return self._timers.next_deadline()

    def contact(self, contact_id: str) -> ContactSnapshot | None:
        c = self._contacts.get(contact_id)
        return c.snapshot() if c else None

    def agent(self, agent_id: str) -> AgentSnapshot | None:
        a = self._agents.get(agent_id)
        return a.snapshot() if a else None

    def contacts(self) -> list[ContactSnapshot]:
        return [c.snapshot() for c in self._contacts.values()]

    def agents(self) -> list[AgentSnapshot]:
        return [a.snapshot() for a in self._agents.values()]

    def pop_ended(self) -> list[ContactSnapshot]:
        """Final snapshots of contacts ended since the last call (for the store's projection)."""
        ended, self._ended = self._ended, {}
        return [c.snapshot() for c in ended.values()]

    def drop_ended(self) -> None:
        """Forget the ended contacts without snapshotting them (the simulator never stores)."""
        self._ended = {}

    def offer_of(self, agent_id: str) -> str | None:
        a = self._agents.get(agent_id)
        return a.offer if a else None

    def position(self, contact_id: str) -> int | None:
        """How many contacts will be served before this waiting one (callback tasks that kept
        their place included): "您前面还有 3 位". None when it is not waiting in line."""
        c = self._contacts.get(contact_id)
        if c is None or c.status is not ContactStatus.QUEUED or c.id not in self._waiting:
            return None
        return self._waiting.count_ahead(c.queue, self._key(c))

    def waiting(self, queue: str) -> list[str]:
        """Ids of the contacts waiting in `queue`, in the order they will be served."""
        return [cid for _k, cid in sorted(self._waiting.in_queue(queue))]

    def estimated_wait(self, queue: str, contact_id: str | None = None) -> float | None:
        """Expected wait of a contact arriving now in `queue` (ring time if an agent is free),
        or, with `contact_id`, of that contact from now: 0 once it is offered or with an agent
        (a contact offered at once does not wait), the estimate for its own place in line while
        it is queued, None when it is not in line at all (scheduled, ended, unknown).

        The one estimate the API, the chat widget and the voice gateway quote, so that they
        never disagree about the same caller.
        """
        if contact_id is not None:
            c = self._contacts.get(contact_id)
            if c is None or c.status in (ContactStatus.SCHEDULED, ContactStatus.ENDED):
                return None
            if c.status is not ContactStatus.QUEUED or c.queue is None:
                return 0.0
            return self._ewt(c, self._queue(c.queue))
        q = self._queue(queue)
        probe = ContactState(
            id="~probe",
            channel=Channel.VOICE,
            queue=queue,
            status=ContactStatus.QUEUED,
            created_at=self._now,
            enqueued_at=self._now,
            seq=self._seq + 1,
        )
        return self._ewt(probe, q)

    # ------------------------------------------------------------------ configuration
    def _apply_config(self, config: CenterConfig) -> None:
        self._config = config
        self._queues: dict[str, QueueConfig] = {q.id: q for q in config.queues}
        old = self._agents
        self._agents = {}
        for i, ac in enumerate(config.agents):
            a = old.get(ac.id) or AgentRuntime(id=ac.id, index=i, skills={}, chat_capacity=1)
            self._ready.forget(a)
            a.index, a.skills, a.chat_capacity = i, dict(ac.skills), ac.chat_capacity
            self._agents[ac.id] = a
            self._ready.refresh(a)
        self._waiting.clear_memo()
        self._serving = {}
        self._qualified_memo: dict[Reqs, frozenset[str]] = {}
        self._reqs_memo: dict[tuple, Reqs] = {}

    def reconfigure(self, config: CenterConfig, now: float) -> list[EventRecord]:
        """Swap the configuration live; refused if it would strand a contact or a busy agent."""
        out = self.tick(now)
        queues = {q.id for q in config.queues}
        agents = {a.id for a in config.agents}
        for c in self._contacts.values():
            if c.queue not in queues:
                raise IllegalTransition(f"queue {c.queue} still holds contact {c.id}")
        for a in self._agents.values():
            if a.id not in agents and a.state is not AgentState.OFFLINE:
                raise IllegalTransition(f"agent {a.id} is logged in; log them out first")
        for a in self._agents.values():
            if a.id not in agents:
                self._ready.forget(a)
        self._out = out
        self._apply_config(config)
        waiting = [self._contacts[cid] for cid in list(self._waiting.where)]
        for c in waiting:
            self._waiting.remove(c.id)
        for c in waiting:
            self._index(c)
        self._route_all()
        return out

    # ------------------------------------------------------------------ restore
    def restore(
        self,
        contacts: Iterable[ContactSnapshot],
        agents: Iterable[AgentSnapshot],
        now: float,
        seq_floor: int = 0,
    ) -> list[EventRecord]:
        """Rebuild live state after a restart; pending offers are withdrawn and re-routed.

        `seq_floor` is the highest arrival sequence ever used, so new contacts sort after
        every earlier one even when those have ended.
        """
        self._now = now
        self._seq = max(self._seq, seq_floor)
        self._out = out = []
        self._serving.clear()
        for s in agents:
            a = self._agents.get(s.id)
            if a is None:
                continue
            a.state, a.state_since, a.idle_since = s.state, s.state_since, s.idle_since
            a.reason, a.pending_reason, a.wrap_until = s.reason, s.pending_reason, s.wrap_until
            a.handled, a.busy_s = s.handled, s.busy_s
            a.channels = frozenset(Channel(c) for c in s.channels) if s.channels else None
            a.contacts, a.offer = {}, None
        for s in sorted(contacts, key=lambda s: s.seq):
            c = ContactState.from_snapshot(s)
            self._seq = max(self._seq, c.seq)
            self._contacts[c.id] = c
            a = self._agents.get(c.agent_id) if c.agent_id else None
            if c.status in (ContactStatus.ACTIVE, ContactStatus.HELD) and a is not None:
                a.contacts[c.id] = c.channel
                a.busy_since = a.busy_since or a.state_since
                self._restore_consult(c)
            elif c.status is ContactStatus.OFFERED:
                c.status, c.agent_id = ContactStatus.QUEUED, None
                self._emit("contact.offer_revoked", c, agent=a.id if a else None, reason="restart")
            if c.status is ContactStatus.QUEUED:
                self._index(c)
                self._arm_queue_timers(c)
            elif c.status is ContactStatus.SCHEDULED:
                self._timers.arm(c.due_at or now, "due", c.id)
        for a in self._agents.values():
            if a.state is AgentState.RESERVED or (a.state is AgentState.BUSY and not a.contacts):
                self._set_state(a, AgentState.AVAILABLE, "restart")
            elif a.state is AgentState.WRAP_UP:
                self._timers.arm(a.wrap_until or now, "wrap", a.id)
            self._ready.refresh(a)
        self._route_all()
        return out

    # ------------------------------------------------------------------ helpers
    def _emit(
        self, kind: str, c: ContactState | None = None, agent: str | None = None, **data: Any
    ) -> None:
        # Positional arguments and `_value_` (`.value` is a Python-level property): this runs
        # for most facts, ~5 per simulated call.
        if c is None:
            self._out.append(EventRecord(self._now, kind, None, agent, None, None, data))
            return
        self._out.append(
            EventRecord(
                self._now,
                kind,
                c.id,
                agent if agent is not None else c.agent_id,
                c.queue,
                c.channel._value_,
                data,
            )
        )

    def _queue(self, queue_id: str) -> QueueConfig:
        q = self._queues.get(queue_id)
        if q is None:
            raise UnknownEntity(f"unknown queue {queue_id!r}")
        return q

    def _agent(self, agent_id: str) -> AgentRuntime:
        a = self._agents.get(agent_id)
        if a is None:
            raise UnknownEntity(f"unknown agent {agent_id!r}")
        return a

    def _live(self, contact_id: str) -> ContactState:
        c = self._contacts.get(contact_id)
        if c is None:
            raise UnknownEntity(f"no live contact {contact_id!r}")
        return c

    def _held_by(self, agent_id: str, contact_id: str) -> tuple[AgentRuntime, ContactState]:
        a, c = self._agent(agent_id), self._live(contact_id)
        if contact_id not in a.contacts:
            raise IllegalTransition(f"contact {contact_id} is not with agent {agent_id}")
        return a, c

    def _reqs(self, c: ContactState, q: QueueConfig) -> Reqs:
        """Effective requirements: queue + contact + language, relaxed by the current stage."""
        memo_key = (q.id, c.skills, c.language, c.stage)
        reqs = self._reqs_memo.get(memo_key)
        if reqs is None:
            reqs = self._reqs_memo[memo_key] = self._compute_reqs(c, q)
        return reqs

    def _compute_reqs(self, c: ContactState, q: QueueConfig) -> Reqs:
        need: dict[str, int] = {}
        for r in q.skills:
            need[r.skill] = max(need.get(r.skill, 0), r.min_level)
        for s, lvl in c.skills:
            need[s] = max(need.get(s, 0), lvl)
        lang = self._config.language_skills.get(c.language or "")
        if lang:
            need.setdefault(lang, 1)
        if c.stage and q.relax:
            cap = q.relax[min(c.stage, len(q.relax)) - 1].min_level
            need = {s: min(lvl, cap) for s, lvl in need.items()}
        return tuple(sorted(need.items()))

    def _qualified(self, reqs: Reqs) -> frozenset[str]:
        """Agents whose skills meet `reqs` (cached: skills change only with the config)."""
        ids = self._qualified_memo.get(reqs)
        if ids is None:
            ids = frozenset(a.id for a in self._agents.values() if meets(a.skills, reqs))
            self._qualified_memo[reqs] = ids
        return ids

    def _key(self, c: ContactState) -> tuple[int, float, int]:
        return c.sort_key(self._queues[c.queue].priority, self._config.weights.priority_s)

    def _index(self, c: ContactState) -> None:
        q = self._queues[c.queue]
        bucket: BucketKey = (c.queue, self._reqs(c, q), c.channel)
        self._waiting.add(c.id, bucket, self._key(c))

    def _set_state(self, a: AgentRuntime, state: AgentState, reason: str | None = None) -> None:
        old = a.state
        if state not in agent_fsm.ALLOWED[old]:
            agent_fsm.check(old, state)  # raises, with the reason
        now = self._now
        if old is AgentState.BUSY and a.busy_since is not None:
            a.busy_s += now - a.busy_since
            a.busy_since = None
        if state is AgentState.BUSY:
            a.busy_since = now
        if state is AgentState.AVAILABLE:
            a.idle_since = now
        if (old in SERVING) != (state in SERVING):
            self._serving.clear()
        a.state, a.state_since, a.reason = state, now, reason
        if state in (AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.OFFLINE):
            a.pending_reason = None  # a requested break is over once the agent is free
        if state is not AgentState.WRAP_UP:
            a.wrap_until = None
            self._timers.cancel("wrap", a.id)
        data = {"from": old._value_, "to": state._value_, "reason": reason}
        self._out.append(EventRecord(now, "agent.state", None, a.id, None, None, data))
        self._ready.refresh(a)

    # ------------------------------------------------------------------ routing
    def _route_contact(self, c: ContactState) -> None:
        """Offer a queued contact to the best ready agent, if any qualifies."""
        q = self._queues[c.queue]
        reqs = self._reqs(c, q)
        agents = self._agents
        candidates = [
            a
            for aid in self._ready.all & self._qualified(reqs)
            if (a := agents[aid]).accepts(c.channel)
        ]
        if candidates:
            strategy = q.strategy or self._config.strategy
            rr = self._rr.get(q.id, -1)
            self._offer(c, choose(candidates, strategy, c.channel, reqs, rr, q.chat_pack))

    def _route_agent(self, a: AgentRuntime) -> None:
        """Give a newly ready agent the best waiting contact across all queues it serves."""
        if not any(a.accepts(ch) for ch in Channel):
            return
        cid = self._waiting.best_for(a, exclusive_ok=a.state is AgentState.AVAILABLE)
        if cid is not None:
            self._offer(self._contacts[cid], a)

    def _route_all(self) -> None:
        for _key, cid in sorted((k, cid) for cid, (_b, k) in self._waiting.where.items()):
            c = self._contacts[cid]
            if c.status is ContactStatus.QUEUED:
                self._route_contact(c)

    def _offer(self, c: ContactState, a: AgentRuntime) -> None:
        q = self._queues[c.queue]
        self._waiting.remove(c.id)
        self._timers.cancel("relax", c.id)
        self._timers.cancel("overflow", c.id)
        c.status, c.agent_id = ContactStatus.OFFERED, a.id
        a.offer = c.id
        if a.state is AgentState.AVAILABLE:
            self._set_state(a, AgentState.RESERVED, c.channel._value_)
        else:
            self._ready.refresh(a)
        expires = self._now + q.offer_timeout_s
        self._timers.arm(expires, "offer", c.id)
        self._rr[q.id] = a.index
        self._offered_at[c.id] = self._now
        self.decisions += 1
        self._emit("contact.offered", c, expires_at=expires)

    def _revoke(self, c: ContactState, reason: str) -> AgentRuntime:
        """Withdraw a pending offer; the contact is left unqueued for the caller to place."""
        a = self._agents[c.agent_id]  # type: ignore[index]
        self._timers.cancel("offer", c.id)
        self._offered_at.pop(c.id, None)
        a.offer = None
        self._emit("contact.offer_revoked", c, reason=reason)
        c.status, c.agent_id = ContactStatus.QUEUED, None
        return a

    def _requeue(self, c: ContactState) -> None:
        """Back to its place in line (original sort key) after an offer failed."""
        c.status = ContactStatus.QUEUED
        self._index(c)
        self._arm_queue_timers(c)
        self._emit("contact.queued", c, ewt_s=None, position=None, stage=c.stage, requeued=True)
        self._route_contact(c)

    def _arm_queue_timers(self, c: ContactState) -> None:
        q = self._queues[c.queue]
        since = c.queued_since if c.queued_since is not None else self._now
        if c.stage < len(q.relax):
            self._timers.arm(since + q.relax[c.stage].after_s, "relax", c.id)
        timed = [r.after_s for r in q.overflow if r.after_s is not None]
        if timed and not (c.channel is Channel.CALLBACK and not self._queue_rule_exists(q)):
            self._timers.arm(since + min(timed), "overflow", c.id)

    def _queue_rule_exists(self, q: QueueConfig) -> bool:
        return any(r.target in self._queues for r in q.overflow if r.after_s is not None)

    def _ewt(self, c: ContactState, q: QueueConfig) -> float | None:
        """Ring time + (position + 1) x average handle time / agents serving the queue.

        The queueing part is exact for exponential handle times with every serving agent busy;
        the ring part is the moving average of offer-to-accept, which a caller waits through
        even when an agent is free. The error against real waits is measured by the KPI module
        (`ewt_mae_s`) rather than assumed.
        """
        reqs = self._reqs(c, q)
        ring = self._ring.get(q.id, 0.0)
        for aid in self._ready.all & self._qualified(reqs):
            if self._agents[aid].accepts(c.channel):
                return ring
        serving = self._serving.get(reqs)
        if serving is None:
            serving = self._serving[reqs] = sum(
                1 for a in self._agents.values() if a.state in SERVING and meets(a.skills, reqs)
            )
        if serving == 0:
            return None
        ahead = self._waiting.count_ahead(q.id, self._key(c))
        return ring + (ahead + 1) * self._aht.get(q.id, q.expected_aht_s) / serving
