"""Event handlers of the router: the life of a contact and of an agent.

A mixin of `Router` kept in its own file so each stays readable. Every handler validates first
and raises a `RoutingError` before touching state, then mutates and emits facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.routing import events as ev
from hotline.routing.callback_policy import CallbackPolicy, parse_quiet_hours
from hotline.routing.errors import IllegalTransition, InvalidEvent
from hotline.routing.state import AgentRuntime, ContactState

if TYPE_CHECKING:  # pragma: no cover
    from hotline.domain.models import OverflowRule, QueueConfig
    from hotline.routing.router import Router

    _Base = Router
else:
    _Base = object

AHT_ALPHA = 0.1  # weight of the newest handle time in the per-queue moving average
MAX_OVERFLOW_HOPS = 8  # a chain of overflow rules longer than this is treated as a loop


class Lifecycle(_Base):
    # ------------------------------------------------------------------ contacts arrive / leave
    def _on_arrived(self, e: ev.ContactArrived) -> None:
        if e.contact_id in self._contacts:
            raise InvalidEvent(f"contact {e.contact_id} already exists")
        self._queue(e.queue)
        for s, lvl in e.skills:
            if not 1 <= lvl <= 10:
                raise InvalidEvent(f"skill {s}: level {lvl} is outside 1..10")
        if not 0 <= e.waited_s < float("inf"):
            raise InvalidEvent(f"waited_s {e.waited_s} must be 0 or more")
        regions = self._config.regions
        region = regions.resolve(e.customer, e.region) if regions else None
        if e.region is not None and region is None:
            raise InvalidEvent(f"unknown region {e.region!r}")
        queue = regions.queue_for(region, e.queue)
        self._seq += 1
        c = ContactState(
            id=e.contact_id,
            channel=e.channel,
            queue=queue,
            status=ContactStatus.QUEUED,
            created_at=self._now,
            enqueued_at=self._now - e.waited_s,
            seq=self._seq,
            customer=e.customer,
            priority=e.priority,
            green=e.green,
            language=e.language,
            intent=e.intent,
            skills=tuple(e.skills),
        )
        self._contacts[c.id] = c
        where = {} if region is None else {"region": region.id, "asked_queue": e.queue}
        c.data.update(where)
        self._emit(
            "contact.created",
            c,
            customer=c.customer,
            priority=c.priority,
            green=c.green,
            language=c.language,
            intent=c.intent,
            origin_id=None,
            **where,
        )
        self._enqueue(c, queue)

    def _enqueue(self, c: ContactState, queue_id: str) -> None:
        """Put `c` in `queue_id` (keeping its place in line), or divert it if it can't wait."""
        q = self._queues[queue_id]
        c.queue, c.queued_since, c.stage = queue_id, self._now, 0
        if q.hours is not None and not q.hours.is_open(self._now):
            if c.channel is Channel.CALLBACK:
                self._schedule(c, q.hours.next_open(self._now))
            else:
                self._end(c, Outcome.OUT_OF_HOURS)
                self._create_callback(c)
            return
        c.status = ContactStatus.QUEUED
        ewt = self._ewt(c, q)
        for rule in q.overflow:
            too_long = rule.ewt_over_s is not None and (ewt is None or ewt > rule.ewt_over_s)
            if too_long and self._overflow(c, q, rule, ewt):
                return
        position = self._waiting.count_ahead(q.id, self._key(c))
        self._emit("contact.queued", c, ewt_s=ewt, position=position, stage=0)
        # Offer first, index only if it must wait: most contacts of a staffed center meet a
        # free agent at once, and adding then removing them from the sorted index and arming
        # then cancelling their timers was a tenth of the router's time. Same facts, same order.
        self._route_contact(c)
        if c.status is ContactStatus.QUEUED:
            self._index(c)
            self._arm_queue_timers(c)

    def _overflow(
        self, c: ContactState, q: QueueConfig, rule: OverflowRule, ewt: float | None
    ) -> bool:
        """Apply one overflow rule; False when it does not apply to this contact."""
        hops = c.data.get("hops", 0)
        to_queue = rule.target in self._queues and rule.target != q.id
        if c.channel is Channel.CALLBACK and not to_queue:
            return False  # a callback never becomes another callback or leaves the center
        self._waiting.remove(c.id)
        self._timers.cancel("relax", c.id)
        self._timers.cancel("overflow", c.id)
        target = rule.target
        if to_queue and hops < MAX_OVERFLOW_HOPS:
            c.data["hops"] = hops + 1
            self._emit(
                "contact.overflowed",
                c,
                from_queue=q.id,
                to_queue=target,
                rule="ewt" if rule.after_s is None else "timeout",
                ewt_s=ewt,
            )
            self._enqueue(c, target)
        elif target.startswith("center:"):
            self._emit(
                "contact.overflowed",
                c,
                from_queue=q.id,
                to_center=target[7:],
                rule="ewt" if rule.after_s is None else "timeout",
                ewt_s=ewt,
            )
            self._end(c, Outcome.OVERFLOWED_OUT)
        else:  # "callback", or a chain of overflows that never finds a seat
            self._end(c, Outcome.NO_AGENT)
            self._create_callback(c)
        return True

    def _on_handed_off(self, e: ev.ContactHandedOff) -> None:
        """A peer accepted the contact (federation): only a contact still waiting can go."""
        c = self._live(e.contact_id)
        if c.status is not ContactStatus.QUEUED:
            raise IllegalTransition(f"contact {c.id} is {c.status.value}, not waiting")
        self._emit(
            "contact.overflowed", c, from_queue=c.queue, to_center=e.center, rule="federation"
        )
        self._end(c, Outcome.OVERFLOWED_OUT)

    def _on_customer_left(self, e: ev.CustomerLeft) -> None:
        c = self._live(e.contact_id)
        if c.status is ContactStatus.SCHEDULED:
            raise IllegalTransition("a callback task is ended by the agent who works it")
        if c.status in (ContactStatus.ACTIVE, ContactStatus.HELD):
            a = self._agents[c.agent_id]  # type: ignore[index]
            self._end_consult_with(c, "customer_left")
            self._end(c, Outcome.COMPLETED, by="customer")
            self._release(a, c, None)
            return
        outcome = Outcome.CALLBACK_REQUESTED if e.callback else Outcome.ABANDONED
        if c.status is ContactStatus.OFFERED:
            a = self._revoke(c, outcome._value_)
            self._end(c, outcome)
            if a.state is AgentState.RESERVED:
                self._set_state(a, AgentState.AVAILABLE, "offer_withdrawn")
            else:
                self._ready.refresh(a)
            self._create_callback(c)
            self._route_agent(a)
            return
        self._end(c, outcome)
        self._create_callback(c)

    def _end(self, c: ContactState, outcome: Outcome, **extra: object) -> None:
        self._waiting.remove(c.id)
        for kind in ("relax", "overflow", "offer", "due"):
            self._timers.cancel(kind, c.id)
        c.status, c.outcome, c.ended_at = ContactStatus.ENDED, outcome, self._now
        wait = (c.answered_at if c.answered_at is not None else self._now) - c.enqueued_at
        talk = self._now - c.answered_at if c.answered_at is not None else None
        self._emit("contact.ended", c, outcome=outcome._value_, wait_s=wait, talk_s=talk, **extra)
        del self._contacts[c.id]
        self._ended[c.id] = c

    # ------------------------------------------------------------------ callbacks
    def _create_callback(self, origin: ContactState) -> None:
        """Never lose a caller: an unserved contact becomes a routable callback task."""
        if origin.channel is Channel.CALLBACK or not origin.customer:
            return
        oq = self._queues[origin.queue]
        queue_id = oq.callback_queue or oq.id
        q = self._queues[queue_id]
        due = self._callback_policy().outside_quiet(self._now)
        if q.hours is not None and not q.hours.is_open(due):
            due = q.hours.next_open(due) or due
        self._seq += 1
        cb = ContactState(
            id=f"{origin.id}-cb",
            channel=Channel.CALLBACK,
            queue=queue_id,
            status=ContactStatus.SCHEDULED,
            created_at=self._now,
            enqueued_at=origin.enqueued_at,
            seq=self._seq,
            customer=origin.customer,
            priority=origin.priority,
            green=origin.green,
            language=origin.language,
            intent=origin.intent,
            skills=origin.skills,
            origin_id=origin.id,
            due_at=due,
        )
        self._contacts[cb.id] = cb
        self._out.append(
            self._record_for(origin, "contact.callback_created", callback_id=cb.id, due_at=due)
        )
        self._emit(
            "contact.created",
            cb,
            customer=cb.customer,
            priority=cb.priority,
            green=cb.green,
            language=cb.language,
            intent=cb.intent,
            origin_id=origin.id,
        )
        self._schedule(cb, due)

    def _callback_policy(self) -> CallbackPolicy:
        cfg = self._config
        quiet = cfg.callback_quiet_hours
        return CallbackPolicy(
            max_attempts=cfg.callback_max_attempts,
            gaps_s=cfg.callback_retry_gaps_s or (cfg.callback_retry_s,),
            quiet=parse_quiet_hours(quiet) if quiet else None,
            tz=cfg.timezone,
        )

    def _record_for(self, c: ContactState, kind: str, **data: object):
        from hotline.domain.records import EventRecord

        return EventRecord(
            at=self._now,
            kind=kind,
            contact_id=c.id,
            queue=c.queue,
            channel=c.channel.value,
            data=data,
        )

    def _schedule(self, c: ContactState, due: float | None) -> None:
        c.status, c.due_at, c.agent_id = ContactStatus.SCHEDULED, due, None
        self._emit("contact.scheduled", c, due_at=due)
        if due is None:
            return  # the queue never opens again: it waits for a supervisor to move it
        if due <= self._now:
            self._enqueue(c, c.queue)
        else:
            self._timers.arm(due, "due", c.id)

    # ------------------------------------------------------------------ offers
    def _on_accept(self, e: ev.OfferAccepted) -> None:
        a, c = self._agent(e.agent_id), self._live(e.contact_id)
        if c.status is not ContactStatus.OFFERED or c.agent_id != a.id:
            raise IllegalTransition(f"contact {c.id} is not offered to agent {a.id}")
        self._timers.cancel("offer", c.id)
        a.offer = None
        a.contacts[c.id] = c.channel
        first = c.answered_at is None
        if first:
            c.answered_at = self._now
        c.status = ContactStatus.ACTIVE
        if a.state is AgentState.RESERVED:
            self._set_state(a, AgentState.BUSY, c.channel._value_)
        else:
            self._ready.refresh(a)
        self._emit("contact.answered", c, wait_s=self._now - c.enqueued_at, first=first)
        offered_at = self._offered_at.pop(c.id, None)
        if offered_at is not None:  # ring time is part of every wait: learn it for the EWT
            prev = self._ring.get(c.queue, 0.0)
            self._ring[c.queue] = prev + AHT_ALPHA * (self._now - offered_at - prev)
        self._route_agent(a)

    def _on_decline(self, e: ev.OfferDeclined) -> None:
        a, c = self._agent(e.agent_id), self._live(e.contact_id)
        if c.status is not ContactStatus.OFFERED or c.agent_id != a.id:
            raise IllegalTransition(f"contact {c.id} is not offered to agent {a.id}")
        self._offer_failed(c, "declined")

    def _offer_failed(self, c: ContactState, reason: str) -> None:
        """Ring-no-answer or decline: contact back to its place, agent out of rotation."""
        a = self._revoke(c, reason)
        if a.state is AgentState.RESERVED:
            self._set_state(a, AgentState.NOT_READY, reason)
        else:  # busy with chats: stop new offers until the agent says ready again
            a.pending_reason = reason
            self._ready.refresh(a)
        self._requeue(c)

    # ------------------------------------------------------------------ completing work
    def _on_complete(self, e: ev.ContactCompleted) -> None:
        a, c = self._held_by(e.agent_id, e.contact_id)
        if e.wrap_up_s is not None and not 0 <= e.wrap_up_s <= 3600:
            raise InvalidEvent("wrap_up_s must be between 0 and 3600 seconds")
        if c.channel is Channel.CALLBACK:
            c.attempts += 1
            result = e.result or ("reached" if e.reached else "not_reached")
            self._emit(
                "contact.callback_attempt", c, reached=e.reached, attempt=c.attempts, result=result
            )
            retry_at = (
                None if e.reached else self._callback_policy().retry_at(c.attempts, self._now)
            )
            if retry_at is not None:
                self._release(a, c, e.wrap_up_s)
                c.answered_at = None
                self._schedule(c, retry_at)
                return
            outcome = Outcome.COMPLETED if e.reached else Outcome.CALLBACK_FAILED
        else:
            outcome = Outcome.COMPLETED
            self._end_consult_with(c, "completed")
        self._end(c, outcome, by="agent")
        self._release(a, c, e.wrap_up_s)

    def _release(self, a: AgentRuntime, c: ContactState, wrap_up_s: float | None) -> None:
        """The agent is done with `c`: after-call work, a pending break, or the next contact."""
        a.contacts.pop(c.id, None)
        a.handled += 1
        q = self._queues[c.queue]
        wrap = q.wrap_up_s if wrap_up_s is None else wrap_up_s
        if c.answered_at is not None:
            handle = self._now - c.answered_at + wrap
            prev = self._aht.get(q.id, q.expected_aht_s)
            self._aht[q.id] = prev + AHT_ALPHA * (handle - prev)
        if a.contacts:
            self._ready.refresh(a)
            self._route_agent(a)
            return
        if a.offer is not None:  # a chat offer is ringing: it decides what comes next
            self._set_state(a, AgentState.RESERVED, "offer_pending")
            return
        if a.pending_reason is not None:
            reason, a.pending_reason = a.pending_reason, None
            self._set_state(a, AgentState.NOT_READY, reason)
        elif wrap > 0:
            self._set_state(a, AgentState.WRAP_UP, "after_call_work")
            a.wrap_until = self._now + wrap
            self._timers.arm(a.wrap_until, "wrap", a.id)
        else:
            self._set_state(a, AgentState.AVAILABLE, None)
            self._route_agent(a)

    def _on_wrap_done(self, e: ev.WrapUpDone) -> None:
        a = self._agent(e.agent_id)
        if a.state is not AgentState.WRAP_UP:
            raise IllegalTransition(f"agent {a.id} is not in after-call work")
        self._finish_wrap(a)

    def _finish_wrap(self, a: AgentRuntime) -> None:
        self._set_state(a, AgentState.AVAILABLE, None)
        self._route_agent(a)

    # ------------------------------------------------------------------ transfers and hold
    def _on_transfer_queue(self, e: ev.TransferToQueue) -> None:
        a, c = self._held_by(e.agent_id, e.contact_id)
        self._queue(e.queue)
        self._consult_guard(c, "transfer it")
        self._emit("contact.transferred", c, from_agent=a.id, to_queue=e.queue)
        c.agent_id = None
        self._release(a, c, None)
        self._enqueue(c, e.queue)

    def _on_transfer_agent(self, e: ev.TransferToAgent) -> None:
        a, c = self._held_by(e.agent_id, e.contact_id)
        t = self._agent(e.target_agent_id)
        if t.id == a.id:
            raise IllegalTransition("cannot transfer a contact to the agent who holds it")
        self._consult_guard(c, "transfer it")
        if not t.accepts(c.channel):
            raise IllegalTransition(f"agent {t.id} is {t.state.value} and cannot take it now")
        self._emit("contact.transferred", c, from_agent=a.id, to_agent=t.id)
        c.agent_id = None
        self._release(a, c, None)
        c.status, c.queued_since = ContactStatus.QUEUED, self._now
        self._offer(c, t)

    def _on_hold(self, e: ev.Hold) -> None:
        _a, c = self._held_by(e.agent_id, e.contact_id)
        self._consult_guard(c, "hold it")
        if c.status is not ContactStatus.ACTIVE:
            raise IllegalTransition(f"contact {c.id} is {c.status.value}, not active")
        c.status = ContactStatus.HELD
        self._emit("contact.held", c)

    def _on_resume(self, e: ev.Resume) -> None:
        _a, c = self._held_by(e.agent_id, e.contact_id)
        self._consult_guard(c, "resume it")
        if c.status is not ContactStatus.HELD:
            raise IllegalTransition(f"contact {c.id} is not on hold")
        c.status = ContactStatus.ACTIVE
        self._emit("contact.resumed", c)

    # ------------------------------------------------------------------ supervisor actions
    def _on_move(self, e: ev.MoveContact) -> None:
        c = self._live(e.contact_id)
        self._queue(e.queue)
        if c.status not in (ContactStatus.QUEUED, ContactStatus.SCHEDULED):
            raise IllegalTransition(f"contact {c.id} is {c.status.value}; only waiting ones move")
        self._waiting.remove(c.id)
        for kind in ("relax", "overflow", "due"):
            self._timers.cancel(kind, c.id)
        self._emit("contact.moved", c, from_queue=c.queue, to_queue=e.queue)
        if c.status is ContactStatus.SCHEDULED:
            c.queue = e.queue
            self._schedule(c, c.due_at if c.due_at is not None else self._now)
        else:
            self._enqueue(c, e.queue)

    def _on_green(self, e: ev.SetGreen) -> None:
        c = self._live(e.contact_id)
        if c.status is ContactStatus.ENDED:
            raise IllegalTransition(f"contact {c.id} has ended")
        c.green = e.on
        self._emit("contact.green", c, on=e.on)
        if c.id in self._waiting:
            self._waiting.remove(c.id)
            self._index(c)

    # ------------------------------------------------------------------ agent presence
    def _on_login(self, e: ev.AgentLogin) -> None:
        a = self._agent(e.agent_id)
        if a.state is not AgentState.OFFLINE:
            raise IllegalTransition(f"agent {a.id} is already logged in")
        if e.channels is not None and not e.channels:
            raise InvalidEvent("channels: an agent logs in with at least one channel")
        a.channels = e.channels
        if e.ready:
            self._set_state(a, AgentState.AVAILABLE, "login")
            self._route_agent(a)
        else:
            self._set_state(a, AgentState.NOT_READY, "login")

    def _on_phone(self, e: ev.AgentPhone) -> None:
        """A phone registered: voice may be offered again; dropped: no new voice offers (an
        offer already ringing fails at the registrar and comes back as a decline)."""
        a = self._agent(e.agent_id)
        if a.phone is e.registered:
            return
        a.phone = e.registered
        self._emit("agent.phone", None, agent=a.id, registered=e.registered)
        self._ready.refresh(a)
        if e.registered and a.state is not AgentState.OFFLINE:
            self._route_agent(a)

    def _on_logout(self, e: ev.AgentLogout) -> None:
        a = self._agent(e.agent_id)
        if a.contacts:
            raise IllegalTransition(f"agent {a.id} has {len(a.contacts)} contact(s) to finish")
        self._set_state(a, AgentState.OFFLINE, "logout")
        a.pending_reason = None

    def _on_ready(self, e: ev.AgentReady) -> None:
        a = self._agent(e.agent_id)
        if a.state is AgentState.BUSY:
            a.pending_reason = None  # cancel a requested break; take more chats if any room
            self._ready.refresh(a)
            self._route_agent(a)
            return
        if a.state is AgentState.AVAILABLE:
            return
        if a.state is AgentState.RESERVED:
            raise IllegalTransition("agent has an offer pending; accept or decline it first")
        if a.state is AgentState.OFFLINE:
            raise IllegalTransition(f"agent {a.id} is logged out; log in first")
        self._set_state(a, AgentState.AVAILABLE, "ready")
        self._route_agent(a)

    def _on_not_ready(self, e: ev.AgentNotReady) -> None:
        a = self._agent(e.agent_id)
        if not e.reason or len(e.reason) > 40:
            raise InvalidEvent("reason must be 1..40 characters")
        if a.state is AgentState.BUSY:
            a.pending_reason = e.reason
            self._ready.refresh(a)
            return
        if a.state is AgentState.RESERVED:
            raise IllegalTransition("agent has an offer pending; accept or decline it first")
        if a.state is AgentState.OFFLINE:
            raise IllegalTransition(f"agent {a.id} is logged out; log in first")
        self._set_state(a, AgentState.NOT_READY, e.reason)

    # ------------------------------------------------------------------ deadlines
    def _fire(self, kind: str, ref: str) -> None:
        if kind == "wrap":
            self._finish_wrap(self._agents[ref])
            return
        c = self._contacts.get(ref)
        if c is None:
            return
        if kind == "consult":
            self._fire_consult(c)
        elif kind == "offer" and c.status is ContactStatus.OFFERED:
            self._offer_failed(c, "ring_no_answer")
        elif kind == "due" and c.status is ContactStatus.SCHEDULED:
            self._enqueue(c, c.queue)
        elif kind == "relax" and c.status is ContactStatus.QUEUED:
            self._relax(c)
        elif kind == "overflow" and c.status is ContactStatus.QUEUED:
            q = self._queues[c.queue]
            timed = sorted(
                (r for r in q.overflow if r.after_s is not None), key=lambda r: r.after_s
            )
            for rule in timed:
                if self._overflow(c, q, rule, None):
                    return

    def _relax(self, c: ContactState) -> None:
        q = self._queues[c.queue]
        self._waiting.remove(c.id)
        c.stage += 1
        self._index(c)
        self._emit("contact.relaxed", c, stage=c.stage, min_level=q.relax[c.stage - 1].min_level)
        if c.stage < len(q.relax):
            since = c.queued_since if c.queued_since is not None else self._now
            self._timers.arm(since + q.relax[c.stage].after_s, "relax", c.id)
        self._route_contact(c)
