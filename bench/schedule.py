"""Scheduling benchmark: our HiGHS MILP vs pyworkforce's MinRequiredResources (OR-Tools CP-SAT).

`.venv/bin/python -m bench.schedule [--quick]`

The requirement: agents per half hour from Erlang C (80% in 20 s, AHT 300 s) for a
10086-style specialist line of 8,000 calls a day -- one day with `--quick`, a week (weekdays
busier than weekends) without. The shifts, identical for both: full-time 9 h with a 1 h
unpaid meal starting 3-5 h in, and part-time 4 h without a break, starting every 30 minutes;
no shift may run past midnight (pyworkforce solves each day on its own).

pyworkforce has no break placement, so every (start, meal position) pair is handed to it as its
own shift pattern, exactly the columns our model enumerates. By default it minimises
headcount; here it gets `cost_dict` = paid half-hours per shift, so both minimise paid hours
and the comparison is like for like. It imports OR-Tools, whose HiGHS clashes with highspy, so
it runs in a subprocess that times only `solve()`. Our time includes building the model.
Shortfall intervals = intervals where the chosen shifts leave fewer agents than required.
A last, informational row (not in RESULT) solves the same requirement as a repeating rota
whose shifts may start at any half hour and cross midnight (0.5% gap), which pyworkforce
cannot model.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np

from hotline.commands.wfm import quiet_highs
from hotline.wfm.erlang import IntervalDemand, ServiceTarget, staffing
from hotline.wfm.schedule import DEFAULT_GROUP, BreakRule, ScheduleProblem, ShiftTemplate
from hotline.wfm.schedule import solve_schedule as solve

STEP = 30
PER_DAY = 1440 // STEP
HOURLY = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 8, 7, 5, 3, 2)
DAY_VOLUME = (8000, 7600, 7400, 7500, 7800, 5200, 4600)  # Mon..Sun
TEMPLATES = (
    ShiftTemplate.every("ft", 540, 0, 1440 - 540, STEP, breaks=(BreakRule(60, 180, 300),)),
    ShiftTemplate.every("pt", 240, 0, 1440 - 240, STEP),
)

PYWORKFORCE = """
import json, sys, time
from pyworkforce.scheduling import MinRequiredResources
job = json.load(sys.stdin)
model = MinRequiredResources(num_days=job["days"], periods=job["periods"],
    shifts_coverage=job["coverage"], required_resources=job["required"],
    max_period_concurrency=job["cap"], max_shift_concurrency=job["cap"],
    cost_dict=job["cost"], max_search_time=float(job["limit"]))
