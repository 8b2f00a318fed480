"""`CallbackCall`: a callback task dialled out - the agent's phone first, then the customer.

The core offers a callback task to an agent like any contact; the agent's desk shows its card
(customer, reason, the original call) while this rings the agent's phone: the preview. The
agent picking up is the accept (`/api/voice/{id}/dial`, which hands back the customer's full
number); then the customer is dialled through the trunk for that number, with the center's
caller id, and bridged when they answer. Each way the customer leg can end is one result
reported to the core (`/dialled`): reached, then ended; or no_answer (rang `no_answer_s`),
busy (486/600/603), short_answer (answered and gone within `short_answer_s`: a voicemail
greeting or a reflex hang-up), failed. Whether and when to try again is the core's decision
(its retry policy); this only dials and says what happened.

Life: ringing_agent -> accepting -> dialling -> bridged -> ended (any step may end it).
"""

from __future__ import annotations

import logging
import time
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.channels.sip.media import CONFIRMED, DISCONNECTED, Leg

if TYPE_CHECKING:
    from hotline.channels.sip.worker import Worker

log = logging.getLogger(__name__)
BUSY = frozenset({486, 600, 603})


def result_of(code: int, answered_for: float | None, short_s: float, timed_out: bool) -> str:
    """The customer leg's result from how it ended (`answered_for`: seconds bridged, or None)."""
    if answered_for is not None:
        return "short_answer" if answered_for < short_s else "ended"
    if timed_out or code in (408, 480, 487):
        return "no_answer"
    return "busy" if code in BUSY else "failed"


