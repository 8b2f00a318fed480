"""Call control legs of a `PhoneCall`: the specialist of a consult, the outside number of a
blind transfer, the supervisor who monitors. Mixed into `PhoneCall` like `AgentPhone`.

Every extra leg lives in the worker that holds the caller, because the bridge is pjsua's
in-process conference bridge: nothing here crosses processes. The core decides (the
specialist is reserved and made busy by the router); this only dials, wires and reports:

- `contact.consult_started` -> hold the caller (music), dial the specialist's phone; its
  pick-up is reported (`/consult/answered`), `contact.consult_answered` connects agent and
  specialist; `contact.consult_ended` (conference: all three; return / no_answer / left:
  the specialist's leg ends, the caller is back with the agent); `contact.transferred` with
  `consult` swaps the legs: the specialist's leg becomes the call's agent leg.
- `contact.transferred` with `to_number` -> the agent's leg ends, the number is dialled
  through `control.transfer_trunks`, the caller hears the hold music until it answers, then
  both are bridged (`voice.transfer_out` bridged / failed).
- `voice.monitor_requested` -> dial the supervisor's phone, wire by mode: listen (hears
  caller and agent), whisper (the agent also hears the supervisor), barge (everyone hears
  everyone); `voice.monitor` started / changed / ended.

Who hears whom is one function (`wire_control`), applied after every media event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hotline.channels.sip.media import CONFIRMED, DISCONNECTED

if TYPE_CHECKING:
    from hotline.channels.sip.media import Leg
    from hotline.channels.sip.worker import Worker

log = logging.getLogger(__name__)
SLOT_WAIT_S = 3.0  # pjsua frees call slots lazily: retry a dial this long


class CallControl:
    """State lives on the call (`init_control`); this class only groups the behaviour."""

    w: Worker
    id: str
    state: str
    caller: Leg
    agent: Leg | None
    agent_id: str | None
    agent_uri: str | None
    agent_dropped: bool
    recorders: dict[str, Any]
    outcome: str | None

    play: Callable[..., None]
    reconnect: Callable[[], None]
    drop_agent: Callable[[], None]
    hang_up_caller: Callable[[], None]
    _hold: Callable[[], None]
    _stop_player: Callable[[], None]
    segment: Callable[[str | None], None]

    def init_control(self) -> None:
        self.consult: Leg | None = None
        self.consult_agent: str | None = None
        self.consult_state: str | None = None  # ringing | talking | conference
        self.outside: Leg | None = None
        self.outside_up = False
        self.outside_number: str | None = None
        self.monitor: Leg | None = None
        self.monitor_mode: str | None = None
        self.monitor_by: str | None = None
        self.monitor_up = False

    def legs_in_use(self) -> int:
        legs = (self.caller, self.agent, self.consult, self.outside, self.monitor)
        return sum(1 for leg in legs if leg is not None and not leg.gone)

    # ------------------------------------------------------------------ facts from the core
    def on_control_fact(self, kind: str, agent_id: str | None, data: dict[str, Any]) -> bool:
        """Act on a call-control fact; False when `kind` is none of them."""
        if kind == "contact.consult_started":
            self._start_consult(data.get("to_agent") or "")
        elif kind == "contact.consult_answered":
            if self.consult_state == "ringing" and data.get("to_agent") == self.consult_agent:
                self.consult_state = "talking"
                self.reconnect()
        elif kind == "contact.consult_ended":
            self._consult_ended(data.get("how") or "")
        elif kind == "contact.transferred" and data.get("consult"):
            self._take_over(data.get("to_agent") or "")
        elif kind == "contact.transferred" and data.get("to_number"):
            self._transfer_out(str(data["to_number"]))
        elif kind == "voice.monitor_requested":
            self._monitor(str(data.get("mode")), str(data.get("supervisor") or ""))
        else:
            return False
        return True

    # ------------------------------------------------------------------ consult
    def _start_consult(self, agent_id: str) -> None:
        if self.state not in ("bridged", "held") or self.consult is not None:
            self._consult_left(agent_id, "not_bridged")
            return
        uri = self.w.config.phone_uri(agent_id)
        if uri is None:
            self._consult_left(agent_id, "no_phone")
            return
        self.consult_agent, self.consult_state = agent_id, "ringing"
        if self.state == "bridged":
            self._hold()  # the caller hears the hold music; agent and caller are cut apart
        self.segment("consult")
        self._dial_consult(uri, self.w.clock() + SLOT_WAIT_S)

    def _dial_consult(self, uri: str, deadline: float) -> None:
        if self.consult_state != "ringing" or self.consult is not None:
            return
        leg = self._dial_leg(uri, "consult")
        if leg is None:
            if self.w.clock() < deadline:
                self.w.schedule(0.2, lambda: self._dial_consult(uri, deadline))
            else:
                self._consult_left(self.consult_agent or "", "no_slot")
            return
        self.consult = leg

    def _consult_left(self, agent_id: str, reason: str) -> None:
        """Tell the core the specialist's side is gone; it frees them and says how it ended."""
        body = {"agent_id": agent_id, "reason": reason}
        self.w.core.post(self.id, f"/api/voice/{self.id}/consult/left", body)
        self.w.fact(self.id, "voice.consult", {"state": "failed", "reason": reason}, agent_id)

    def _consult_ended(self, how: str) -> None:
        if how == "transfer":
            return  # `contact.transferred` (consult) follows and swaps the legs
        if how == "conference":
            self.consult_state = "conference"
            self.segment("conference")
            if self.state == "held":
                self._stop_player()
                self.state = "bridged"
            self.reconnect()
            return
        leg, self.consult = self.consult, None
        self.consult_agent = self.consult_state = None
        if leg is not None:
            self.w.engine.hangup(leg)
        self.segment(None)
        if self.state == "held" and how in ("return", "no_answer", "failed", "left"):
            self._stop_player()  # the caller is back with the agent
            self.state = "bridged"
            self.reconnect()

    def _take_over(self, agent_id: str) -> None:
        """The specialist now holds the call: their leg becomes the call's agent leg."""
        leg, self.consult = self.consult, None
        self.consult_state = self.consult_agent = None
        old = self.agent
        if leg is None or leg.gone:
            log.warning("call %s: transferred to %s, whose leg is gone", self.id, agent_id)
            return
        self.agent, self.agent_id = leg, agent_id
        self.agent_uri = self.w.config.phone_uri(agent_id)
        self.agent_dropped = False
        if old is not None:
            self.w.engine.hangup(old)  # no report: `leg is not self.agent` when it ends
        if self.state == "held":
            self._stop_player()
        self.state = "bridged"
        self.segment(None)
        self.reconnect()

    # ------------------------------------------------------------------ blind transfer out
    def _transfer_out(self, number: str) -> None:
        out = self.w.config.control.out
        self.drop_agent()
        self.outcome = "transferred_out"
        self.outside_number = number
        self.state = "outside"
        self.segment("outside")
        uri = out.uri(number) if out is not None else None
        if uri is None:
            self._outside_failed("no_trunk", 0)
            return
        music = self.w.flow.waiting.music
        if music:
            self.play((music,), loop=True)
        self._dial_outside(uri, self.w.clock() + SLOT_WAIT_S)

    def _dial_outside(self, uri: str, deadline: float) -> None:
        if self.state != "outside" or self.outside is not None:
            return
        out = self.w.config.control.out
        leg = self._dial_leg(uri, "outside", caller_id=out.caller_id if out else None)
        if leg is None:
            if self.w.clock() < deadline:
                self.w.schedule(0.2, lambda: self._dial_outside(uri, deadline))
            else:
                self._outside_failed("no_slot", 0)
            return
        self.outside = leg
        wait = out.no_answer_s if out else 30.0
        self.w.schedule(wait, lambda: self._outside_guard(leg))

    def _outside_guard(self, leg: Leg) -> None:
        if leg is self.outside and not self.outside_up:
            self.w.engine.hangup(leg)  # rang out: DISCONNECTED reports the failure

    def _outside_failed(self, reason: str, code: int) -> None:
        data = {"result": "failed", "reason": reason, "sip_status": code or None}
        data["number"] = self.outside_number
        self.w.fact(self.id, "voice.transfer_out", data)
        self.hang_up_caller()

    # ------------------------------------------------------------------ monitoring
    def _monitor(self, mode: str, supervisor: str) -> None:
        if mode == "stop":
            if self.monitor is not None:
                self.w.engine.hangup(self.monitor)
            return
        if self.monitor is not None and not self.monitor.gone:
            self.monitor_mode = mode
            self._monitor_fact("changed")
            self.reconnect()
            return
        uri = self.w.config.control.supervisors.get(supervisor)
        if uri is None or self.state not in ("bridged", "held"):
            reason = "no_phone" if uri is None else f"call_{self.state}"
            data = {"state": "failed", "mode": mode, "supervisor": supervisor, "reason": reason}
            self.w.fact(self.id, "voice.monitor", data, agent_id=self.agent_id)
            return
        self.monitor_mode, self.monitor_by, self.monitor_up = mode, supervisor, False
        leg = self._dial_leg(uri, "monitor")
        if leg is None:
            data = {"state": "failed", "mode": mode, "supervisor": supervisor, "reason": "no_slot"}
            self.w.fact(self.id, "voice.monitor", data, agent_id=self.agent_id)
            return
        self.monitor = leg

    def _monitor_fact(self, state: str) -> None:
        data = {"state": state, "mode": self.monitor_mode, "supervisor": self.monitor_by}
        self.w.fact(self.id, "voice.monitor", data, agent_id=self.agent_id)

    # ------------------------------------------------------------------ legs
    def _dial_leg(self, uri: str, role: str, caller_id: str | None = None) -> Leg | None:
        """Dial one more leg for this call, if the worker's leg budget allows it."""
        if self.w.legs_in_use() >= self.w.config.legs:
            return None
        leg = self.w.engine.dial(uri, role=role, caller_id=caller_id)
        if leg is not None:
            leg.owner = self
        return leg

    def on_control_state(self, leg: Leg, state: int, code: int) -> bool:
        """A control leg changed state; False when `leg` is none of them."""
        if leg is self.consult:
            if state == CONFIRMED and self.consult_state == "ringing":
                body = {"agent_id": self.consult_agent}
                self.w.core.post(self.id, f"/api/voice/{self.id}/consult/answered", body)
            elif state == DISCONNECTED:
                agent, self.consult = self.consult_agent, None
                if self.consult_state is not None:  # it ended by itself, not by the core
                    self.consult_state = self.consult_agent = None
                    body = {"agent_id": agent, "reason": f"sip_{code}"}
                    self.w.core.post(self.id, f"/api/voice/{self.id}/consult/left", body)
            return True
        if leg is self.outside:
            if state == CONFIRMED and not self.outside_up:
                self.outside_up = True
                self._stop_player()
                data = {"result": "bridged", "number": self.outside_number}
                self.w.fact(self.id, "voice.transfer_out", data)
                self.reconnect()
            elif state == DISCONNECTED:
                self.outside = None
                if self.outside_up:
                    self.hang_up_caller()  # the outside party hung up: the call is over
                else:
                    why = "no_answer" if code in (408, 480, 487) else "refused"
                    self._outside_failed(why, code)
            return True
        if leg is self.monitor:
            if state == CONFIRMED and not self.monitor_up:
                self.monitor_up = True
                self._monitor_fact("started")
                self.reconnect()
            elif state == DISCONNECTED:
                self.monitor = None
                if self.monitor_up:
                    self._monitor_fact("ended")
                self.monitor_up = False
            return True
        return leg is not self.caller and leg is not self.agent  # an old, swapped-out leg

    def holder_left(self) -> bool:
        """The agent's phone hung up while the specialist is on the line: as on a desk phone,
        that hands the caller over (the core decides; `contact.transferred` swaps the legs)."""
        if self.agent_dropped or self.consult_state not in ("talking", "conference"):
            return False
        body = {"agent_id": self.agent_id, "reason": "hangup"}
        self.w.core.post(self.id, f"/api/voice/{self.id}/consult/left", body)
        return True

    def drop_control(self) -> None:
        """The call is over: hang up every extra leg (the core frees the specialist)."""
        for leg in (self.consult, self.outside, self.monitor):
            if leg is not None and not leg.gone:
                self.w.engine.hangup(leg)

    # ------------------------------------------------------------------ who hears whom
    def wire_control(self) -> None:
        e = self.w.engine
        caller = self.caller.audio()
        agent = self.agent.audio() if self.agent is not None else None
        rec = self.recorders.get("caller")  # what the caller hears
        talking = self.consult_state in ("talking", "conference")
        cons = self.consult.audio() if self.consult is not None and talking else None
        if cons is not None:
            e.connect(agent, cons)
            e.connect(cons, agent)
            together = self.consult_state == "conference"
            for a, b in ((cons, caller), (caller, cons), (cons, rec)):
                (e.connect if together else e.disconnect)(a, b)
        out = self.outside.audio() if self.outside is not None and self.outside_up else None
        if out is not None:
            e.connect(out, caller)
            e.connect(caller, out)
            e.connect(out, rec)
        mon = self.monitor.audio() if self.monitor is not None and self.monitor_up else None
        if mon is not None:
            for src in (caller, agent, cons):
                e.connect(src, mon)
            to_agent = self.monitor_mode in ("whisper", "barge")
            to_all = self.monitor_mode == "barge"
            (e.connect if to_agent else e.disconnect)(mon, agent)
            for dst in (caller, cons, rec):
                (e.connect if to_all else e.disconnect)(mon, dst)
