"""`IvrSession`: walk one caller through a `Flow` - events in, commands out, no I/O.

The gateway creates one session per call (and another at the `survey` entry after the agent
hangs up), feeds it `Digit`, `PlayDone`, `Timeout` and `CallerHangup` with the current time, and
executes the `Play` / `StopPlay` / `StartTimer` / `Transfer` / `Score` / `Hangup` commands it
returns. `now` is only read by business-hours nodes, so a session replays exactly.
"""

from __future__ import annotations

from hotline.ivr.commands import (
    CallerHangup,
    Digit,
    Hangup,
    IvrCommand,
    IvrEvent,
    IvrResult,
    Play,
    PlayDone,
    Score,
    StartTimer,
    StopPlay,
    Timeout,
    Transfer,
)
from hotline.ivr.flow import Flow, Node

MAX_INSTANT_STEPS = 64  # validation forbids hours-only loops; this guards a hand-built Flow


class IvrSession:
    """One caller's position in a flow, the digits pressed, and how it ended."""

    def __init__(self, flow: Flow, entry: str | None = None) -> None:
        self.flow = flow
        self.entry = entry or flow.start
        self.node: Node | None = None
        self.path: list[str] = []
        self.digits = ""
        self.variables: dict[str, str] = {}
        self.contained = False
        self.result: IvrResult | None = None
        self._playing = False
        self._attempts = 0
        self._buffer = ""
        self._token = 0
        self._now = 0.0

    @property
    def done(self) -> bool:
        return self.result is not None

    # ------------------------------------------------------------------------ entry points
    def start(self, now: float) -> list[IvrCommand]:
        """Enter the entry node (the flow's `start`, or e.g. its `survey`)."""
        self._now = now
        return self._enter(self.entry, 0)

    def handle(self, event: IvrEvent, now: float) -> list[IvrCommand]:
        """Apply one event; returns the commands to execute, in order."""
        self._now = now
        if self.done or self.node is None:
            return []
        if isinstance(event, CallerHangup):
            self._finish("contained" if self.contained else "abandoned")
            return []
        if isinstance(event, PlayDone):
            if not self._playing:
                return []
            self._playing = False
            return self._after_prompt()
        if isinstance(event, Timeout):
            if event.token != self._token or self._playing:
                return []
            return self._on_timeout()
        if isinstance(event, Digit):
            self.digits += event.digit
            return self._on_digit(event.digit)
        raise TypeError(f"not an IVR event: {event!r}")

    # ------------------------------------------------------------------------ transitions
    def _enter(self, node_id: str | None, depth: int) -> list[IvrCommand]:
        if node_id is None:
            return self._hangup(None)
        node = self.flow.nodes[node_id]
        self.node, self._attempts, self._buffer = node, 0, ""
        self.path.append(node_id)
        if depth > MAX_INSTANT_STEPS:
            return self._hangup("error")
        kind = node.type
        if kind == "hours":
            is_open = node.hours is None or node.hours.is_open(self._now)
            return self._enter(node.open if is_open else node.closed, depth + 1)
        if kind in ("queue", "callback"):
            self._finish("callback" if kind == "callback" else "transferred")
            return [
                Transfer(
                    queue=node.queue or "",
                    priority=node.priority,
                    language=node.language,
                    intent=node.intent,
                    skills=node.skills,
                    callback=kind == "callback",
                    prompts=node.prompts,
                )
            ]
        if kind == "play" and node.contained:
            self.contained = True
        if kind == "hangup" and not node.prompts:
            return self._hangup(node.outcome)
        return self._play(node.prompts, barge_in=kind != "hangup")

    def _play(self, prompts: tuple[str, ...], barge_in: bool = True) -> list[IvrCommand]:
        self._playing = True
        self._token += 1  # any running timer is now stale
        return [Play(prompts, barge_in=barge_in)]

    def _timer(self, seconds: float) -> list[IvrCommand]:
        self._token += 1
        return [StartTimer(seconds, self._token)]

    def _after_prompt(self) -> list[IvrCommand]:
        node = self.node
        assert node is not None
        if node.type == "hangup":
            return self._hangup(node.outcome)
        if node.type == "play":
            if node.options and node.wait_s > 0:
                return self._timer(node.wait_s)
            return self._enter(node.next, 0) if node.next else self._hangup(None)
        return self._timer(node.timeout_s)

    def _on_timeout(self) -> list[IvrCommand]:
        node = self.node
        assert node is not None
        if node.type == "play":
            return self._enter(node.next, 0) if node.next else self._hangup(None)
        if node.type == "collect" and len(self._buffer) >= node.min_digits:
            return self._collected(node)
        return self._retry(node, node.no_input)

    def _on_digit(self, digit: str) -> list[IvrCommand]:
        node = self.node
        assert node is not None
        if node.type in ("play", "hangup") or (self._playing and not self._barge_in(node)):
            target = node.options.get(digit) if node.type == "play" else None
            return self._stop() + self._enter(target, 0) if target else []
        out = self._stop()
        if node.type == "menu":
            target = node.options.get(digit)
            return out + (self._enter(target, 0) if target else self._retry(node, node.invalid))
        if node.type == "survey":
            if digit in node.valid:
                return [*out, Score(node.question or node.id, int(digit)), *self._next(node)]
            return out + self._retry(node, node.invalid)
        # collect
        if node.terminator and digit == node.terminator:
            if len(self._buffer) >= node.min_digits:
                return out + self._collected(node)
            return out + self._retry(node, node.invalid)
        self._buffer += digit
        if len(self._buffer) >= node.max_digits:
            return out + self._collected(node)
        return out + self._timer(node.timeout_s)

    @staticmethod
    def _barge_in(node: Node) -> bool:
        return node.type in ("menu", "collect", "survey")

    def _stop(self) -> list[IvrCommand]:
        if self._playing:
            self._playing = False
            return [StopPlay()]
        return []

    def _collected(self, node: Node) -> list[IvrCommand]:
        self.variables[node.var or node.id] = self._buffer
        return self._next(node)

    def _next(self, node: Node) -> list[IvrCommand]:
        return self._enter(node.next, 0) if node.next else self._hangup("survey")

    def _retry(self, node: Node, before: tuple[str, ...]) -> list[IvrCommand]:
        self._attempts += 1
        self._buffer = ""
        if self._attempts > node.retries:
            return self._enter(node.on_fail, 0) if node.on_fail else self._hangup(None)
        return self._play((*before, *node.prompts))

    def _hangup(self, outcome: str | None) -> list[IvrCommand]:
        if outcome is None:
            outcome = "contained" if self.contained else "hangup"
        self._finish(outcome)
        return [Hangup(outcome)]

    def _finish(self, outcome: str) -> None:
        self._playing = False
        self._token += 1
        self.result = IvrResult(
            outcome=outcome,
            path=tuple(self.path),
            digits=self.digits,
            contained=self.contained and outcome not in ("transferred", "callback"),
            variables=dict(self.variables),
        )
