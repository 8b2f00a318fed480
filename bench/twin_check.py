"""Twin check benchmark: a scenario window on a live `hotline serve` vs the twin (issue 17).

    python bench/twin_check.py [--quick] [--scenario scenarios/966666.yaml] [--speed 10]
                               [--minutes 3] [--start 09:00] [--bots N] [--runs 20]
                               [--interval 15] [--surge 3 [--surge-at 09:10]]

`hotline.commands.twin_check.run_check` does the work: a throw-away SQLite database with the
scenario's center (durations divided by the speed), a real server in a subprocess, the live
drive's callers and bot agents through the HTTP API and WebSocket stream, then the twin's
run of the same window with the same seed and `--runs` twin runs differing only in their ring
delays for the tolerance. Prints the comparison table; the RESULT line gives the whole-window
service level, abandon rate and ASA of both sides, how many KPIs were compared and how many
fell outside tolerance (per queue, whole window, and per `--interval` of the whole center).
`--surge F`: every flow's arrivals × F from `--surge-at` (default: the window's middle) to its
end, on both sides (a sudden spike: an outage, a storm, a mass flight delay).
`--quick`: 2 real minutes at ×10 (20 minutes of the 09:00 peak).
The machine is shared and loaded: a slow server adds latency to every answer, which the ASA
tolerance's floor (3 s) absorbs only up to a point, so run at a lower `--speed` when it fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.commands.twin_check import check_table, console, run_check  # noqa: E402
from hotline.sim import load_scenario  # noqa: E402


def _pct(v: float | None) -> str:
    return "nan" if v is None else f"{v:.4f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "966666.yaml")
    p.add_argument("--speed", type=float, default=10.0)
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--start", default="09:00")
    p.add_argument("--day", type=int, default=1, help="scenario day (95598's typhoon: 2)")
    p.add_argument("--bots", type=int, default=None)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--interval", type=float, default=15.0, help="minutes")
    p.add_argument("--surge", type=float, default=None)
    p.add_argument("--surge-at", default=None)
    args = p.parse_args()
    minutes = args.minutes or (2.0 if args.quick else 6.0)
    sc = load_scenario(args.scenario)
    r = run_check(
        sc, speed=args.speed, minutes=minutes, start_clock=args.start, day=args.day, bots=args.bots,
        runs=args.runs, interval_min=args.interval, surge=args.surge, surge_at=args.surge_at,
        log=console.print,
    )  # fmt: skip
    d = r.drive
    console.print(
        f"live: {d.created} contacts ({d.retrials} retrials), {d.bot_answered} answered by "
        f"{d.bots} bots, {d.abandoned} abandoned, {d.seconds:.0f} s; errors {dict(d.errors)}"
    )
    console.print(check_table(r))
    out = sum(not c.ok for c in (*r.checks, *r.interval_checks))
    asa_l, asa_t = r.value("live", "asa_s"), r.value("twin", "asa_s")
    print(
        f"RESULT sl_live={_pct(r.value('live', 'service_level'))} "
        f"sl_twin={_pct(r.value('twin', 'service_level'))} "
        f"abandon_live={_pct(r.value('live', 'abandon_rate'))} "
        f"abandon_twin={_pct(r.value('twin', 'abandon_rate'))} "
        f"asa_live={asa_l if asa_l is None else round(asa_l, 2)} "
        f"asa_twin={asa_t if asa_t is None else round(asa_t, 2)} "
        f"offered_live={r.live['ALL'].offered if 'ALL' in r.live else 0} "
        f"offered_twin={r.twins[0].scopes['ALL'].offered} "
        f"intervals={len(r.live_intervals)} "
        f"kpis_checked={len(r.checks) + len(r.interval_checks)} kpis_out={out}"
    )
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
