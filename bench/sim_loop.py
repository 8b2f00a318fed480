"""The simulator's own loop, before and after the profile's cheap wins, side by side in one run.

    python bench/sim_loop.py [--quick] [--repeat 5]

`bench/sim.py`'s day (one queue, Poisson arrivals, lognormal handle times, abandonment, the full
router) run alternately by `Before` (the loop as it was: an if-chain dispatch, `_push` through
an int attribute, a method lookup per router call) and the current `Simulation` (dispatch by
list index, an `itertools.count` tie-breaker, `heappush` inlined where offers schedule their
accept, the router's `handle` bound once). Both must record exactly the same facts (checked),
so only the loop's cost differs. Best of `--repeat` interleaved runs in CPU seconds (steadier
than wall time on a shared machine); the router itself, ~85 % of the time, is the same code.
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sim import agents_for, twin_scenario
from hotline.domain.records import EventRecord
from hotline.routing import RoutingError
from hotline.routing import events as ev
from hotline.sim import Simulation
from hotline.sim.engine import (
    ABANDON,
    ACCEPT,
    ARRIVE,
    COMPLETE,
    COMPLETE_FAILED,
    DRAIN_EVERY,
    ENTER,
)
from hotline.sim.presence import LOGIN


class Before(Simulation):
    """The loop as it was before (commit 14b9fef's `hotline.sim.engine`), verbatim."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._seq = 0

    def _push(self, t: float, kind: int, a: object, b: object) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, a, b))

    def _send(self, event: ev.Event, t: float) -> bool:
        """Hand one event to the router and react to its facts; False if it was refused."""
        self.stats.router_calls += 1
        try:
            out = self.router.handle(event, t)
            ok = True
        except RoutingError as exc:
            out = getattr(exc, "outputs", [])
            self.stats.refused[type(event).__name__] += 1
            ok = False
        self._react(out, t)
        return ok

    def _react(self, out: list[EventRecord], now: float) -> None:
        push, delay = self._push, self.accept_delay
        for r in out:
            kind = r.kind
            if kind == "contact.offered":
                at = r.at if r.at > now else now
                push(at + delay(), ACCEPT, r.agent_id, r.contact_id)
            elif kind == "agent.state" and r.data["to"] == "not_ready":
                self._went_not_ready(r)
        self.records += out

    def _loop(self, stop: float) -> None:
        heap, router, pop = self._heap, self.router, heapq.heappop
        dispatch = self._dispatch
        span = max(stop - self.scenario.start, 1.0)
        turns = 0
        while True:
            due = router.next_deadline()
            if heap and (due is None or heap[0][0] <= due):
                item = pop(heap)
                t = item[0]
                if t > stop:
                    break
                dispatch(item)
            elif due is not None and due <= stop:
                self._react(router.tick(due), due)
            else:
                break
            turns += 1
            if not turns % DRAIN_EVERY:
                router.drop_ended()
                if self.progress is not None:
                    self.progress(
                        min(1.0, (heap[0][0] - self.scenario.start) / span) if heap else 1.0
                    )
        self.stats.turns = turns

    def _dispatch(self, item: tuple[float, int, int, object, object]) -> None:
        t, _seq, kind, a, b = item
        if kind == ACCEPT:
            self._accept(t, a, b)  # type: ignore[arg-type]
        elif kind == COMPLETE:
            self._complete(t, a, b, True)  # type: ignore[arg-type]
        elif kind == ARRIVE:
            self._arrive(t, a, b)  # type: ignore[arg-type]
        elif kind == ABANDON:
            self._abandon(t, a)  # type: ignore[arg-type]
        elif kind == ENTER:
            self._enter(t, a, b)  # type: ignore[arg-type]
        elif kind == COMPLETE_FAILED:
            self._complete(t, a, b, False)  # type: ignore[arg-type]
        elif kind >= LOGIN:
            self._presence(t, kind, a, b)  # type: ignore[arg-type]


def run(cls: type[Simulation], calls: int, seed: int) -> tuple[float, list]:
    sim = cls(twin_scenario(calls, agents_for(calls), seed))
    cpu = time.process_time()
    sim.run()
    return time.process_time() - cpu, sim.records


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--calls", type=int, default=None)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    calls = args.calls or (20_000 if args.quick else 200_000)
    best = {"before": float("inf"), "after": float("inf")}
    same = True
    for _ in range(args.repeat):
        b_s, b_rec = run(Before, calls, args.seed)
        a_s, a_rec = run(Simulation, calls, args.seed)
        same = same and b_rec == a_rec
        best["before"], best["after"] = min(best["before"], b_s), min(best["after"], a_s)
        print(f"before {b_s:.2f} s cpu, after {a_s:.2f} s cpu, same facts: {b_rec == a_rec}")
    before, after = calls / best["before"], calls / best["after"]
    print(
        f"RESULT calls={calls} before_calls_per_cpu_s={before:.0f} "
        f"after_calls_per_cpu_s={after:.0f} speedup={after / before:.3f} same_facts={int(same)}"
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
