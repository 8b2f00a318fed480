"""A/B of the API latency: an older checkout's server against this one, interleaved.

    python bench/route_ab.py --base-src /tmp/base/src [--rounds 3] [--seconds 3]

On a shared machine the absolute figures move with the neighbours from one minute to the
next, so a before/after comparison is only fair when the two run in turns under the same
conditions: each round runs base and new on SQLite and PostgreSQL (`bench/route_api.py`,
200 bots, paced 50 contacts/s) and the summary compares medians and worst runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.route_api import run_api


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-src", required=True, help="the `src` directory of the base checkout")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    args = p.parse_args()
    runs: dict[tuple[str, str], list] = {}
    for rnd in range(args.rounds):
        for db in args.db or ("sqlite", "postgresql"):
            for side in ("base", "new"):
                if side == "base":
                    os.environ["BENCH_SERVER_SRC"] = args.base_src
                else:
                    os.environ.pop("BENCH_SERVER_SRC", None)
                r = run_api(db, agents=200, seconds=args.seconds, rate=args.rate)
                runs.setdefault((db, side), []).append(r)
                print(
                    f"round {rnd + 1} {db:<10} {side:<4} paced p50 {r.paced_p50_ms:7.1f} ms "
                    f"p99 {r.paced_p99_ms:7.1f} ms p99.9 {r.paced_p999_ms:7.1f} ms; saturated "
                    f"{r.per_s:4.0f}/s; errors {r.errors}",
                    flush=True,
                )
    fields = []
    for (db, side), rs in runs.items():
        p99 = sorted(r.paced_p99_ms for r in rs)
        short = "pg" if db == "postgresql" else db
        print(
            f"{db:<10} {side:<4} p50 {statistics.median(r.paced_p50_ms for r in rs):7.1f} ms  "
            f"p99 median {statistics.median(p99):7.1f} ms (spread {p99[0]:.1f}-{p99[-1]:.1f})  "
            f"saturated {statistics.median(r.per_s for r in rs):.0f}/s"
        )
        fields += [
            f"{short}_{side}_p99_ms={statistics.median(p99):.1f}",
            f"{short}_{side}_p99_ms_max={p99[-1]:.1f}",
            f"{short}_{side}_per_s={statistics.median(r.per_s for r in rs):.0f}",
        ]
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    main()
