"""A run's outcome: every fact, KPIs per interval / day / queue via `hotline.kpi`, and the two
curves KPIs do not give — agents logged in and contacts waiting, averaged over each interval.

KPIs come from the same `hotline.kpi` functions the live reports use, over the facts the router
emitted; nothing here recomputes a service level its own way, so a simulated day and a real
day are measured identically. One exception, for speed: `kpi.intervals` re-reads every agent
state span for every bucket (O(buckets × spans), ~10 s for a 50,000-call day), so interval rows
are computed from the contact facts and their occupancy is filled in from the same spans
(`kpi.agents.agent_spans`, same state sets) in one pass. Interval AHT is therefore talk time
only; the day and queue figures are `compute_kpis` over everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hotline.domain.records import EventRecord
from hotline.kpi import Kpis, compute_kpis, intervals, kpis_by_queue
from hotline.kpi.agents import OCCUPIED_STATES, STAFFED_STATES, agent_spans
from hotline.sim.engine import RunStats, Simulation
from hotline.sim.scenario import Scenario

LEAVES_QUEUE = frozenset(
    {
        "contact.offered",
        "contact.ended",
        "contact.overflowed",
        "contact.moved",
        "contact.transferred",
    }
)


@dataclass(frozen=True, slots=True)
class IntervalRow:
    """One KPI interval: the KPIs of contacts created in it and what the floor looked like."""

    start: float
    kpis: Kpis
    arrivals: int  # calls into the hotline that reached the router (fresh + retrials)
    retrials: int
    contained: int  # resolved in IVR self-service (never reached the router)
    staffed: float  # agents logged in, time-average
    queue_len: float  # contacts waiting, time-average
    max_queue: int


@dataclass(frozen=True)
class SimResult:
    """What `simulate` returns. `total` covers all days; `per_day` one `Kpis` per day."""

    scenario: Scenario
    seed: int
    records: list[EventRecord]
    stats: RunStats
    total: Kpis
    per_day: list[Kpis]
    by_queue: dict[str, Kpis]
    by_channel: dict[str, Kpis]  # only when the scenario has more than one inbound channel
    intervals: list[IntervalRow]


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    progress: Callable[[float], None] | None = None,
    *,
    with_intervals: bool = True,
) -> SimResult:
    """Run `scenario` once through the real router and measure it.

    `with_intervals=False` skips the per-interval table (theory tests need only the totals).
    """
    sim = Simulation(scenario, seed=seed, progress=progress)
    stats = sim.run()
    return measure(scenario, sim.seed, sim.records, stats, with_intervals=with_intervals)


def measure(
    scenario: Scenario,
    seed: int,
    records: list[EventRecord],
    stats: RunStats,
    *,
    with_intervals: bool = True,
) -> SimResult:
    """KPIs and floor curves of a finished run."""
    opts = scenario.kpi_options
    start, end = scenario.start, scenario.end
    total = compute_kpis(records, start, end, options=opts)
    per_day = [total]
    if scenario.days > 1:
        per_day = [
            compute_kpis(records, scenario.day_start(d), scenario.day_start(d + 1), options=opts)
            for d in range(scenario.days)
        ]
    queues = [q.id for q in scenario.center.queues]
    if len(queues) == 1:  # the same figures as `total`: skip a second fold of the timeline
        by_queue = {queues[0]: dataclasses.replace(total, queue=queues[0], occupancy=None)}
    else:
        by_queue = kpis_by_queue(records, start, end, options=opts)
    channels = sorted({c.value for f in scenario.spec.flows for c, w in f.channel_mix.items() if w})
    by_channel: dict[str, Kpis] = {}
    if len(channels) > 1:
        by_channel = {
            c: compute_kpis(records, start, end, channel=c, options=opts) for c in channels
        }
    rows = interval_rows(scenario, records, stats) if with_intervals else []
    return SimResult(scenario, seed, records, stats, total, per_day, by_queue, by_channel, rows)


def interval_rows(
    scenario: Scenario, records: list[EventRecord], stats: RunStats
) -> list[IntervalRow]:
    """One `IntervalRow` per KPI interval of the run."""
    start, end, step = scenario.start, scenario.end, scenario.interval_s
    contact_facts = [r for r in records if r.kind != "agent.state"]
    table = intervals(contact_facts, start, end, step, options=scenario.kpi_options)
    n = len(table)
    occupancy = occupancy_per_bucket(records, start, step, n)
    staffed, _ = time_average(_staffing_changes(records), start, step, n)
    queue, peak = time_average(_queue_changes(records), start, step, n)
    return [
        IntervalRow(
            start=t,
            kpis=dataclasses.replace(kpis, occupancy=occupancy[k]),
            arrivals=_at(stats.arrivals_per_interval, k),
            retrials=_at(stats.retrials_per_interval, k),
            contained=_at(stats.contained_per_interval, k),
            staffed=staffed[k],
            queue_len=queue[k],
            max_queue=int(peak[k]),
        )
        for k, (t, kpis) in enumerate(table)
    ]


def _at(values: list[int], k: int) -> int:
    return values[k] if k < len(values) else 0


def _staffing_changes(records: Iterable[EventRecord]) -> list[tuple[float, int]]:
    """+1 when an agent logs in, -1 when it logs out."""
    out = []
    for r in records:
        if r.kind == "agent.state":
            was, now = r.data.get("from") == "offline", r.data.get("to") == "offline"
            if was != now:
                out.append((r.at, -1 if now else 1))
    return out


def _queue_changes(records: Iterable[EventRecord]) -> list[tuple[float, int]]:
    """+1 when a contact starts waiting in a queue, -1 when it stops (offer, end, overflow…)."""
    waiting: set[str] = set()
    out = []
    for r in records:
        cid = r.contact_id
        if cid is None:
            continue
        if r.kind == "contact.queued":
            if cid not in waiting:
                waiting.add(cid)
                out.append((r.at, 1))
        elif r.kind in LEAVES_QUEUE and cid in waiting:
            waiting.discard(cid)
            out.append((r.at, -1))
    return out


def time_average(
    changes: list[tuple[float, int]], start: float, step: float, n: int
) -> tuple[list[float], list[float]]:
    """Time-average and maximum, per bucket [start + k·step, +step), of a counter that starts
    at 0 and moves by the given (time, delta) changes (in time order).

    The maximum counts only values held for some time: a contact queued and offered to an idle
    agent in the same instant never waited, so it must not show as a queue of 1 (it did, in
    every quiet interval, next to an average of 0.0)."""
    area, peak = [0.0] * n, [0.0] * n
    value, last = 0, start
    for t, delta in [*changes, (start + n * step, 0)]:
        t = max(t, start)
        while last < t:
            k = int((last - start) // step)
            if k >= n:
                break
            edge = min(t, start + (k + 1) * step)
            area[k] += value * (edge - last)
            peak[k] = max(peak[k], value)
            last = edge
        value += delta
    return [a / step for a in area], peak


def occupancy_per_bucket(
    records: Iterable[EventRecord], start: float, step: float, n: int
) -> list[float | None]:
    """`Kpis.occupancy` for every bucket in one pass over the agent state spans."""
    occupied, staffed = [0.0] * n, [0.0] * n
    end = start + n * step
    for span in agent_spans(records):
        if span.state not in STAFFED_STATES:
            continue
        busy = span.state in OCCUPIED_STATES
        a, b = max(span.start, start), min(span.end, end)
        while a < b:
            k = int((a - start) // step)
            edge = min(b, start + (k + 1) * step)
            staffed[k] += edge - a
            if busy:
                occupied[k] += edge - a
            a = edge
    return [o / s if s else None for o, s in zip(occupied, staffed, strict=True)]
