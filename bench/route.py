"""Routing benchmark: the engine alone, then the same through the API on SQLite and PostgreSQL.

    python bench/route.py [--quick]

Engine: 1,000 agents, 30 skills, 20 queues, 200,000 contacts over a simulated day, with a
naive scan-everything router (Asterisk app_queue style) on a 1/10 slice beside it for
reference (`bench/route_engine.py`). API: a real `hotline serve` process per database with 200
agent bots connected over WebSockets (accepting and completing what they are offered); first
a saturated phase (contacts created per second = capacity), then Poisson arrivals at a steady
rate (p50/p99/p99.9 latency as a channel adapter sees it) (`bench/route_api.py`), repeated
`--reps` times (3) per database with a fresh server each, reporting the median and the spread:
single runs swing by 3x on a busy machine. Client and server share this machine's two cores,
so API figures are a floor. `bench/route_probe.py` attributes the tail (loop lag, commits, GC).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.route_api import run_api
from bench.route_engine import build_workload, drive, run_engine
from hotline.domain import Strategy
from hotline.kpi import compute_kpis
from hotline.routing import Router


class Recording(Router):
    """The real router, keeping every fact it emits (as the store would)."""

    def __init__(self, config) -> None:
        super().__init__(config)
        self.log: list = []

    def handle(self, event, now):
        try:
            out = super().handle(event, now)
        except Exception as exc:
            self.log += getattr(exc, "outputs", [])
            raise
        self.log += out
        return out

    def tick(self, now):
        out = super().tick(now)
        self.log += out
        return out


def ewt_accuracy(agents: int, contacts: int, seed: int) -> dict:
    """Estimated vs actual wait where callers do queue: a smaller center, 6 busy hours."""
    wl = build_workload(agents, 30, 20, contacts, seed, day_s=86400 / 4)
    router = Recording(wl.config)
    drive(router, wl)
    k = compute_kpis(router.log, 0, 86400)
    return {
        "ewt_mae_s": k.ewt_mae_s,
        "samples": k.ewt_samples,
        "asa_s": k.asa_s,
        "service_level": k.service_level,
    }


def engine_part(args, contacts: int, strategies) -> tuple[dict, dict]:
    """The engine alone (and the naive scan beside it), then the wait-estimate accuracy."""
    eng = run_engine(contacts=contacts, seed=args.seed, strategies=strategies, naive=True)
    print(f"engine: {contacts} contacts, 1,000 agents, 30 skills, 20 queues")
    for name, s in eng["runs"].items():
        print(
            f"  {name:<22} {s['decisions_per_s']:>8.0f} decisions/s  p50 {s['p50_us']:.0f} µs"
            f"  p99 {s['p99_us']:.0f} µs  SL20 {s['service_level']:.1%}"
        )
    if "small_naive" in eng:
        for label in ("small_engine", "small_naive"):
            s = eng[label]
            print(
                f"  {label:<22} {s['decisions_per_s']:>8.0f} decisions/s  p50 {s['p50_us']:.0f}"
                f" µs  p99 {s['p99_us']:.0f} µs   (1/10 slice)"
            )
    acc = ewt_accuracy(*((100, 7000) if args.quick else (200, 15000)), args.seed)
    print(
        f"  wait estimate, busy center: mean abs error {acc['ewt_mae_s']:.1f} s over "
        f"{acc['samples']} answered contacts (ASA {acc['asa_s']:.1f} s, "
        f"SL {acc['service_level']:.1%})"
    )
    return eng, acc


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a run under a minute")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=50.0, help="paced API arrivals per second")
    p.add_argument("--reps", type=int, default=3, help="API runs per database (fresh servers)")
    p.add_argument("--api-only", action="store_true", help="skip the engine benchmark")
    args = p.parse_args()
    contacts = 10_000 if args.quick else 200_000
    strategies = (Strategy.LONGEST_IDLE,) if args.quick else tuple(Strategy)
    head = ""
    if not args.api_only:
        eng, acc = engine_part(args, contacts, strategies)
        head = (
            f"engine_decisions_per_s={eng['engine_decisions_per_s']:.0f} "
            f"engine_p99_us={eng['engine_p99_us']:.1f} ewt_mae_s={acc['ewt_mae_s']:.1f} "
        )
    seconds = 3.0 if args.quick else 20.0
    api = {db: [] for db in ("sqlite", "postgresql")}
    for rep in range(args.reps):
        for db in api:
            r = run_api(db, agents=200, seconds=seconds, rate=args.rate)
            api[db].append(r)
            print(
                f"api {db:<10} run {rep + 1}: saturated {r.per_s:.0f} contacts/s (p50 "
                f"{r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms); paced {r.paced_rate:.0f}/s: p50 "
                f"{r.paced_p50_ms:.1f} ms, p99 {r.paced_p99_ms:.1f} ms, p99.9 "
                f"{r.paced_p999_ms:.1f} ms ({r.paced_n} requests); answered by bots "
                f"{r.answered}; errors {r.errors}"
            )
    fields = {}
    for db, short in (("sqlite", "sqlite"), ("postgresql", "pg")):
        runs = api[db]
        p99s = sorted(r.paced_p99_ms for r in runs)
        print(
            f"api {db:<10} over {len(runs)} runs: paced p50 "
            f"{statistics.median(r.paced_p50_ms for r in runs):.1f} ms, p99 median "
            f"{statistics.median(p99s):.1f} ms (spread {p99s[0]:.1f}-{p99s[-1]:.1f}), p99.9 max "
            f"{max(r.paced_p999_ms for r in runs):.1f} ms; saturated "
            f"{statistics.median(r.per_s for r in runs):.0f} contacts/s"
        )
        fields |= {
            f"api_{short}_contacts_per_s": f"{statistics.median(r.per_s for r in runs):.0f}",
            f"api_{short}_p99_ms": f"{statistics.median(p99s):.1f}",
            f"api_{short}_p50_ms": f"{statistics.median(r.paced_p50_ms for r in runs):.1f}",
            f"api_{short}_p99_ms_min": f"{p99s[0]:.1f}",
            f"api_{short}_p99_ms_max": f"{p99s[-1]:.1f}",
            f"api_{short}_p999_ms_max": f"{max(r.paced_p999_ms for r in runs):.1f}",
            f"api_{short}_errors": str(sum(r.errors for r in runs)),
        }
    worst = max(r.paced_p99_ms for runs in api.values() for r in runs)
    print(
        f"RESULT {head}"
        + " ".join(f"{k}={v}" for k, v in fields.items())
        + f" api_p99_ms_max={worst:.1f} api_runs={args.reps}"
    )


if __name__ == "__main__":
    main()
