"""The discrete-event twin: the live `Router`, fed simulated callers and agents on a virtual clock.

The loop is SimPy's shape without its generators: one heap of `(time, seq, kind, a, b)` where
`seq` breaks ties in insertion order, so a seed gives the same run every time. Each turn jumps
to the earlier of our next event and `router.next_deadline()` (ring-no-answer, wrap-up end,
overflow, relaxation, callbacks falling due), exactly as the live server sleeps until it.

What keeps it fast: arrivals come lazily from one iterator per stream (the heap holds one
pending arrival per stream, not the whole day); an offer fact immediately schedules its accept
at offer time + ring delay (no polling); per-contact state is one small slotted object; the
only facts inspected are offers and not-ready changes; and the router's final snapshots, which
only the live store needs, are dropped as we go.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappush

from hotline.domain.records import EventRecord
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev
from hotline.sim.presence import LOGIN, LOGOUT, Presence, Seat
from hotline.sim.roster import Window, windows
from hotline.sim.scenario import Scenario
from hotline.sim.traffic import Stream, build_streams, stream_rng

ARRIVE, ENTER, ABANDON, ACCEPT, COMPLETE, COMPLETE_FAILED = range(6)
DRAIN_EVERY = 4096  # loop turns between dropping the router's ended-contact snapshots


class _Call:
    """One simulated contact: which stream it came from and how long it will be served."""

    __slots__ = ("answered", "customer", "handle_s", "stream")

    def __init__(self, stream: int, handle_s: float, customer: str | None) -> None:
        self.stream, self.handle_s, self.customer, self.answered = stream, handle_s, customer, False


@dataclass(slots=True)
class RunStats:
    """Counters of one run: what the traffic model did and what the loop cost."""

    wall_s: float = 0.0
    turns: int = 0
    router_calls: int = 0
    arrivals: int = 0  # contacts that reached the router (fresh + retrials)
    retrials: int = 0
    abandons_sent: int = 0
    contained: int = 0  # resolved in the IVR
    refused: Counter = field(default_factory=Counter)  # router refusals by event type
    arrivals_per_interval: list[int] = field(default_factory=list)
    retrials_per_interval: list[int] = field(default_factory=list)
    contained_per_interval: list[int] = field(default_factory=list)


class Simulation(Presence):
    """One run of a scenario. `run()` returns every fact the router emitted and the stats."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.spec.seed if seed is None else seed
        self.router = Router(scenario.center)
        self._handle = self.router.handle  # hot: one bound method, not two lookups a call
        self.streams: list[Stream] = build_streams(scenario, self.seed)
        self.windows: dict[str, list[Window]] = windows(scenario)
        self.seats: dict[str, Seat] = {}
        behaviour = scenario.spec.agent_behaviour
        self.accept_delay = behaviour.accept_delay.sampler(stream_rng(self.seed, "accept"))
        self.recover_s = behaviour.recover_s
        self.progress = progress
        self.records: list[EventRecord] = []
        self.calls: dict[str, _Call] = {}
        self.stats = RunStats()
        self._heap: list[tuple[float, int, int, object, object]] = []
        self._seq = itertools.count(1)  # tie-break: insertion order
        self._n = 0
        self._arrival_iters = [s.times() for s in self.streams]
        self._t0, self._step = scenario.start, scenario.interval_s  # hot: not recomputed

    # ------------------------------------------------------------------ plumbing
    def _push(self, t: float, kind: int, a: object, b: object) -> None:
        heappush(self._heap, (t, next(self._seq), kind, a, b))

    def _send(self, event: ev.Event, t: float) -> bool:
        """Hand one event to the router and react to its facts; False if it was refused."""
        self.stats.router_calls += 1
        try:
            out = self._handle(event, t)
            ok = True
        except RoutingError as exc:
            out = getattr(exc, "outputs", [])
            self.stats.refused[type(event).__name__] += 1
            ok = False
        self._react(out, t)
        return ok

    def _react(self, out: list[EventRecord], now: float) -> None:
        heap, seq, delay = self._heap, self._seq, self.accept_delay
        for r in out:
            kind = r.kind
            if kind == "contact.offered":
                at = r.at if r.at > now else now
                heappush(heap, (at + delay(), next(seq), ACCEPT, r.agent_id, r.contact_id))
            elif kind == "agent.state" and r.data["to"] == "not_ready":
                self._went_not_ready(r)
        self.records += out

    # ------------------------------------------------------------------ the loop
    def run(self) -> RunStats:
        sc = self.scenario
        n_int = max(1, round((sc.end - sc.start) / sc.interval_s))
        st = self.stats
        st.arrivals_per_interval = [0] * n_int
        st.retrials_per_interval = [0] * n_int
        per_stream = [s.contained or [0] * n_int for s in self.streams]
        st.contained_per_interval = [sum(c) for c in zip(*per_stream, strict=True)]
        st.contained = sum(st.contained_per_interval)
        self._schedule_roster()
        for i, it in enumerate(self._arrival_iters):
            t = next(it, None)
            if t is not None:
                self._push(t, ARRIVE, i, None)
        wall = time.perf_counter()
        self._loop(sc.end + sc.spec.drain_hours * 3600.0)
        self.router.drop_ended()
        st.wall_s = time.perf_counter() - wall
        return st

    def _loop(self, stop: float) -> None:
        heap, router, pop = self._heap, self.router, heapq.heappop
        next_deadline, tick, react = router.next_deadline, router.tick, self._react
        handlers = self._handlers()
        span = max(stop - self.scenario.start, 1.0)
        turns = 0
        while True:
            due = next_deadline()
            if heap and (due is None or heap[0][0] <= due):
                t, _seq, kind, a, b = pop(heap)
                if t > stop:
                    break
                handlers[kind](t, a, b)
            elif due is not None and due <= stop:
                react(tick(due), due)
            else:
                break
            turns += 1
            if not turns & (DRAIN_EVERY - 1):
                router.drop_ended()
                if self.progress is not None:
                    self.progress(
                        min(1.0, (heap[0][0] - self.scenario.start) / span) if heap else 1.0
                    )
        self.stats.turns = turns

    def _handlers(self) -> list[Callable[[float, object, object], None]]:
        """Event kind -> handler(t, a, b): one list index per turn instead of an if-chain."""

        def presence(kind: int) -> Callable[[float, object, object], None]:
            return lambda t, a, b: self._presence(t, kind, a, b)  # type: ignore[arg-type]

        table: list[Callable[[float, object, object], None]] = [
            self._arrive,  # type: ignore[list-item]  # ARRIVE
            self._enter,  # type: ignore[list-item]  # ENTER
            lambda t, a, _b: self._abandon(t, a),  # type: ignore[arg-type]  # ABANDON
            self._accept,  # type: ignore[list-item]  # ACCEPT
            lambda t, a, b: self._complete(t, a, b, True),  # type: ignore[arg-type]
            lambda t, a, b: self._complete(t, a, b, False),  # type: ignore[arg-type]
        ]
        table += [lambda t, a, b: None] * (LOGIN - len(table))
        table += [presence(k) for k in range(LOGIN, LOGOUT + 1)]
        return table

    def _dispatch(self, item: tuple[float, int, int, object, object]) -> None:
        """One heap item (kept for callers outside the loop; the loop indexes `_handlers`)."""
        t, _seq, kind, a, b = item
        self._handlers()[kind](t, a, b)

    # ------------------------------------------------------------------ callers
    def _arrive(self, t: float, si: int, retry_of: str | None) -> None:
        """A caller dials (fresh, or again after abandoning); the IVR may hold them a while."""
        s = self.streams[si]
        k = int((t - self._t0) // self._step)
        if retry_of is None:
            nxt = next(self._arrival_iters[si], None)
            if nxt is not None:
                self._push(nxt, ARRIVE, si, None)
        elif 0 <= k < len(self.stats.retrials_per_interval):
            self.stats.retrials_per_interval[k] += 1
        if 0 <= k < len(self.stats.arrivals_per_interval):
            self.stats.arrivals_per_interval[k] += 1
        if s.menu is not None:
            self._push(t + s.menu(), ENTER, si, retry_of)
        else:
            self._enter(t, si, retry_of)

    def _enter(self, t: float, si: int, retry_of: str | None) -> None:
        s = self.streams[si]
        self._n += 1
        cid = f"c{self._n}"
        customer = retry_of
        if retry_of is None and s.callback_share > 0 and s.other.random() < s.callback_share:
            customer = f"1{self._n:010d}"
        self.calls[cid] = _Call(si, s.handle(), customer or None)
        self.stats.arrivals += 1
        event = ev.ContactArrived(
            cid, s.queue, s.channel, customer or None, s.flow.priority, language=s.flow.language
        )
        self._send(event, t)
        if s.patience is not None:
            self._push(t + s.patience(), ABANDON, cid, None)

    def _abandon(self, t: float, cid: str) -> None:
        call = self.calls.get(cid)
        if call is None or call.answered:
            return
        if not self._send(ev.CustomerLeft(cid), t):
            return  # already gone (overflowed out, turned into a callback)
        self.stats.abandons_sent += 1
        s = self.streams[call.stream]
        retrial = s.flow.retrial
        if retrial is not None and s.retrial_delay is not None and s.other.random() < retrial.share:
            self.stats.retrials += 1
            self._push(t + s.retrial_delay(), ARRIVE, call.stream, call.customer or "")

    # ------------------------------------------------------------------ agents working
    def _accept(self, t: float, aid: str, cid: str) -> None:
        if not self._send(ev.OfferAccepted(aid, cid), t):
            return  # the caller hung up while it rang, or the offer timed out
        call = self.calls.get(cid)
        if call is not None:
            call.answered = True
            self._push(t + call.handle_s, COMPLETE, aid, cid)
            return
        self._callback_attempt(t, aid, cid)

    def _callback_attempt(self, t: float, aid: str, cid: str) -> None:
        """A callback task accepted: dial out; reached with the flow's probability."""
        origin = self.calls.get(cid.removesuffix("-cb"))
        s = self.streams[origin.stream] if origin is not None else None
        spec = s.flow.callback if s is not None else None
        if s is None or spec is None or s.callback_handle is None:
            self._push(t + 60.0, COMPLETE, aid, cid)
            return
        if s.other.random() < spec.reach_probability:
            self._push(t + s.callback_handle(), COMPLETE, aid, cid)
        else:
            self._push(t + spec.no_answer_s, COMPLETE_FAILED, aid, cid)

    def _complete(self, t: float, aid: str, cid: str, reached: bool) -> None:
        self._send(ev.ContactCompleted(aid, cid, reached), t)
        self.calls.pop(cid, None)  # answered: no callback will ever refer to it


def simulate_records(
    scenario: Scenario, seed: int | None = None, progress: Callable[[float], None] | None = None
) -> tuple[list[EventRecord], RunStats]:
    """Run once; the facts and the counters (see `hotline.sim.result.simulate` for KPIs)."""
    sim = Simulation(scenario, seed=seed, progress=progress)
    stats = sim.run()
    return sim.records, stats


__all__ = ["RunStats", "Simulation", "simulate_records"]
