"""Erlang benchmark: our Erlang C vs pyworkforce, then Erlang C and Erlang A vs simulation.

`.venv/bin/python -m bench.erlang [--quick]`

Part 1 sizes 48 half-hour intervals x 10 queues (from a 300-calls/day desk to a
200,000-calls/day center, targets from 80/20 to the power grid's 98/20) with
`hotline.wfm.erlang.agents_for_service_level` and with pyworkforce's `ErlangC.required_positions`
(`raw_positions`, i.e. before shrinkage). pyworkforce imports OR-Tools, whose HiGHS clashes with
highspy, so it runs in a subprocess that times its own loop; process start and imports are
not counted. pyworkforce works in minutes and calls the SL threshold `asa`.

Part 2 is a queue where callers hang up: 40 agents, AHT 180 s, mean patience 90 s, offered
39.5 Erlangs (98.75% of capacity, as on a busy day; this one is in the RESULT line), then 35
Erlangs for context. Erlang C ignores abandonment; Erlang A
models it. The reference is an exact simulation of M/M/N+M with FCFS service written here:
with FCFS, a caller's wait is fixed by the callers ahead who are *served*, so a heap of the
agents' next free times gives each caller's wait; a caller whose patience is shorter than that
wait hangs up and never takes an agent. SL = answered within 20 s / all arrivals, the
definition of `ErlangA.service_level`; the error is |formula - simulation| in percentage points.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from hotline.wfm.erlang import agents_for_service_level, erlang_a, erlang_c_service_level

INTERVAL_MIN = 30
# Relative arrivals per hour of day; each hour is split into two half-hours.
HOURLY = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 8, 7, 5, 3, 2)


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    calls_per_day: int
    aht_s: float
    threshold_s: float
    target: float


QUEUES = (
    Queue("966666 airport", 670, 180, 20, 0.80),
    Queue("12306 railway", 3_200, 240, 20, 0.80),
    Queue("10086 specialists", 8_000, 300, 20, 0.80),
    Queue("95598 power grid", 20_000, 240, 20, 0.98),
    Queue("10010 center", 200_000, 300, 20, 0.80),
    Queue("bank", 50_000, 200, 15, 0.90),
    Queue("small desk", 300, 400, 30, 0.80),
    Queue("insurer", 12_000, 360, 20, 0.85),
    Queue("12345 city line", 30_000, 270, 20, 0.80),
    Queue("e-commerce", 100_000, 150, 20, 0.80),
)

PYWORKFORCE = """
import json, sys, time
from pyworkforce.queuing import ErlangC
jobs = json.load(sys.stdin)
t = time.perf_counter()
out = [ErlangC(transactions=j["calls"], aht=j["aht_s"] / 60, asa=j["threshold_s"] / 60,
               interval=j["interval_min"]).required_positions(service_level=j["target"])
       ["raw_positions"] for j in jobs]
