"""Indexes that make routing cheap: waiting contacts by requirement, and ready agents.

Waiting contacts are grouped in *buckets* of identical effective requirements (queue, skills at
the current relaxation stage, channel), each a sorted list by the global sort key. The channel is
part of the key because an agent's devices may take some channels only (a desk phone: voice).
An agent who frees up compares only the heads of the buckets it qualifies for, so the choice is
the best contact across every queue it serves (one ordering across queues) at a cost that grows
with the number of buckets, not the number of waiting contacts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sortedcontainers import SortedList

from hotline.domain.enums import Channel, Strategy
from hotline.routing.state import AgentRuntime

Reqs = tuple[tuple[str, int], ...]
SortKey = tuple[int, float, int]
BucketKey = tuple[str, Reqs, Channel]  # queue, effective requirements, channel


def meets(skills: dict[str, int], reqs: Reqs) -> bool:
    """True when `skills` satisfy every (skill, min_level) in `reqs`."""
    return all(skills.get(s, 0) >= lvl for s, lvl in reqs)


@dataclass(slots=True)
class WaitingIndex:
    """All queued contacts, bucketed by requirement and sorted by service order."""

    buckets: dict[BucketKey, SortedList] = field(default_factory=dict)
    where: dict[str, tuple[BucketKey, SortKey]] = field(default_factory=dict)
    _eligible: dict[tuple[str, Reqs], bool] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.where)

    def __contains__(self, contact_id: str) -> bool:
        return contact_id in self.where

    def add(self, contact_id: str, bucket: BucketKey, key: SortKey) -> None:
        lst = self.buckets.get(bucket)
        if lst is None:
            lst = self.buckets[bucket] = SortedList()
        lst.add((key, contact_id))
        self.where[contact_id] = (bucket, key)

    def remove(self, contact_id: str) -> None:
        entry = self.where.pop(contact_id, None)
        if entry is None:
            return
        bucket, key = entry
        lst = self.buckets[bucket]
        lst.remove((key, contact_id))
        if not lst:
            del self.buckets[bucket]

    def clear_memo(self) -> None:
        self._eligible.clear()

    def best_for(self, agent: AgentRuntime, exclusive_ok: bool) -> str | None:
        """The contact this agent should take next, or None. Bucket heads only."""
        best: tuple[SortKey, str] | None = None
        memo = self._eligible
        for (_queue, reqs, channel), lst in self.buckets.items():
            if (channel.exclusive and not exclusive_ok) or not agent.takes(channel):
                continue
            mkey = (agent.id, reqs)
            ok = memo.get(mkey)
            if ok is None:
                ok = memo[mkey] = meets(agent.skills, reqs)
            if ok:
                head = lst[0]
                if best is None or head < best:
                    best = head
        return best[1] if best else None

    def count_ahead(self, queue: str, key: SortKey) -> int:
        """How many contacts of `queue` are served before a contact with `key`."""
        return sum(
            lst.bisect_left((key, "")) for (q, _r, _e), lst in self.buckets.items() if q == queue
        )

    def in_queue(self, queue: str) -> Iterable[tuple[SortKey, str]]:
        for (q, _r, _e), lst in self.buckets.items():
            if q == queue:
                yield from lst


@dataclass(slots=True)
class ReadyIndex:
    """Agents who could take an offer now. Intersected with the (cached) set of agents
    qualified for a requirement, it gives a new contact its candidates without a scan."""

    all: set[str] = field(default_factory=set)

    def refresh(self, agent: AgentRuntime) -> None:
        if any(agent.accepts(c) for c in Channel):
            self.all.add(agent.id)
        else:
            self.all.discard(agent.id)

    def forget(self, agent: AgentRuntime) -> None:
        self.all.discard(agent.id)


def choose(
    candidates: list[AgentRuntime],
    strategy: Strategy,
    channel: Channel,
    reqs: Reqs,
    rr_last: int,
    pack: bool = False,
) -> AgentRuntime:
    """Pick one agent among eligible ready ones.

    Chat goes to the least loaded agent first (fair concurrency: load max - min <= 1), or with
    `pack` to the most loaded one that still has room (idle agents stay free for calls); the
    strategy then breaks ties. Every strategy ends on (idle_since, index) so the choice is
    total and deterministic.
    """
    if channel is not Channel.CHAT:
        load = lambda a: 0  # noqa: E731
    elif pack:
        load = lambda a: -a.chat_load  # noqa: E731
    else:
        load = lambda a: a.chat_load  # noqa: E731
    if strategy is Strategy.LONGEST_IDLE:
        return min(candidates, key=lambda a: (load(a), a.idle_since, a.index))
    if strategy is Strategy.HIGHEST_PROFICIENCY:
        primary = reqs[0][0] if reqs else None
        return min(
            candidates,
            key=lambda a: (load(a), -a.skills.get(primary, 0), a.idle_since, a.index),
        )
    if strategy is Strategy.LEAST_OCCUPIED:
        return min(candidates, key=lambda a: (load(a), a.busy_s, a.idle_since, a.index))
    # Round robin: the next agent after the last one served, in configuration order.
    return min(candidates, key=lambda a: (load(a), (a.index - rr_last - 1) % 1_000_003))
