"""Call control in the router: consult (warm) transfer, three-way conference, blind transfer out.

A mixin of `Router`, like `Lifecycle`. The router owns every agent's state, so the specialist
of a consult is reserved and made busy here, through events, never by the gateway alone: while
their phone rings nobody else can offer them a call, and once they talk they are busy.

The consult lives on the contact (`data["consult"]`: agent, by, state ringing | talking |
conference, since, queue) so a snapshot carries it across a restart. The specialist holds the
consult under a key of its own (`<contact>#consult`) - in `offer` while ringing, in `contacts`
while talking - because the contact itself stays with the agent who holds the caller until a
transfer moves it.

Facts: `contact.consult_started` (to_agent, to_queue), `contact.consult_answered`,
`contact.consult_ended` (how: transfer | conference | return | no_answer | failed | left |
customer_left | completed, consult_s; a second one ends a conference, with conference_s),
`contact.conference`, `contact.transferred` (consult=True, or to_number for a blind
transfer out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.routing import events as ev
from hotline.routing.errors import IllegalTransition, InvalidEvent
from hotline.routing.matching import choose, meets
from hotline.routing.state import AgentRuntime, ContactState

if TYPE_CHECKING:  # pragma: no cover
    from hotline.routing.router import Router

    _Base = Router
else:
    _Base = object

SUFFIX = "#consult"
# the gateway could not ring the specialist at all (no call leg free in the worker holding
# the caller, no phone configured, the call was not bridged): the consult "failed"
GATEWAY_FAILURES = frozenset({"no_slot", "no_phone", "not_bridged"})
HOW = frozenset({"transfer", "conference", "return"})


def consult_key(contact_id: str) -> str:
    """The key under which the specialist holds a consult (offer, then contacts)."""
    return contact_id + SUFFIX


def consult_of(key: str) -> str | None:
    """The contact id of a consult key, or None for an ordinary contact id."""
    return key[: -len(SUFFIX)] if key.endswith(SUFFIX) else None


class Consulting(_Base):
    # ------------------------------------------------------------------ start / answer
    def _on_consult_start(self, e: ev.ConsultStart) -> None:
        a, c = self._held_by(e.agent_id, e.contact_id)
        if (e.target_agent_id is None) == (e.queue is None):
            raise InvalidEvent("give exactly one of target_agent_id or queue")
        if c.channel is not Channel.VOICE:
            raise IllegalTransition(f"contact {c.id} is {c.channel.value}: only calls consult")
        if c.data.get("consult"):
            raise IllegalTransition(f"contact {c.id} already has a consult; end it first")
        if c.status not in (ContactStatus.ACTIVE, ContactStatus.HELD):
            raise IllegalTransition(f"contact {c.id} is {c.status.value}")
        t = self._consultant_for(a, e.target_agent_id, e.queue)
        key = consult_key(c.id)
        t.offer = key
        self._set_state(t, AgentState.RESERVED, "consult")
        c.status = ContactStatus.HELD
        c.data["consult"] = {
            "agent": t.id,
            "by": a.id,
            "state": "ringing",
            "since": self._now,
            "queue": e.queue,
        }
        expires = self._now + self._queues[c.queue].offer_timeout_s
        self._timers.arm(expires, "consult", c.id)
        self._emit(
            "contact.consult_started",
            c,
            to_agent=t.id,
            to_queue=e.queue,
            from_agent=a.id,
            expires_at=expires,
        )

    def _consultant_for(
        self, a: AgentRuntime, target: str | None, queue: str | None
    ) -> AgentRuntime:
        """The named agent if free now, else the best free agent of `queue` (not `a`)."""
        if target is not None:
            t = self._agent(target)
            if t.id == a.id:
                raise IllegalTransition("an agent cannot consult themselves")
            if not (t.state is AgentState.AVAILABLE and t.accepts(Channel.VOICE)):
                raise IllegalTransition(f"agent {t.id} is {t.state.value} and cannot take a call")
            return t
        q = self._queue(queue or "")
        reqs = tuple(sorted({r.skill: r.min_level for r in q.skills}.items()))
        free = [
            self._agents[aid]
            for aid in self._ready.all
            if aid != a.id
            and self._agents[aid].state is AgentState.AVAILABLE
            and self._agents[aid].accepts(Channel.VOICE)
            and meets(self._agents[aid].skills, reqs)
        ]
        if not free:
            raise IllegalTransition(f"nobody in queue {q.id} is free to consult now")
        strategy = q.strategy or self._config.strategy
        return choose(free, strategy, Channel.VOICE, reqs, self._rr.get(q.id, -1))

    def _on_consult_answered(self, e: ev.ConsultAnswered) -> None:
        c = self._live(e.contact_id)
        cons = self._consult(c)
        if cons["agent"] != e.agent_id:
            raise IllegalTransition(f"agent {e.agent_id} is not consulted on {c.id}")
        if cons["state"] != "ringing":
            return  # a retry of the same report: nothing more to do
        t = self._agents[e.agent_id]
        key = consult_key(c.id)
        self._timers.cancel("consult", c.id)
        t.offer = None
        t.contacts[key] = Channel.VOICE
        self._set_state(t, AgentState.BUSY, "consult")
        cons["state"], cons["answered_at"] = "talking", self._now
        self._emit("contact.consult_answered", c, to_agent=t.id)

    # ------------------------------------------------------------------ the holder decides
    def _on_consult_end(self, e: ev.ConsultEnd) -> None:
        if e.how not in HOW:
            raise InvalidEvent(f"how must be one of {sorted(HOW)}")
        a, c = self._held_by(e.agent_id, e.contact_id)
        cons = self._consult(c)
        if e.how == "return":
            self._close_consult(c, "return")
            return
        if cons["state"] == "ringing":
            raise IllegalTransition("the specialist has not answered yet")
        if e.how == "conference":
            if cons["state"] == "conference":
                raise IllegalTransition(f"contact {c.id} is already a conference")
            c.status = ContactStatus.ACTIVE
            self._emit("contact.consult_ended", c, how="conference", **self._consult_data(c))
            cons["state"], cons["merged_at"] = "conference", self._now
            self._emit("contact.conference", c, parties=[a.id, cons["agent"]])
            return
        self._hand_over(a, c, "transfer")

    def _hand_over(self, a: AgentRuntime, c: ContactState, by: str) -> None:
        """The caller goes to the specialist; the holding agent is released (after-call work)."""
        cons = c.data["consult"]
        t = self._agents[cons["agent"]]
        self._emit("contact.consult_ended", c, how="transfer", by=by, **self._consult_data(c))
        self._emit("contact.transferred", c, from_agent=a.id, to_agent=t.id, consult=True)
        del c.data["consult"]
        c.agent_id = t.id
        c.status = ContactStatus.ACTIVE
        t.contacts.pop(consult_key(c.id), None)
        t.contacts[c.id] = Channel.VOICE
        self._release(a, c, None)
        # a new talk leg starts with the specialist (the KPI fold sums legs from answers)
        self._emit("contact.answered", c, wait_s=self._now - c.enqueued_at, first=False)

    def _on_consult_left(self, e: ev.ConsultLeft) -> None:
        c = self._live(e.contact_id)
        cons = self._consult(c)
        if e.agent_id == cons["agent"]:
            how = "no_answer" if cons["state"] == "ringing" else "left"
            if e.reason in GATEWAY_FAILURES:
                how = "failed"  # no fault of the specialist's: they go back to available
            self._close_consult(c, how, reason=e.reason)
            return
        if e.agent_id != c.agent_id:
            raise IllegalTransition(f"agent {e.agent_id} is not on contact {c.id}")
        if cons["state"] == "ringing":
            self._close_consult(c, "return", reason=e.reason)
        else:
            self._hand_over(self._agents[e.agent_id], c, "hangup")

    # ------------------------------------------------------------------ ending
    def _close_consult(self, c: ContactState, how: str, reason: str | None = None) -> None:
        """The specialist leaves (or never answered): the caller is back with the holder."""
        data = self._consult_data(c)
        cons = c.data.pop("consult")
        self._timers.cancel("consult", c.id)
        if c.status is not ContactStatus.ENDED:
            c.status = ContactStatus.ACTIVE
        extra: dict[str, Any] = {"reason": reason} if reason else {}
        self._emit("contact.consult_ended", c, how=how, **data, **extra)
        t = self._agents[cons["agent"]]
        unanswered = cons["state"] == "ringing" and how == "no_answer"
        self._free_consultant(t, consult_key(c.id), unanswered)

    def _free_consultant(self, t: AgentRuntime, key: str, failed: bool) -> None:
        """No after-call work for a consult; a ring-no-answer takes them out of ready."""
        if t.offer == key:
            t.offer = None
        t.contacts.pop(key, None)
        if t.contacts:
            self._ready.refresh(t)
            self._route_agent(t)
        elif failed and t.state is AgentState.RESERVED:
            self._set_state(t, AgentState.NOT_READY, "ring_no_answer")
        elif t.state in (AgentState.RESERVED, AgentState.BUSY):
            if t.pending_reason is not None:
                reason, t.pending_reason = t.pending_reason, None
                self._set_state(t, AgentState.NOT_READY, reason)
            else:
                self._set_state(t, AgentState.AVAILABLE, "consult_done")
                self._route_agent(t)

    def _end_consult_with(self, c: ContactState, how: str) -> None:
        """The contact itself ends (the caller hung up, the agent completed): free the
        specialist. A conference's specialist stays with nothing to do, so is freed too."""
        if c.data.get("consult"):
            self._close_consult(c, how)

    def _consult_guard(self, c: ContactState, what: str) -> None:
        if c.data.get("consult"):
            raise IllegalTransition(f"contact {c.id} has a consult: end it before you {what}")

    def _fire_consult(self, c: ContactState) -> None:
        cons = c.data.get("consult")
        if cons and cons["state"] == "ringing":
            self._close_consult(c, "no_answer", reason="ring_no_answer")

    def _consult(self, c: ContactState) -> dict[str, Any]:
        cons = c.data.get("consult")
        if not cons:
            raise IllegalTransition(f"contact {c.id} has no consult")
        return cons

    def _consult_data(self, c: ContactState) -> dict[str, Any]:
        cons = c.data["consult"]
        data = {
            "to_agent": cons["agent"],
            "to_queue": cons.get("queue"),
            "consult_s": round(self._now - cons["since"], 3),
        }
        if cons["state"] == "conference":  # the end of a conference the consult became
            data["conference_s"] = round(self._now - cons.get("merged_at", self._now), 3)
        return data

    # ------------------------------------------------------------------ blind transfer out
    def _on_transfer_out(self, e: ev.TransferOut) -> None:
        a, c = self._held_by(e.agent_id, e.contact_id)
        number = e.number.strip()
        if not (3 <= len(number) <= 21 and number.lstrip("+").isdigit()):
            raise InvalidEvent("number: 3 to 20 digits, optionally after a +")
        if c.channel is not Channel.VOICE:
            raise IllegalTransition(f"contact {c.id} is {c.channel.value}: only calls go out")
        self._consult_guard(c, "transfer it out")
        self._emit("contact.transferred", c, from_agent=a.id, to_number=number)
        self._end(c, Outcome.TRANSFERRED_OUT, by="agent", to_number=number)
        self._release(a, c, None)

    def _restore_consult(self, c: ContactState) -> None:
        """After a restart: a consult that was talking keeps its specialist busy; one that
        was still ringing is dropped (its phone's answer is then refused, and hung up)."""
        cons = c.data.get("consult")
        if not cons:
            return
        t = self._agents.get(cons["agent"])
        if t is None or cons["state"] == "ringing":
            del c.data["consult"]
            return
        t.contacts[consult_key(c.id)] = Channel.VOICE
        t.busy_since = t.busy_since or t.state_since
