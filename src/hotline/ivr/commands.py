"""What goes into an IVR session (events) and what comes out (commands).

The interpreter never touches a socket, a sound card or the clock: the gateway turns SIP and
RTP happenings into these events (with `now`), and executes the commands it gets back. Tests
therefore compare command lists with `==`, and a recorded call replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ----------------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Digit:
    """The caller pressed a key (RFC 2833 / SIP INFO): one of 0-9, *, #."""

    digit: str


@dataclass(frozen=True, slots=True)
class PlayDone:
    """The last `Play` finished (not sent for a `Play` that was interrupted or loops)."""


@dataclass(frozen=True, slots=True)
class Timeout:
    """The timer started by `StartTimer` with the same `token` expired."""

    token: int


@dataclass(frozen=True, slots=True)
class CallerHangup:
    """The caller hung up; the session ends and reports its outcome."""


IvrEvent = Digit | PlayDone | Timeout | CallerHangup

# --------------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Play:
    """Play these prompt ids one after the other; a digit stops them when `barge_in`.

    `loop=True` repeats until the next `Play`/`StopPlay` (music on hold) and never yields
    `PlayDone`.
    """

    prompts: tuple[str, ...]
    barge_in: bool = True
    loop: bool = False


@dataclass(frozen=True, slots=True)
class StopPlay:
    """Silence the caller's player (a digit barged in)."""


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Send `Timeout(token)` after `seconds` unless another timer replaces this one."""

    seconds: float
    token: int


@dataclass(frozen=True, slots=True)
class Transfer:
    """Hand the caller to the core: create a contact in `queue` with these attributes."""

    queue: str
    priority: int = 0
    language: str | None = None
    intent: str | None = None
    skills: tuple[tuple[str, int], ...] = ()
    callback: bool = False  # the caller asked to be called back instead of waiting
    prompts: tuple[str, ...] = ()  # said before the wait starts ("connecting you…")


@dataclass(frozen=True, slots=True)
class Score:
    """A post-call survey answer, to be stored against the contact and its agent."""

    question: str
    value: int


@dataclass(frozen=True, slots=True)
class RequestCallback:
    """The waiting caller chose to be called back: leave the queue, the core keeps the place."""


@dataclass(frozen=True, slots=True)
class Hangup:
    """End the call from our side; `outcome` is what the call counts as."""

    outcome: str


IvrCommand = Play | StopPlay | StartTimer | Transfer | Score | RequestCallback | Hangup


@dataclass(frozen=True, slots=True)
class IvrResult:
    """How the IVR part of a call ended, recorded per call (containment, path, digits).

    outcome: `contained` (a self-service answer was played and no person was needed),
    `transferred`, `callback`, `hangup` (ended by the flow without an answer),
    `abandoned` (the caller hung up before any answer or transfer), `survey`.
    """

    outcome: str
    path: tuple[str, ...]
    digits: str
    contained: bool
    variables: dict[str, str] = field(default_factory=dict)
