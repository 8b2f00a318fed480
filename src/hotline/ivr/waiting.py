"""`WaitingSession`: the queue experience of one caller - events in, commands out, no I/O.

While the core looks for an agent the caller hears the intro (e.g. "connecting you"), the
estimated wait, then music; every `announce_every_s` a comfort prompt and the updated estimate;
after `callback_after_s` the offer of a callback, taken with one key. The core, not this
session, decides who answers: the gateway simply drops the session when an agent picks up.
"""

from __future__ import annotations

import math

from hotline.ivr.commands import (
    Digit,
    Hangup,
    IvrCommand,
    IvrEvent,
    Play,
    PlayDone,
    RequestCallback,
    StartTimer,
    StopPlay,
    Timeout,
)
from hotline.ivr.flow import WaitingPlan


def ewt_prompts(plan: WaitingPlan, ewt_s: float | None) -> tuple[str, ...]:
    """Prompt ids announcing an estimated wait, rounded up to whole minutes (none if unknown)."""
    if not plan.announce_ewt or ewt_s is None:
        return ()
    minutes = max(1, math.ceil(ewt_s / 60.0))
    return (f"ewt_{minutes}",) if minutes <= plan.ewt_max_min else ("ewt_long",)


def position_prompts(plan: WaitingPlan, position: int | None) -> tuple[str, ...]:
    """Prompt ids announcing the callers ahead ("您前面还有 3 位"; none if unknown)."""
    if not plan.announce_position or position is None or position < 0:
        return ()
    return (f"pos_{position}",) if position <= plan.position_max else ("pos_many",)


class WaitingSession:
    """One queued caller's announcements, music and callback offer."""

    def __init__(self, plan: WaitingPlan, intro: tuple[str, ...] = ()) -> None:
        self.plan = plan
        self.intro = intro
        self.callback_requested = False
        self.callback_offered = False
        self.finished: str | None = None
        self._since = 0.0
        self._ewt: float | None = None
        self._ewt_at = 0.0
        self._position: int | None = None
        self._token = 0
        self._playing_once = False
        self._after_once = "music"  # what follows the one-off prompt: music, or hang up

    def start(
        self, now: float, ewt_s: float | None, position: int | None = None
    ) -> list[IvrCommand]:
        self._since = now
        self.update_ewt(ewt_s, now)
        if position is not None:
            self._position = position
        return self._announce((*self.intro, *self._where(ewt_s)))

    def update_position(self, position: int | None) -> None:
        """The core's latest count of callers ahead (None: unknown, e.g. being offered)."""
        self._position = position

    def _where(self, ewt_s: float | None) -> tuple[str, ...]:
        """Place in line, then the estimated wait: "您前面还有 3 位，预计等待时间约两分钟"."""
        return (*position_prompts(self.plan, self._position), *ewt_prompts(self.plan, ewt_s))

    def update_ewt(self, ewt_s: float | None, now: float) -> None:
        """A fresh estimate from the core (`contact.queued` after an overflow or a move)."""
        self._ewt, self._ewt_at = ewt_s, now

    def remaining_ewt(self, now: float) -> float | None:
        if self._ewt is None:
            return None
        return max(0.0, self._ewt - (now - self._ewt_at))

    def handle(self, event: IvrEvent, now: float) -> list[IvrCommand]:
        if self.finished:
            return []
        if isinstance(event, PlayDone) and self._playing_once:
            self._playing_once = False
            if self._after_once != "music":
                return self._finish(self._after_once)
            return self._music()
        if isinstance(event, Timeout) and event.token == self._token:
            return self._periodic(now)
        if (
            isinstance(event, Digit)
            and self.plan.callback_after_s is not None
            and not self.callback_requested
            and event.digit == self.plan.callback_digit
        ):
            self.callback_requested = True
            self._token += 1  # no more announcements
            return [StopPlay(), RequestCallback(), *self._once(self.plan.callback_ok, "callback")]
        return []

    def ended_by_core(self) -> list[IvrCommand]:
        """The core ended the wait (overflow to a callback, queue closed): say so, hang up."""
        if self.finished or self.callback_requested:
            return []
        self._token += 1
        return [StopPlay(), *self._once(self.plan.ended, "ended_by_core")]

    # ------------------------------------------------------------------------ internals
    def _periodic(self, now: float) -> list[IvrCommand]:
        prompts = [*self.plan.comfort, *self._where(self.remaining_ewt(now))]
        after = self.plan.callback_after_s
        if after is not None and now - self._since >= after:
            prompts += self.plan.callback_offer
            self.callback_offered = True
        return self._announce(tuple(prompts))

    def _announce(self, prompts: tuple[str, ...]) -> list[IvrCommand]:
        self._token += 1
        timer: list[IvrCommand] = [StartTimer(self.plan.announce_every_s, self._token)]
        return [*(self._once(prompts, "music") if prompts else self._music()), *timer]

    def _once(self, prompts: tuple[str, ...], after: str) -> list[IvrCommand]:
        if not prompts:
            return self._music() if after == "music" else self._finish(after)
        self._playing_once, self._after_once = True, after
        return [Play(prompts, barge_in=False)]

    def _music(self) -> list[IvrCommand]:
        return [Play((self.plan.music,), barge_in=False, loop=True)] if self.plan.music else []

    def _finish(self, outcome: str) -> list[IvrCommand]:
        self.finished = outcome
        self._token += 1
        return [Hangup(outcome)]
