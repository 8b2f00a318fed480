"""`PhoneCall`: one caller from answer to hang-up - IVR, wait, agent's phone, bridge, survey.

The call owns its caller leg and, when the core offers it to an agent, that agent's leg, in the
same worker (the bridge is a pjsua conference connection, so both legs must live in one
process). It makes no routing decision: the IVR flow says where the caller goes, the core says
which agent rings, and the call just executes - play, collect, enqueue, ring, bridge, record.

Life: ivr -> (waiting -> ringing -> bridged [<-> held] -> survey) -> ending -> ended.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.channels.sip.agent_phone import AgentPhone
from hotline.channels.sip.call_records import CallRecords
from hotline.channels.sip.control import CallControl
from hotline.channels.sip.ewt import announced_ewt
from hotline.channels.sip.media import CONFIRMED, DISCONNECTED, Leg
from hotline.ivr import (
    CallerHangup,
    Digit,
    Hangup,
    IvrCommand,
    IvrSession,
    Play,
    PlayDone,
    RequestCallback,
    Score,
    StartTimer,
    StopPlay,
    Timeout,
    Transfer,
    WaitingSession,
)

if TYPE_CHECKING:
    from hotline.channels.sip.worker import Worker

log = logging.getLogger(__name__)
Session = IvrSession | WaitingSession


class PhoneCall(CallRecords, CallControl, AgentPhone):
    """State and media wiring of one call; the worker feeds it events from pjsua and the core."""

    def __init__(self, w: Worker, call_id: str, caller: Leg, remote_uri: str) -> None:
        self.w, self.id, self.caller = w, call_id, caller
        caller.owner = self
        self.customer = _user_part(remote_uri)
        self.state = "ivr"
        self.started = False
        self.answered_at = w.clock()
        self.ivr = IvrSession(w.flow)
        self.waiting: WaitingSession | None = None
        self.survey: IvrSession | None = None
        self.ending: Session | None = None  # the session saying goodbye (state "ending")
        self.contact = False  # a contact exists (or is being created) in the core
        self.ewt: float | None = None
        self.ewt_at: float | None = None  # when the core gave that estimate
        self.position: int | None = None  # callers ahead, as the core last said
        self.contact_body: dict[str, Any] | None = None  # re-posted to refresh EWT and place
        self.agent: Leg | None = None
        self.agent_id: str | None = None
        self.agent_uri: str | None = None
        self.agent_up = False  # the agent's phone answered
        self.agent_dropped = False  # we hung the agent leg up ourselves
        self.offer_expires: float | None = None
        self.bridged_at: float | None = None
        self.agent_end: float | None = None
        self.player: Any = None
        self.play_gen = 0
        self.after_play: str | None = None  # "hangup" or "wait": what follows the current play
        self.outcome: str | None = None
        self.ended_by: str | None = None  # "rtp_timeout" when a leg went silent for good
        self.ivr_reported = False
        self.score: int | None = None
        day = time.strftime("%Y-%m-%d", time.localtime(self.answered_at))
        base = Path(w.config.recordings_dir).resolve() / day
        self.rec_paths = {
            "caller": base / f"{call_id}-caller.wav",
            "agent": base / f"{call_id}-agent.wav",
        }
        self.recorders: dict[str, Any] = {}
        self.recorded: dict[str, bool] = {}
        self.rec_at: dict[str, float] = {}  # when each recorder started (stereo alignment)
        self.rec_done: dict[str, Path] = {}  # closed mono files awaiting the stereo merge
        # hold / consult / conference / outside stretches, [kind, start, end] on the clock
        self.segments: list[list[Any]] = []
        self.init_control()  # consult, transfer out, monitoring legs (control.py)
        self.notice: str | None = None  # the flow's recording notice: playing, then heard
        # `answered_at`: the gateway's own clock (the fact's `at` is when the core stored it).
        data = {"from": remote_uri, "worker": w.name, "answered_at": round(self.answered_at, 3)}
        w.fact(self.id, "voice.answered", data)

    # ------------------------------------------------------------------ media wiring
    def reconnect(self) -> None:
        """(Re)apply every audio connection; called on each media event (ports may move)."""
        e, caller = self.w.engine, self.caller.audio()
        if caller is not None and "caller" not in self.recorders and self.state != "ended":
            self.recorders["caller"] = e.recorder(self.rec_paths["caller"])
            self.recorded["caller"] = True
            self.rec_at["caller"] = self.w.clock()
        rec_caller = self.recorders.get("caller")
        if self.player is not None:
            e.connect(self.player, caller)
            e.connect(self.player, rec_caller)
        if self.state == "bridged":
            agent = self.agent.audio() if self.agent else None
            if agent is not None and "agent" not in self.recorders:
                self.recorders["agent"] = e.recorder(self.rec_paths["agent"])
                self.recorded["agent"] = True
                self.rec_at["agent"] = self.w.clock()
            e.connect(agent, caller)
            e.connect(caller, agent)
            e.connect(agent, rec_caller)
            e.connect(caller, self.recorders.get("agent"))
        self.wire_control()

    def on_media(self, leg: Leg) -> None:
        self.reconnect()
        if leg is self.caller and not self.started and self.caller.audio() is not None:
            self.started = True
            notice = self.w.flow.notice
            if notice:  # PIPL: the recording notice first, whole (keys do not cut it short)
                self.notice = "playing"
                self.play((notice,), after="notice")
            else:
                self.run(self.ivr, self.ivr.start(self.w.clock()))

    def _notice_heard(self) -> None:
        """Counted as heard only when played to its end: a compliance fact, then the IVR."""
        self.notice = "heard"
        notice = self.w.flow.notice or ""
        spec = self.w.flow.prompts.get(notice)
        body = {"channel": "voice", "notice": "recording", "text": getattr(spec, "text", None)}
        self.w.core.post(self.id, f"/api/compliance/notice/{self.id}", body)
        self.run(self.ivr, self.ivr.start(self.w.clock()))

    # ------------------------------------------------------------------ sessions
    def active(self) -> Session | None:
        if self.state == "ivr":
            return self.ivr
        if self.state in ("waiting", "ringing"):
            return self.waiting
        if self.state == "survey":
            return self.survey
        if self.state == "ending":  # its goodbye prompt's end must still hang up
            return self.ending
        return None

    def feed(self, session: Session | None, event: Any) -> None:
        if session is not None and session is self.active():
            self.run(session, session.handle(event, self.w.clock()))

    def on_digit(self, leg: Leg, digit: str) -> None:
        if leg is self.caller and self.notice != "playing":
            self.feed(self.active(), Digit(digit))
        elif leg is self.agent and self.state == "bridged":  # the desk's keypad: pass it on
            log.info("call %s: agent keyed %s, sent to the caller", self.id, digit)
            self.w.engine.send_dtmf(self.caller, digit)

    def on_play_done(self, gen: int) -> None:
        if gen != self.play_gen:
            return
        self._stop_player()
        after, self.after_play = self.after_play, None
        if after == "hangup":
            self.hang_up_caller()
        elif after == "notice":
            self._notice_heard()
        elif after == "wait":
            self._start_waiting()
        else:
            self.feed(self.active(), PlayDone())
        if self.state == "ending" and not self.caller.gone:
            # Only goodbyes play while ending: whatever said it, its end ends the call.
            self.hang_up_caller()

    def run(self, session: Session, commands: list[IvrCommand]) -> None:
        """Execute what a session asked for."""
        for cmd in commands:
            if isinstance(cmd, Play):
                self.play(cmd.prompts, loop=cmd.loop)
            elif isinstance(cmd, StopPlay):
                self._stop_player()
            elif isinstance(cmd, StartTimer):
                token = cmd.token
                self.w.schedule(cmd.seconds, lambda s=session, t=token: self.feed(s, Timeout(t)))
                if session is self.waiting and cmd.seconds > 2.5:
                    # ask the core again just before the next announcement: the place in line
                    # moves as callers ahead are served, and the core alone knows it
                    self.w.schedule(cmd.seconds - 2.0, self._refresh_place)
            elif isinstance(cmd, Transfer):
                self._transfer(cmd)
            elif isinstance(cmd, RequestCallback):
                self.outcome = "callback"
                self._leave_queue("voice.callback_requested", callback=True)
            elif isinstance(cmd, Score):
                self.score = cmd.value
                data = {"question": cmd.question, "score": cmd.value}
                self.w.fact(self.id, "voice.survey", data, agent_id=self.agent_id)
                if self.contact:  # the surveys store: satisfaction per agent and queue
                    answer = {"contact_id": self.id, "dtmf": str(cmd.value)}
                    answer["dtmf_scale"] = self._survey_scale()
                    self.w.core.post(self.id, "/api/surveys", answer)
            elif isinstance(cmd, Hangup):
                self.outcome = self.outcome or cmd.outcome
                self.hang_up_caller()

    def play(self, prompts: tuple[str, ...], loop: bool = False, after: str | None = None) -> None:
        self._stop_player()
        files = [self.w.prompts[p].path for p in prompts]
        self.player = self.w.engine.player(files, loop)
        self.after_play = after
        self.reconnect()
        if not loop:
            gen = self.play_gen
            seconds = sum(self.w.prompts[p].duration_s for p in prompts)
            self.w.schedule(seconds + 0.1, lambda: self.on_play_done(gen))

    def _stop_player(self) -> None:
        self.play_gen += 1
        self.player = None  # dropping the last reference destroys the port (disconnects it)

    # ------------------------------------------------------------------ into the core
    def _transfer(self, t: Transfer) -> None:
        self._ivr_fact()
        body: dict[str, Any] = {
            "id": self.id,
            "queue": t.queue,
            "channel": "voice",
            "customer": self.customer,
            "priority": t.priority,
            "language": t.language,
            "intent": t.intent,
            "skills": dict(t.skills),
        }
        self.contact, self.contact_body = True, body
        self.w.core.post(self.id, "/api/contacts", body, tag="created")
        if t.callback:
            self.state = "ending"
            self.outcome = "callback"
            self._leave_queue("voice.callback_requested", callback=True)
            if t.prompts:
                self.play(t.prompts, after="hangup")
            else:
                self.hang_up_caller()
            return
        self.state = "waiting"
        self.waiting = WaitingSession(self.w.flow.waiting)
        if t.prompts:
            self.play(t.prompts, after="wait")
        else:
            self._start_waiting()

    def _start_waiting(self) -> None:
        if self.waiting is not None and self.state in ("waiting", "ringing"):
            now = self.w.clock()
            age = now - (self.ewt_at or now)
            offered = self.state == "ringing"
            ewt = announced_ewt(self.ewt, age, offered=offered)
            position = None if offered else self.position
            self.run(self.waiting, self.waiting.start(now, ewt, position))

    def _refresh_place(self) -> None:
        """Re-post the contact (idempotent by id): the answer carries the current estimate
        and place in line for the next announcement."""
        if self.state == "waiting" and self.contact_body is not None:
            self.w.core.post(self.id, "/api/contacts", self.contact_body, tag="refresh")

    def _leave_queue(self, kind: str, callback: bool = False, **data: Any) -> None:
        """Out of the queue: a hang-up (an abandon while waiting) or, with `callback`, the
        caller's request to be called back (`callback_requested`, never an abandon)."""
        body = {"callback": True} if callback else {}
        self.w.core.post(self.id, f"/api/contacts/{self.id}/leave", body)
        self.w.fact(self.id, kind, data)

    def _ivr_fact(self) -> None:
        r = self.ivr.result
        if r is None or self.ivr_reported:
            return
        self.ivr_reported = True
        data = {
            "outcome": r.outcome,
            "path": list(r.path),
            "digits": r.digits,
            "contained": r.contained,
            "variables": r.variables,
            "ivr_s": round(self.w.clock() - self.answered_at, 3),
            "notice": self.notice,  # "heard": the flow's own notice played whole first
        }
        self.w.fact(self.id, "voice.ivr", data)

    def on_reply(self, tag: str, status: int, body: Any) -> None:
        if tag == "refresh":
            fresh = status == 201 and isinstance(body, dict) and body.get("status") == "queued"
            if fresh and self.waiting is not None and self.state == "waiting":
                self.ewt, self.ewt_at = body.get("estimated_wait_s"), self.w.clock()
                self.waiting.update_ewt(self.ewt, self.w.clock())
                self.waiting.update_position(body.get("position"))
        elif tag == "created":
            if status == 201 and isinstance(body, dict):
                self.ewt, self.ewt_at = body.get("estimated_wait_s"), self.w.clock()
                self.position = body.get("position")
                if self.waiting is not None:
                    self.waiting.update_ewt(self.ewt, self.w.clock())
                    self.waiting.update_position(self.position)
            else:
                log.warning("call %s: core refused the contact (%s %s)", self.id, status, body)
                self.outcome = "refused"
                self.hang_up_caller()
        elif tag == "answered":
            if status == 200 and self.state == "ringing" and self.agent_up:
                self.state = "bridged"
                self.bridged_at = self.w.clock()
                self._stop_player()
                self.reconnect()
            else:
                self.drop_agent()
                self._back_to_waiting()

    # ------------------------------------------------------------------ from the core
    def on_fact(self, kind: str, agent_id: str | None, data: dict[str, Any]) -> None:
        if self.on_control_fact(kind, agent_id, data):
            return
        if kind == "contact.offered" and self.state == "waiting" and agent_id:
            if self.waiting is not None:
                self.waiting.update_position(None)  # next in line: nobody is ahead any more
            self._ring(agent_id, data.get("expires_at"))
        elif kind == "contact.offered":
            log.info("call %s: offer to %s ignored in state %s", self.id, agent_id, self.state)
        elif (
            kind == "contact.offer_revoked"
            and self.state == "ringing"
            and agent_id == self.agent_id
        ):
            if not self.agent_up:
                self.drop_agent()
                self._back_to_waiting()
        elif kind == "contact.queued" and self.waiting is not None:
            self.waiting.update_ewt(data.get("ewt_s"), self.w.clock())
            self.waiting.update_position(data.get("position"))
        elif kind == "contact.held" and self.state == "bridged":
            self._hold()
            self.segment("hold")
        elif kind == "contact.resumed" and self.state == "held":
            self.segment(None)
            self._stop_player()
            self.state = "bridged"
            self.reconnect()
        elif kind == "contact.transferred" and self.state in ("bridged", "held"):
            self.drop_agent()
            self.state = "waiting"
            self._start_waiting()
        elif kind == "contact.ended":
            if self.state in ("waiting", "ringing") and self.waiting is not None:
                self.drop_agent()
                self.state, self.ending = "ending", self.waiting
                self.outcome = self.outcome or data.get("outcome")
                self.run(self.waiting, self.waiting.ended_by_core())
            elif self.state in ("bridged", "held"):  # completed on the agent's desktop
                self.drop_agent()
                self._agent_gone(report=False)

    # ------------------------------------------------------------------ leg states
    def on_state(self, leg: Leg, state: int, code: int) -> None:
        if self.on_control_state(leg, state, code):
            return
        if leg is self.caller:
            if state == DISCONNECTED:
                self.on_caller_gone()
            return
        if leg is not self.agent:
            return
        if state == CONFIRMED and self.state == "ringing" and not self.agent_up:
            self.agent_up = True
            body = {"agent_id": self.agent_id, "uri": self.agent_uri}
            self.w.core.post(self.id, f"/api/voice/{self.id}/answered", body, tag="answered")
        elif state == DISCONNECTED:
            self.agent = None
            if self.holder_left():
                return  # the specialist takes the caller over: the recording goes on
            if not self.agent_up:
                if not self.agent_dropped and self.state == "ringing":
                    self._declined(f"sip_{code}")
            elif not self.agent_dropped and self.state in ("bridged", "held", "ringing"):
                self._agent_gone(report=True)
            self._finish_recording("agent")

    def _agent_gone(self, report: bool) -> None:
        """The agent hung up (or completed on the desktop): survey the caller, if still there."""
        self.agent_end = self.w.clock()
        self.outcome = "completed"
        if report:
            body = {"agent_id": self.agent_id, "uri": self.agent_uri}
            self.w.core.post(self.id, f"/api/voice/{self.id}/hangup", body)
        self._finish_recording("agent")
        flow = self.w.flow
        if flow.survey and not self.caller.gone:
            self.state = "survey"
            self.survey = IvrSession(flow, entry=flow.survey)
            # Counted as offered (the response rate) whether or not the caller answers.
            self.w.core.post(self.id, "/api/surveys/offers", {"contact_id": self.id})
            self.run(self.survey, self.survey.start(self.w.clock()))
        else:
            self.hang_up_caller()

    def _survey_scale(self) -> str:
        """The surveys API's keypad scale of the flow's survey node ("12345" -> "5")."""
        node = self.w.flow.nodes.get(self.w.flow.survey or "")
        valid = "".join(sorted(getattr(node, "valid", "") or ""))
        return {"123": "3", "12345": "5"}.get(valid, "10")

    def on_dead_leg(self, leg: Leg) -> None:
        """No RTP for the configured time: that phone is gone, end its leg as if it hung up."""
        self.ended_by = "rtp_timeout"
        if leg is self.caller:
            # Keep the state: DISCONNECTED -> on_caller_gone leaves the queue, frees the agent.
            self._stop_player()
            self.w.engine.hangup(leg)
        elif leg is self.agent:
            # Not `drop_agent`: the agent leaving must be reported (contact completed, survey).
            self.w.engine.hangup(leg)
        else:  # a consult, outside or supervisor leg: its end is reported by on_state
            self.w.engine.hangup(leg)

    def hang_up_caller(self) -> None:
        self._stop_player()
        if self.state != "ended":
            self.state = "ending"
        self.w.engine.hangup(self.caller)

    def on_caller_gone(self) -> None:
        if self.state == "ended":
            return
        state, self.state = self.state, "ended"
        self._stop_player()
        self.drop_control()
        if state == "ivr" and self.notice == "playing":
            self.outcome = "hangup"  # gone during the notice: the IVR never started
        elif state == "ivr":
            self.ivr.handle(CallerHangup(), self.w.clock())
        if self.ivr.result is not None and not self.ivr_reported:
            self._ivr_fact()
            self.outcome = self.outcome or self.ivr.result.outcome
        if state in ("waiting", "ringing", "bridged", "held"):
            self.drop_agent()
            by = "timeout" if self.ended_by else "caller"
            self._leave_queue("voice.hangup", by=by, leg="caller", reason=self.ended_by)
            self.outcome = "completed" if state in ("bridged", "held") else "abandoned"
        self._finish_recording("caller")
        if self.agent is None:
            self._finish_recording("agent")
        self._summary()
        self.w.forget(self)

    # ------------------------------------------------------------------ records
    def _summary(self) -> None:
        now = self.w.clock()
        data = {
            "outcome": self.outcome,
            "contained": bool(self.ivr.result and self.ivr.result.contained),
            "duration_s": round(now - self.answered_at, 3),
            "answer_to_agent_s": _rounded(self.bridged_at, self.answered_at),
            "talk_s": _rounded(self.agent_end or now, self.bridged_at),
            "survey_score": self.score,
            "ended_by": self.ended_by,
            "queued": self.contact,  # the IVR handed the caller to a person (a contact exists)
            "survey_offered": self.survey is not None,
            "notice": self.notice,  # the flow's recording notice: heard, playing (hung up), None
            "segments": self.segments_from(self.answered_at),  # from answer: hold, consult…
        }
        self.w.fact(self.id, "voice.call", data, agent_id=self.agent_id)


def _rounded(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else round(end - start, 3)


def _user_part(uri: str) -> str | None:
    """`"Bob" <sip:13800000000@host>` -> 13800000000 (the caller's number, if any)."""
    inner = uri.split("<", 1)[-1].split(">", 1)[0]
    user = inner.split(":", 1)[-1].split("@", 1)[0] if "@" in inner else ""
    return user[:64] or None
