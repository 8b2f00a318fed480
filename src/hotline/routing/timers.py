"""A deadline heap with cancellation by generation, the router's only notion of time passing.

Every deadline is keyed by (kind, ref). Re-arming or cancelling bumps the key's generation, so
stale heap entries are skipped when they surface instead of being searched for and removed.
Ties break on insertion order, which keeps runs deterministic (the SimPy trick).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import count

TimerKey = tuple[str, str]


@dataclass(slots=True)
class Timers:
    _heap: list[tuple[float, int, str, str, int]] = field(default_factory=list)
    _gen: dict[TimerKey, int] = field(default_factory=dict)
    _due: dict[TimerKey, float] = field(default_factory=dict)
    _seq: count = field(default_factory=count)

    def arm(self, when: float, kind: str, ref: str) -> None:
        """(Re)arm the single deadline of this kind for `ref`, replacing any earlier one."""
        key = (kind, ref)
        gen = self._gen.get(key, 0) + 1
        self._gen[key] = gen
        self._due[key] = when
        heapq.heappush(self._heap, (when, next(self._seq), kind, ref, gen))

    def cancel(self, kind: str, ref: str) -> None:
        key = (kind, ref)
        if key in self._due:
            self._gen[key] = self._gen.get(key, 0) + 1
            del self._due[key]

    def due(self, kind: str, ref: str) -> float | None:
        """When the live deadline of this kind for `ref` fires, or None if none is armed."""
        return self._due.get((kind, ref))

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap:
            _when, _seq, kind, ref, gen = heap[0]
            if self._gen.get((kind, ref)) == gen and (kind, ref) in self._due:
                return
            heapq.heappop(heap)

    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> tuple[float, str, str] | None:
        """Remove and return the earliest live deadline at or before `now`, else None."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        when, _seq, kind, ref, _gen = heapq.heappop(self._heap)
        del self._due[(kind, ref)]
        return when, kind, ref

    def live(self) -> dict[TimerKey, float]:
        """All armed deadlines (for invariant checks)."""
        return dict(self._due)
