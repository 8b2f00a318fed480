"""Live load of a center, as pushed to its peers, and the board of what peers last told us.

Load is pushed, not polled: each center sends its own `CenterLoad` to every peer every few
seconds. The receiver stamps it with *its own* clock on arrival (clocks of two machines need
not agree), and a peer whose last report is older than the staleness limit is down: no
contact is sent to a center that may be gone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

SL_WINDOW_S = 900.0  # "service level, last 15 minutes"


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """One queue's load: what a peer needs to decide whether to send us a contact."""

    waiting: int = 0
    ewt_s: float | None = None  # estimated wait of a contact arriving now; None = unknown
    ready: int = 0  # agents free to take a contact of this queue now
    staffed: int = 0  # agents logged in who can serve it (the base of the share limit)
    sl_15m: float | None = None  # answered within threshold / (answered + abandoned)
    federated_in: int = 0  # live contacts in this queue that came from peers


@dataclass(frozen=True, slots=True)
class CenterLoad:
    center: str
    queues: dict[str, QueueLoad] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"center": self.center, "queues": {q: asdict(v) for q, v in self.queues.items()}}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> CenterLoad:
        """Raises ValueError naming the field when the report is malformed."""
        center = body.get("center")
        if not isinstance(center, str) or not center.strip():
            raise ValueError("center: must be the sending center's name")
        queues = body.get("queues")
        if not isinstance(queues, dict):
            raise ValueError("queues: must be a mapping of queue id to load")
        out: dict[str, QueueLoad] = {}
        for qid, raw in queues.items():
            if not isinstance(raw, dict):
                raise ValueError(f"queues.{qid}: must be a mapping")
            try:
                out[str(qid)] = QueueLoad(**raw)
            except TypeError as exc:
                raise ValueError(f"queues.{qid}: {exc}") from None
            for name in ("waiting", "ready", "staffed", "federated_in"):
                value = getattr(out[str(qid)], name)
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"queues.{qid}.{name}: must be a whole number >= 0")
        return cls(center=center, queues=out)


class PeerBoard:
    """What each peer last reported, and when (our clock). Stale = down."""

    def __init__(self, stale_after_s: float) -> None:
        self.stale_after_s = stale_after_s
        self._last: dict[str, tuple[float, CenterLoad]] = {}

    def heard(self, load: CenterLoad, now: float) -> None:
        self._last[load.center] = (now, load)

    def load(self, peer: str, now: float) -> CenterLoad | None:
        """The peer's last report, or None when we never heard from it or it is stale."""
        entry = self._last.get(peer)
        if entry is None or now - entry[0] > self.stale_after_s:
            return None
        return entry[1]

    def age(self, peer: str, now: float) -> float | None:
        entry = self._last.get(peer)
        return None if entry is None else now - entry[0]

    def forget(self, peer: str) -> None:
        """Treat the peer as down at once (it refused a connection or timed out)."""
        self._last.pop(peer, None)


class SlWindow:
    """Service level over the last 15 minutes, per queue, from answered/abandoned facts."""

    def __init__(self, window_s: float = SL_WINDOW_S) -> None:
        self.window_s = window_s
        self._events: dict[str, deque[tuple[float, bool]]] = {}

    def answered(self, queue: str, at: float, wait_s: float, threshold_s: float) -> None:
        self._events.setdefault(queue, deque()).append((at, wait_s <= threshold_s))

    def abandoned(self, queue: str, at: float) -> None:
        self._events.setdefault(queue, deque()).append((at, False))

    def level(self, queue: str, now: float) -> float | None:
        events = self._events.get(queue)
        if not events:
            return None
        while events and events[0][0] < now - self.window_s:
            events.popleft()
        return sum(ok for _at, ok in events) / len(events) if events else None
