"""The agent's phone side of a call: ring it when the core offers, give up when it must.

Mixed into `PhoneCall`: ringing, the retry when pjsua has no free slot yet, the guard against a
lost revocation, "ring no answer"/"busy" reported to the core, hold with music.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.channels.sip.media import Leg
    from hotline.channels.sip.worker import Worker

log = logging.getLogger(__name__)


class AgentPhone:
    """State lives on the call (`PhoneCall.__init__`); this class only groups the behaviour."""

    w: Worker
    id: str
    state: str
    caller: Leg
    agent: Leg | None
    agent_id: str | None
    agent_uri: str | None
    agent_up: bool
    agent_dropped: bool
    offer_expires: float | None
    recorders: dict

    play: Callable[..., None]  # PhoneCall.play(prompts, loop=False, after=None)

    def _hold(self) -> None:
        """The agent put the caller on hold (desktop): cut the bridge, play the hold music."""
        e, caller = self.w.engine, self.caller.audio()
        agent = self.agent.audio() if self.agent else None
        e.disconnect(agent, caller)
        e.disconnect(caller, agent)
        # the recordings are what each side heard: on hold, not each other (music only)
        e.disconnect(agent, self.recorders.get("caller"))
        e.disconnect(caller, self.recorders.get("agent"))
        self.state = "held"
        music = self.w.flow.waiting.music
        if music:
            self.play((music,), loop=True)

    def _ring(self, agent_id: str, expires_at: float | None) -> None:
        uri = self.w.config.phone_uri(agent_id)
        if uri is None:
            log.info("call %s offered to %s, who has no phone configured", self.id, agent_id)
            return
        self.agent_id, self.agent_uri, self.offer_expires = agent_id, uri, expires_at
        self.agent_up = self.agent_dropped = False
        self.state = "ringing"
        self._dial(deadline=self.w.clock() + 3.0)

    def _dial(self, deadline: float) -> None:
        if self.state != "ringing" or self.agent is not None or self.agent_uri is None:
            return
        leg = self.w.engine.dial(self.agent_uri)
        if leg is None:  # no free slot yet (pjsua frees slots lazily): retry for a while
            if self.w.clock() < deadline:
                self.w.schedule(0.2, lambda: self._dial(deadline))
            else:
                self._declined("no_slot")
            return
        leg.owner = self
        self.agent = leg
        if self.offer_expires:
            wait = max(0.0, self.offer_expires - self.w.clock()) + self.w.config.ring_grace_s
            self.w.schedule(wait, self._ring_guard)

    def _ring_guard(self) -> None:
        """Safety net: the revocation fact never came but the offer is long expired."""
        if self.state == "ringing" and not self.agent_up and self.agent is not None:
            self.drop_agent()
            self._back_to_waiting()

    def _declined(self, reason: str) -> None:
        body = {"agent_id": self.agent_id, "uri": self.agent_uri, "reason": reason}
        self.w.core.post(self.id, f"/api/voice/{self.id}/declined", body)
        self._back_to_waiting()

    def _back_to_waiting(self) -> None:
        if self.state == "ringing":
            self.state = "waiting"
            self.agent = None

    def drop_agent(self) -> None:
        if self.agent is not None and not self.agent.gone:
            self.agent_dropped = True
            self.w.engine.hangup(self.agent)