t = time.perf_counter()
solution = model.solve()
solution["seconds"] = time.perf_counter() - t
print(json.dumps(solution))
"""


def requirement(days: int) -> list[int]:
    """Agents per half hour (Erlang C, 80/20, AHT 300 s) for `days` days from Monday."""
    weights = [w for w in HOURLY for _ in range(2)]
    out: list[int] = []
    for d in range(days):
        calls = [DAY_VOLUME[d % 7] * w / sum(weights) for w in weights]
        rows = [IntervalDemand(str(i), c, 300.0, STEP * 60.0) for i, c in enumerate(calls)]
        out += [r.agents for r in staffing(rows, ServiceTarget(20.0, 0.8))]
    return out


def day_patterns() -> tuple[dict[str, list[int]], dict[str, int]]:
    """Every (template, start, meal) as a 0/1 coverage array over one day, with its cost."""
    coverage: dict[str, list[int]] = {}
    cost: dict[str, int] = {}
    for tpl in TEMPLATES:
        meals = [None] if not tpl.breaks else list(range(180, 301, STEP))
        for start in tpl.starts_min:
            for meal in meals:
                row = [0] * PER_DAY
                for m in range(start, start + tpl.length_min, STEP):
                    if meal is None or not start + meal <= m < start + meal + 60:
                        row[m // STEP] = 1
                name = f"{tpl.name}_{start}" + (f"_m{meal}" if meal is not None else "")
                coverage[name] = row
                cost[name] = tpl.paid_min() // STEP
    return coverage, cost


def pyworkforce(req: list[int], days: int, limit: float) -> dict | None:
    coverage, cost = day_patterns()
    job = {"days": days, "periods": PER_DAY, "coverage": coverage, "cost": cost, "limit": limit,
           "required": [req[d * PER_DAY:(d + 1) * PER_DAY] for d in range(days)],
           "cap": 10 * max(req)}  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", PYWORKFORCE], input=json.dumps(job), text=True,
                          capture_output=True, timeout=limit * 3 + 120, check=False)  # fmt: skip
    if proc.returncode != 0:
        print(f"pyworkforce failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    sol = json.loads(proc.stdout)
    on_duty = np.zeros(days * PER_DAY)
    paid = 0.0
    for row in sol["resources_shifts"]:
        if row["resources"] > 0:
            day = row["day"]
            on_duty[day * PER_DAY : (day + 1) * PER_DAY] += row["resources"] * np.array(
                coverage[row["shift"]]
            )
            paid += row["resources"] * cost[row["shift"]] * STEP / 60
    short = int((on_duty < np.array(req)).sum())
    return {"paid": paid, "short": short, "seconds": sol["seconds"], "status": sol["status"],
            "headcount": sum(r["resources"] for r in sol["resources_shifts"])}  # fmt: skip


def ours(req: list[int], limit: float, gap: float, *, wrap: bool = False) -> dict:
    """Solve with the shared templates; `wrap=True` is our rota mode, where shifts may start
    any time and run past midnight (beyond what pyworkforce can express)."""
    quiet_highs()  # HiGHS's one-off start-up (and banner), outside the timed region
    templates = TEMPLATES
    if wrap:
        templates = tuple(ShiftTemplate.every(t.name, t.length_min, 0, 1440 - STEP, STEP,
                                              breaks=t.breaks) for t in TEMPLATES)  # fmt: skip
    started = time.perf_counter()
    plan = solve(ScheduleProblem(STEP, {DEFAULT_GROUP: req}, templates, time_limit_s=limit,
                                 mip_gap=gap, wrap=wrap))  # fmt: skip
    seconds = time.perf_counter() - started
    short = int((plan.on_duty < np.array(req)).sum())
    return {"paid": plan.paid_hours, "short": short, "seconds": seconds, "status": plan.status,
            "headcount": plan.headcount, "gap": plan.gap}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one day instead of a week (< 60 s)")
    p.add_argument("--limit", type=float, default=None, help="solver time limit, seconds")
    args = p.parse_args()
    days = 1 if args.quick else 7
    limit = args.limit or (20.0 if args.quick else 120.0)
    gap = 0.0 if args.quick else 0.005
    req = requirement(days)
    bound = sum(req) * STEP / 60
    print(f"{days} day(s) x {PER_DAY} half-hours, peak {max(req)} agents, "
          f"{bound:,.1f} agent-hours required (a lower bound on paid hours)")  # fmt: skip
    mine = ours(req, limit, gap)
    theirs = pyworkforce(req, days, limit)
    rota = ours(req, limit, 0.005, wrap=True)
    print(f"{'':<28}{'paid h':>9}{'headcount':>10}{'short int.':>11}{'seconds':>9}  status")
    rows = (("hotline", mine), ("pyworkforce", theirs), ("hotline, cross-midnight rota", rota))
    for name, r in rows:
        if r is not None:
            print(f"{name:<28}{r['paid']:>9.1f}{r['headcount']:>10}{r['short']:>11}"
                  f"{r['seconds']:>9.2f}  {r['status']}")  # fmt: skip
    their_paid = theirs["paid"] if theirs else math.nan
    print(
        f"RESULT paid_hours={mine['paid']:.1f} pyworkforce_paid_hours={their_paid:.1f} "
        f"shortfall_intervals={mine['short']} seconds={mine['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()