print(json.dumps({"agents": out, "seconds": time.perf_counter() - t}))
"""


def intervals() -> list[dict]:
    """48 half-hour intervals per queue; at least one call each (pyworkforce refuses zero)."""
    weights = [w for w in HOURLY for _ in range(2)]
    total = sum(weights)
    jobs = []
    for q in QUEUES:
        for i, w in enumerate(weights):
            calls = max(1, round(q.calls_per_day * w / total))
            jobs.append({"queue": q.name, "interval": i, "calls": calls, "aht_s": q.aht_s,
                         "threshold_s": q.threshold_s, "target": q.target,
                         "interval_min": INTERVAL_MIN})  # fmt: skip
    return jobs


def ours(jobs: list[dict]) -> tuple[list[int], float]:
    started = time.perf_counter()
    out = [
        agents_for_service_level(
            j["calls"] / (INTERVAL_MIN * 60), j["aht_s"], j["threshold_s"], j["target"]
        )
        for j in jobs
    ]
    return out, time.perf_counter() - started


def pyworkforce(jobs: list[dict]) -> tuple[list[int], float] | None:
    proc = subprocess.run(
        [sys.executable, "-c", PYWORKFORCE], input=json.dumps(jobs), capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        print(f"pyworkforce failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    data = json.loads(proc.stdout)
    return data["agents"], data["seconds"]


def simulate(agents: int, rate: float, aht: float, patience: float, threshold: float,
             calls: int, seed: int) -> tuple[float, float]:  # fmt: skip
    """(SL over all arrivals, abandon rate) of FCFS M/M/N+M; the first 2% are warm-up."""
    rng = random.Random(seed)
    free = [0.0] * agents  # heap of the times at which each agent is next free
    t = 0.0
    warm = calls // 50
    good = gone = 0
    for i in range(calls):
        t += rng.expovariate(rate)
        start = max(t, free[0])
        if start - t > rng.expovariate(1 / patience):
            gone += i >= warm
            continue
        heapq.heapreplace(free, start + rng.expovariate(1 / aht))
        good += i >= warm and start - t <= threshold
    counted = calls - warm
    return good / counted, gone / counted


def part_one() -> dict:
    jobs = intervals()
    mine, my_s = ours(jobs)
    theirs = pyworkforce(jobs)
    print(f"{'queue':<20}{'calls/day':>10}{'target':>8}{'peak N ours':>12}{'peak N pyw':>11}"
          f"{'mismatch':>9}")  # fmt: skip
    mismatched = 0
    for q in QUEUES:
        idx = [i for i, j in enumerate(jobs) if j["queue"] == q.name]
        diff = sum(theirs is not None and mine[i] != theirs[0][i] for i in idx)
        mismatched += diff
        peak_theirs = max(theirs[0][i] for i in idx) if theirs else math.nan
        print(f"{q.name:<20}{q.calls_per_day:>10,}{q.target:>8.0%}{max(mine[i] for i in idx):>12}"
              f"{peak_theirs:>11}{diff:>9}")  # fmt: skip
    if theirs is None:
        return {"speedup": math.nan, "mismatched": -1}
    print(f"{len(jobs)} intervals: ours {my_s * 1000:.1f} ms, pyworkforce {theirs[1] * 1000:.1f} ms"
          f" (its own loop, in a subprocess)")  # fmt: skip
    return {"speedup": theirs[1] / my_s, "mismatched": mismatched}


def part_two(quick: bool) -> dict:
    """The busy queue of the RESULT line, then a moderately loaded one for context."""
    agents, aht, patience, threshold = 40, 180.0, 90.0, 20.0
    reps, calls = (10, 600_000) if quick else (20, 1_000_000)
    errors = {}
    for load in (39.5, 35.0):
        rate = load / aht
        runs = [simulate(agents, rate, aht, patience, threshold, calls, s) for s in range(reps)]
        sl = statistics.mean(r[0] for r in runs)
        ab = statistics.mean(r[1] for r in runs)
        half = 1.96 * statistics.stdev(r[0] for r in runs) / math.sqrt(reps)
        c = erlang_c_service_level(agents, rate, aht, threshold)
        a = erlang_a(agents, rate, aht, patience, threshold)
        print(f"\nM/M/{agents}+M, {load:g} Erlangs offered, AHT {aht:g} s, "
              f"patience {patience:g} s, {reps} x {calls:,} simulated calls")  # fmt: skip
        print(f"{'':<14}{'SL 20s':>9}{'abandon':>9}")
        print(f"{'simulation':<14}{sl:>9.2%}{ab:>9.2%}   (95% CI of SL: +/- {half * 100:.2f} pts)")
        print(f"{'Erlang A':<14}{a.service_level:>9.2%}{a.abandon_rate:>9.2%}")
        print(f"{'Erlang C':<14}{c:>9.2%}{0:>9.2%}   (assumes nobody hangs up)")
        errors.setdefault("c_err", abs(c - sl) * 100)
        errors.setdefault("a_err", abs(a.service_level - sl) * 100)
    return errors


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer simulated calls (< 60 s)")
    args = p.parse_args()
    one = part_one()
    two = part_two(args.quick)
    print(
        f"RESULT speedup_vs_pyworkforce={one['speedup']:.1f} "
        f"mismatched_intervals={one['mismatched']} "
        f"erlang_c_sl_error_pts={two['c_err']:.2f} erlang_a_sl_error_pts={two['a_err']:.2f}"
    )


if __name__ == "__main__":
    main()