class CallbackCall:
    """One dial-out attempt; the worker feeds it media events and core facts like a call."""

    def __init__(self, w: Worker, task_id: str, agent_id: str, uri: str, expires: float | None):
        self.w, self.id = w, task_id
        self.agent_id, self.agent_uri = agent_id, uri
        self.state = "ringing_agent"
        self.agent: Leg | None = None
        self.customer: Leg | None = None
        self.customer_uri: str | None = None
        self.agent_up = False
        self.reported = False  # the attempt's result went to the core
        self.timed_out = False
        self.bridged_at: float | None = None
        day = time.strftime("%Y-%m-%d", time.localtime(w.clock()))
        base = Path(w.config.recordings_dir).resolve() / day
        # same convention as a call: "<id>-caller" is what the customer heard (the agent),
        # "<id>-agent" what the agent heard (the customer)
        self.rec_paths = {"customer": base / f"{task_id}-caller.wav"}
        self.rec_paths["agent"] = base / f"{task_id}-agent.wav"
        self.recorders: dict[str, Any] = {}
        self.expires = expires

    def start(self) -> None:
        """Ring the agent's phone (once the worker holds this call: it may end at once)."""
        w = self.w
        self._ring(deadline=w.clock() + 3.0)
        if self.expires:
            grace = max(0.0, self.expires - w.clock()) + w.config.ring_grace_s
            w.schedule(grace, self._ring_guard)

    # ------------------------------------------------------------------ the agent's phone
    def _ring(self, deadline: float) -> None:
        if self.state != "ringing_agent" or self.agent is not None:
            return
        leg = self.w.engine.dial(self.agent_uri, role="agent")
        if leg is None:  # pjsua frees slots lazily: retry for a while
            if self.w.clock() < deadline:
                self.w.schedule(0.2, lambda: self._ring(deadline))
            else:
                self._decline("no_slot")
            return
        leg.owner = self
        self.agent = leg
        self.w.legs.add(leg)

    def _ring_guard(self) -> None:
        if self.state == "ringing_agent" and not self.agent_up:
            self.drop_agent()
            self._end()

    def _decline(self, reason: str) -> None:
        body = {"agent_id": self.agent_id, "uri": self.agent_uri, "reason": reason}
        self.w.core.post(self.id, f"/api/voice/{self.id}/declined", body)
        self._end()

    # ------------------------------------------------------------------ events
    def on_state(self, leg: Leg, state: int, code: int) -> None:
        if leg is self.agent:
            self._agent_state(state, code)
        elif leg is self.customer:
            self._customer_state(state, code)

    def _agent_state(self, state: int, code: int) -> None:
        if state == CONFIRMED and self.state == "ringing_agent":
            self.agent_up = True
            self.state = "accepting"
            body = {"agent_id": self.agent_id, "uri": self.agent_uri}
            self.w.core.post(self.id, f"/api/voice/{self.id}/dial", body, tag="number")
        elif state == DISCONNECTED:
            self.agent = None
            self._finish_recording("agent")
            if not self.agent_up:
                if self.state == "ringing_agent":
                    self._decline(f"sip_{code}")  # busy, rejected, unreachable: re-routed
                else:
                    self._end()  # we hung it up (offer revoked or expired)
                return
            if self.state == "bridged":
                self._report("ended", by="agent")
            elif self.state in ("accepting", "dialling"):
                self._report("failed", code=code)  # the agent gave up before the customer
            self.w.engine.hangup(self.customer)
            self._end()

    def _customer_state(self, state: int, code: int) -> None:
        if state == CONFIRMED and self.state == "dialling":
            self.state = "bridged"
            self.bridged_at = self.w.clock()
            self._report("reached")
            self.reconnect()
        elif state == DISCONNECTED:
            self.customer = None
            talk = None if self.bridged_at is None else self.w.clock() - self.bridged_at
            short_s = self.w.config.dial.short_answer_s if self.w.config.dial else 0.0
            result = result_of(code, talk, short_s, self.timed_out)
            self._report(result, by="customer", code=code)
            self._finish_recording("customer")
            self.drop_agent()
            self._end()

    def on_reply(self, tag: str, status: int, body: Any) -> None:
        if tag != "number" or self.state != "accepting":
            return
        dial = self.w.config.dial
        number = body.get("number") if status == 200 and isinstance(body, dict) else None
        uri = dial.uri(number) if dial is not None and number else None
        if uri is None:
            log.warning("callback %s: nothing to dial (%s %s)", self.id, status, body)
            if status == 200:
                self._report("failed")
            self.drop_agent()
            self._end()
            return
        assert dial is not None
        leg = self.w.engine.dial(uri, role="customer", caller_id=dial.caller_id)
        if leg is None:
            self._report("failed")
            self.drop_agent()
            self._end()
            return
        leg.owner, self.customer, self.customer_uri = self, leg, uri
        self.w.legs.add(leg)
        self.state = "dialling"
        self.w.schedule(dial.no_answer_s, self._no_answer)

    def _no_answer(self) -> None:
        if self.state == "dialling" and self.customer is not None:
            self.timed_out = True
            self.w.engine.hangup(self.customer)  # CANCEL: DISCONNECTED follows, no_answer

    def on_fact(self, kind: str, agent_id: str | None, data: dict[str, Any]) -> None:
        revoked = kind == "contact.offer_revoked" and self.state == "ringing_agent"
        if revoked and not self.agent_up:
            self.drop_agent()
            self._end()

    def on_media(self, leg: Leg) -> None:
        self.reconnect()

    def on_digit(self, leg: Leg, digit: str) -> None:
        """No menu on a callback."""

    def on_dead_leg(self, leg: Leg) -> None:
        self.w.engine.hangup(leg)

    # ------------------------------------------------------------------ media and records
    def reconnect(self) -> None:
        if self.state != "bridged":
            return
        e = self.w.engine
        agent = self.agent.audio() if self.agent else None
        customer = self.customer.audio() if self.customer else None
        for leg, heard in (("customer", agent), ("agent", customer)):
            if heard is not None and leg not in self.recorders:
                self.recorders[leg] = e.recorder(self.rec_paths[leg])
        e.connect(agent, customer)
        e.connect(customer, agent)
        e.connect(agent, self.recorders.get("customer"))
        e.connect(customer, self.recorders.get("agent"))

    def _finish_recording(self, leg: str) -> None:
        if self.recorders.pop(leg, None) is None:
            return
        path = self.rec_paths[leg]
        self.w.schedule(0.3, lambda: self._report_recording(leg, path))

    def _report_recording(self, leg: str, path: Path) -> None:
        try:
            with wave.open(str(path), "rb") as f:
                duration = round(f.getnframes() / float(f.getframerate()), 3)
        except (OSError, wave.Error, EOFError):
            duration = None
        name = "caller" if leg == "customer" else "agent"
        files = [{"leg": name, "path": str(path), "duration_s": duration}]
        self.w.fact(self.id, "voice.recording", {"files": files}, agent_id=self.agent_id)

    # ------------------------------------------------------------------ into the core
    def _report(self, result: str, by: str | None = None, code: int | None = None) -> None:
        if result != "reached":
            if self.reported:
                return
            self.reported = True
        body: dict[str, Any] = {"agent_id": self.agent_id, "result": result}
        body["uri"] = self.customer_uri
        if by and result == "ended":
            body["by"] = by
        if code and result not in ("reached", "ended"):
            body["sip_status"] = code
        self.w.core.post(self.id, f"/api/voice/{self.id}/dialled", body)

    def drop_agent(self) -> None:
        if self.agent is not None and not self.agent.gone:
            self.w.engine.hangup(self.agent)

    def hang_up_caller(self) -> None:
        """Shutdown: end the customer leg too."""
        self.w.engine.hangup(self.customer)

    def _end(self) -> None:
        if self.state == "ended":
            return
        if (self.agent is not None and not self.agent.gone) or (
            self.customer is not None and not self.customer.gone
        ):
            self.state = "ending"  # the last leg's DISCONNECTED comes back here
            return
        self.state = "ended"
        for leg in list(self.recorders):
            self._finish_recording(leg)
        self.w.forget(self)
