"""Simulated agents' presence: log in at shift start, breaks, log out at shift end.

A mixin of `Simulation` (like the router's `Lifecycle`): the rules for *when* an agent can go
on break or leave are the router's, so these handlers ask for the change and react to the
facts it emits. An agent busy at break time gets a pending not-ready from the router and takes
its full break once free (we see the `agent.state` → not_ready fact and schedule the return);
an agent busy at shift end finishes the contact, then logs out. An offer still ringing blocks
both for a moment, so the request is simply retried a second later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.domain.enums import AgentState
from hotline.domain.records import EventRecord
from hotline.routing import events as ev

if TYPE_CHECKING:  # pragma: no cover
    from hotline.sim.engine import Simulation

    _Base = Simulation
else:
    _Base = object

LOGIN, BREAK, READY, SHIFT_END, LOGOUT = range(10, 15)
RETRY_S = 1.0  # an offer is ringing: ask again this much later
END_OF_SHIFT = "end_of_shift"
RECOVERABLE = frozenset({"ring_no_answer", "declined"})


@dataclass(slots=True)
class Seat:
    """What the simulator intends for one agent (the router holds the real state)."""

    break_s: float = 0.0  # length of the break asked for and not started yet
    break_reason: str = ""
    leaving: bool = False
    token: int = 0  # only the latest scheduled READY counts


class Presence(_Base):
    def _schedule_roster(self) -> None:
        for aid, wins in self.windows.items():
            self.seats[aid] = Seat()
            for w in wins:
                self._push(w.start, LOGIN, aid, None)
                for at, seconds, reason in w.breaks:
                    if at < w.end:
                        self._push(at, BREAK, aid, (seconds, reason))
                self._push(w.end, SHIFT_END, aid, None)

    def _state(self, aid: str) -> AgentState:
        snap = self.router.agent(aid)
        return snap.state if snap is not None else AgentState.OFFLINE

    def _presence(self, t: float, kind: int, aid: str, payload: object) -> None:
        if kind == LOGIN:
            self._login(t, aid)
        elif kind == BREAK:
            self._break(t, aid, payload)  # type: ignore[arg-type]
        elif kind == READY:
            self._ready(t, aid, payload)  # type: ignore[arg-type]
        elif kind == SHIFT_END:
            self._shift_end(t, aid)
        elif kind == LOGOUT:
            self._logout(t, aid)

    def _login(self, t: float, aid: str) -> None:
        seat, state = self.seats[aid], self._state(aid)
        seat.leaving = False
        if state is AgentState.OFFLINE:
            self._send(ev.AgentLogin(aid, ready=True), t)
        elif state is AgentState.BUSY:  # still finishing the previous shift's contact
            self._send(ev.AgentReady(aid), t)

    def _break(self, t: float, aid: str, payload: tuple[float, str]) -> None:
        seat, state = self.seats[aid], self._state(aid)
        seconds, reason = payload
        if seat.leaving or state is AgentState.OFFLINE:
            return
        if state is AgentState.RESERVED:
            self._push(t + RETRY_S, BREAK, aid, payload)
            return
        seat.break_s, seat.break_reason = seconds, reason
        if state is AgentState.NOT_READY:  # already away (missed a ring): the break starts now
            seat.break_s = 0.0
            seat.token += 1
            self._push(t + seconds, READY, aid, seat.token)
            return
        self._send(ev.AgentNotReady(aid, reason), t)  # busy: the router keeps it pending

    def _ready(self, t: float, aid: str, token: int) -> None:
        seat = self.seats[aid]
        if token != seat.token or seat.leaving:
            return
        if self._state(aid) is AgentState.NOT_READY:
            self._send(ev.AgentReady(aid), t)

    def _shift_end(self, t: float, aid: str) -> None:
        seat, state = self.seats[aid], self._state(aid)
        seat.leaving, seat.break_s = True, 0.0
        seat.token += 1  # a break running past the shift end does not bring the agent back
        if state is AgentState.OFFLINE:
            return
        if state is AgentState.RESERVED:
            self._push(t + RETRY_S, SHIFT_END, aid, None)
        elif state is AgentState.BUSY:
            self._send(ev.AgentNotReady(aid, END_OF_SHIFT), t)  # logs out when the router says
        else:
            self._send(ev.AgentLogout(aid), t)

    def _logout(self, t: float, aid: str) -> None:
        seat = self.seats[aid]
        if not seat.leaving:
            return
        state = self._state(aid)
        if state in (AgentState.NOT_READY, AgentState.AVAILABLE, AgentState.WRAP_UP):
            self._send(ev.AgentLogout(aid), t)
        elif state is not AgentState.OFFLINE:
            self._push(t + RETRY_S, SHIFT_END, aid, None)

    def _went_not_ready(self, r: EventRecord) -> None:
        """The router put an agent in not-ready: start the break, leave, or come back."""
        aid, reason = r.agent_id, r.data.get("reason")
        seat = self.seats.get(aid)  # type: ignore[arg-type]
        if seat is None:
            return
        if reason == END_OF_SHIFT:
            self._push(r.at, LOGOUT, aid, None)
        elif seat.break_s > 0 and reason == seat.break_reason:
            seat.token += 1
            self._push(r.at + seat.break_s, READY, aid, seat.token)
            seat.break_s = 0.0
        elif reason in RECOVERABLE and not seat.leaving:
            seat.token += 1
            self._push(r.at + self.recover_s, READY, aid, seat.token)
