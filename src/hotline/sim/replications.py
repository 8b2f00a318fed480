"""Independent replications of a scenario, run in parallel, with a confidence interval on
every KPI of every day, queue and channel.

One simulated day is one draw: an interval that misses by two points may be noise. N runs
with seeds `seed, seed + 1, ...` (each a different day of arrivals, handle times and patience)
give a mean and a Student-t interval, so "SL 83.1% ± 1.4" says what the roster delivers and
how sure we are. Runs go to one process per core (`concurrent.futures`): the router is pure
Python, so threads would share one interpreter lock. Each worker returns only the KPI
summaries, never the records (a big day's records would cost more to pickle than to simulate).
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from rich.table import Table

from hotline.kpi import Kpis
from hotline.sim.result import simulate
from hotline.sim.scenario import Scenario

# (Kpis attribute, column header, format of one value)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("offered", "offered", "count"),
    ("answered", "answered", "count"),
    ("abandoned", "abandon", "count"),
    ("service_level", "SL", "pct"),
    ("abandon_rate", "abandon %", "pct"),
    ("asa_s", "ASA s", "sec"),
    ("aht_s", "AHT s", "sec"),
    ("occupancy", "occupancy", "pct"),
    ("callback_completion_rate", "cb done %", "pct"),
)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The KPIs of one replication (what `SimResult` holds, less records and intervals)."""

    seed: int
    total: Kpis
    per_day: list[Kpis]
    by_queue: dict[str, Kpis]
    by_channel: dict[str, Kpis]
    intervals: list[Kpis]  # per KPI interval; empty unless asked for


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean and its two-sided confidence interval over `n` replications."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def run_one(scenario: Scenario, seed: int, intervals: bool = False) -> RunSummary:
    """One replication (module level, so a worker process can unpickle the call)."""
    r = simulate(scenario, seed=seed, with_intervals=intervals)
    rows = [row.kpis for row in r.intervals]
    return RunSummary(r.seed, r.total, r.per_day, r.by_queue, r.by_channel, rows)


def replicate(
    scenario: Scenario,
    seeds: Sequence[int],
    *,
    workers: int | None = None,
    intervals: bool = False,
    done: Callable[[RunSummary], None] | None = None,
) -> list[RunSummary]:
    """Run one replication per seed, `workers` at a time (default: one per core), and return
    them in seed order; `done` is called as each one finishes. `intervals` keeps the KPIs
    of every interval (for `hotline plan`)."""
    if not seeds:
        return []
    workers = max(1, min(len(seeds), workers or os.cpu_count() or 1))
    if workers == 1:
        out = []
        for seed in seeds:
            out.append(run_one(scenario, seed, intervals))
            if done:
                done(out[-1])
        return out
    results: dict[int, RunSummary] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(run_one, scenario, seed, intervals): i for i, seed in enumerate(seeds)
        }
        for future in as_completed(futures):
            results[futures[future]] = summary = future.result()
            if done:
                done(summary)
    return [results[i] for i in range(len(seeds))]


def confidence_interval(values: Sequence[float], level: float = 0.95) -> Interval | None:
    """Student-t interval of the mean (None for no values; zero width for a single one)."""
    if not values:
        return None
    mean = statistics.fmean(values)
    n = len(values)
    if n == 1:
        return Interval(mean, mean, mean, 1)
    from scipy.stats import t

    half = float(t.ppf((1 + level) / 2, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def metric_interval(kpis: Sequence[Kpis], name: str, level: float = 0.95) -> Interval | None:
    """The interval of one KPI over the replications where it is defined."""
    values = [float(v) for v in (getattr(k, name) for k in kpis) if v is not None]
    return confidence_interval(values, level)


def scopes(runs: Sequence[RunSummary]) -> list[tuple[str, list[Kpis]]]:
    """Each day (for a run of several), each queue and channel, and the whole run: the
    rows of `hotline simulate`'s day table, each with its KPIs from every replication."""
    first = runs[0]
    rows: list[tuple[str, list[Kpis]]] = []
    if len(first.per_day) > 1:
        rows += [(f"day {d + 1}", [r.per_day[d] for r in runs]) for d in range(len(first.per_day))]
    rows += [
        (f"queue {q}", [r.by_queue[q] for r in runs if q in r.by_queue]) for q in first.by_queue
    ]
    rows += [(f"channel {c}", [r.by_channel[c] for r in runs]) for c in first.by_channel]
    rows.append(("ALL", [r.total for r in runs]))
    return rows


def _show(iv: Interval | None, kind: str) -> str:
    if iv is None:
        return "-"
    if kind == "pct":
        return f"{iv.mean:.1%} ± {iv.half_width * 100:.1f}"
    if kind == "sec":
        return f"{iv.mean:.1f} ± {iv.half_width:.1f}"
    return f"{iv.mean:,.1f} ± {iv.half_width:,.1f}"


def ci_table(title: str, runs: Sequence[RunSummary], level: float = 0.95) -> Table:
    """Mean ± half-width of the `level` interval for every KPI and scope (± in points for
    percentages)."""
    table = Table(title=title, caption=f"mean ± half-width of the {level:.0%} confidence "
                  f"interval over {len(runs)} replications (± in percentage points)")  # fmt: skip
    table.add_column("scope")
    for _, header, _ in METRICS:
        table.add_column(header, justify="right")
    for name, kpis in scopes(runs):
        table.add_row(
            name, *(_show(metric_interval(kpis, m, level), kind) for m, _, kind in METRICS)
        )
    return table
