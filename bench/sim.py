"""Simulator benchmark: our twin (the full routing engine) vs an equivalent SimPy model.

`.venv/bin/python bench/sim.py [--quick]`. One single-skill queue, Poisson arrivals (flat over the
day), lognormal handle times, exponential patience (callers abandon), N agents all day, no ring
time and no wrap-up — the model SimPy users write first (`simpy.Resource` + `AnyOf(request,
patience)`). Both run the same day size; we report simulated calls per second of wall time for
each, the ratio, and their service level / abandon rate next to Erlang A, to show both model the
same queue. Our figure times `Simulation.run()` (router, traffic model, schedules, every fact
recorded); the KPI fold over the facts (`hotline.kpi`) is timed apart, since SimPy only counts.
`--repeat N` alternates the two N times and keeps each one's fastest run; the RESULT line also
gives the ratio in CPU seconds (`speedup_vs_simpy_cpu`), which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotline.kpi import compute_kpis
from hotline.sim import Simulation, scenario_from_dict

DAY_S = 86_400.0
AHT_S, CV, PATIENCE_S, THRESHOLD_S = 180.0, 1.0, 120.0, 20.0


def agents_for(calls: int) -> int:
    """Square-root staffing with a thin margin (load + 0.3·√load): busy enough at any scale
    that some callers give up, so abandonment is exercised in both models."""
    load = calls / DAY_S * AHT_S
    return math.ceil(load + 0.3 * math.sqrt(load))


def twin_scenario(calls: int, agents: int, seed: int):
    doc = {
        "name": "bench",
        "center": {
            "center": {"name": "bench"},
            "queues": [{"id": "q", "skills": {"s": 1}, "wrap_up_s": 0, "offer_timeout_s": 600}],
        },
        "seed": seed,
        "kpi": {"sl_threshold_s": THRESHOLD_S, "short_abandon_s": 0},
        "agent_behaviour": {"accept_delay": {"dist": "fixed", "value_s": 0}},
        "drain_hours": 1,
        "flows": [
            {
                "name": "calls",
                "queue": "q",
                "volume_per_day": calls,
                "handle": {"dist": "lognormal", "mean_s": AHT_S, "cv": CV},
                "patience": {"dist": "exponential", "mean_s": PATIENCE_S},
            }
        ],
        "staffing": [
            {
                "name": "all",
                "count": agents,
                "skills": {"s": 5},
                "chat_capacity": 0,
                "start": "00:00",
                "end": "24:00",
            }
        ],
    }
    return scenario_from_dict(doc)


def run_twin(calls: int, agents: int, seed: int) -> dict:
    sc = twin_scenario(calls, agents, seed)
    sim = Simulation(sc)
    t, cpu = time.perf_counter(), time.process_time()
    stats = sim.run()
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    t = time.perf_counter()
    k = compute_kpis(sim.records, sc.start, sc.end, options=sc.kpi_options)
    kpi_s = time.perf_counter() - t
    return {
        "calls": stats.arrivals,
        "wall_s": wall,
        "cpu_s": cpu,
        "kpi_s": kpi_s,
        "sl": k.service_level,
        "abandon": k.abandon_rate,
        "asa": k.asa_s,
        "facts": len(sim.records),
    }


def run_simpy(calls: int, agents: int, seed: int) -> dict:
    """The same queue as SimPy users write it: one process per caller."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    rng = random.Random(seed)
    sigma = math.sqrt(math.log1p(CV**2))
    mu = math.log(AHT_S) - sigma**2 / 2
    rate = calls / DAY_S
    n = {"calls": 0, "answered": 0, "in_sl": 0, "abandoned": 0, "wait": 0.0}

    def caller(env: simpy.Environment):
        arrived = env.now
        with desk.request() as req:
            patience = env.timeout(rng.expovariate(1 / PATIENCE_S))
            got = yield req | patience
            if req not in got:
                n["abandoned"] += 1
                return
            wait = env.now - arrived
            n["answered"] += 1
            n["in_sl"] += wait <= THRESHOLD_S
            n["wait"] += wait
            yield env.timeout(rng.lognormvariate(mu, sigma))

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= DAY_S:
                return
            n["calls"] += 1
            env.process(caller(env))

    env.process(source(env))
    t, cpu = time.perf_counter(), time.process_time()
    env.run(until=DAY_S + 3600)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    served = n["answered"] + n["abandoned"]
    return {
        "calls": n["calls"],
        "wall_s": wall,
        "cpu_s": cpu,
        "sl": n["in_sl"] / served,
        "abandon": n["abandoned"] / served,
        "asa": n["wait"] / n["answered"],
    }


def erlang_a_figures(calls: int, agents: int) -> tuple[float, float] | None:
    try:
        from hotline.wfm.erlang import erlang_a
    except ImportError:  # pragma: no cover - wfm not installed
        return None
    r = erlang_a(agents, calls / DAY_S, AHT_S, PATIENCE_S, THRESHOLD_S)
    return r.service_level, r.abandon_rate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="20,000 calls instead of 200,000")
    p.add_argument("--calls", type=int, default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run both models this many times, alternating, and keep each one's fastest run "
        "(the machine is shared: the best of a few interleaved runs is the stable ratio)",
    )
    args = p.parse_args()
    calls = args.calls or (20_000 if args.quick else 200_000)
    agents = agents_for(calls)
    print(
        f"single skill, {calls:,} calls/day, {agents} agents, AHT {AHT_S:g} s "
        f"(lognormal cv {CV:g}), patience exp {PATIENCE_S:g} s, SL threshold {THRESHOLD_S:g} s"
    )
    twin, simp = run_twin(calls, agents, args.seed), run_simpy(calls, agents, args.seed)
    for _ in range(args.repeat - 1):  # same seed, same answers: only the wall time differs
        twin = min(twin, run_twin(calls, agents, args.seed), key=lambda r: r["cpu_s"])
        simp = min(simp, run_simpy(calls, agents, args.seed), key=lambda r: r["cpu_s"])
    theory = erlang_a_figures(calls, agents)
    print(
        f"{'model':<22}{'calls':>9}{'wall s':>9}{'calls/s':>10}{'SL':>8}{'abandon':>9}{'ASA s':>8}"
    )
    for name, r in (("hotline twin (router)", twin), ("SimPy", simp)):
        print(
            f"{name:<22}{r['calls']:>9}{r['wall_s']:>9.2f}{r['calls'] / r['wall_s']:>10,.0f}"
            f"{r['sl']:>8.1%}{r['abandon']:>9.2%}{r['asa']:>8.1f}"
        )
    if theory:
        print(f"{'Erlang A (exp. handle)':<22}{'':>28}{theory[0]:>8.1%}{theory[1]:>9.2%}")
    print(
        f"twin also recorded {twin['facts']:,} facts; KPI fold over them took {twin['kpi_s']:.2f} s"
    )
    ours, theirs = twin["calls"] / twin["wall_s"], simp["calls"] / simp["wall_s"]
    # CPU seconds too: on a shared machine a process waiting for a core loses wall time that
    # says nothing about the code, so the CPU ratio is the steadier of the two.
    cpu_ratio = (twin["calls"] / twin["cpu_s"]) / (simp["calls"] / simp["cpu_s"])
    print(
        f"RESULT sim_calls_per_s={ours:.0f} simpy_calls_per_s={theirs:.0f} "
        f"speedup_vs_simpy={ours / theirs:.2f} speedup_vs_simpy_cpu={cpu_ratio:.2f}"
    )


if __name__ == "__main__":
    main()
