"""What `hotline plan` prints: the rounds, the roster of the last round and, per interval, the
agents Erlang A asks for against those the roster puts on the floor and what the twin then
measured -- so a planner sees *where* a plan holds or misses, not only the day's totals.

Pure formatting over `PlanIteration`s (Rich tables and CSV rows); no solving, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.table import Table

from hotline.sim.plan import MIN_CONTACTS_TO_JUDGE, PlanIteration, PlanTarget
from hotline.sim.scenario import Scenario


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def interval_view(scenario: Scenario, rounds: Sequence[PlanIteration], target: PlanTarget) -> Table:
    """One row per interval of the last round: Erlang A's agents (round 1), the requirement
    after the simulate-and-fix rounds, agents the roster has on the floor (not on a break),
    agents the twin had logged in, and the simulated offered, SL and abandon rate."""
    first, best = rounds[0], rounds[-1]
    on_floor = best.schedule.coverage.get("agents", best.schedule.on_duty)
    missed = set(best.missed)
    table = Table(
        title=f"per interval, round {len(rounds)}: required vs scheduled vs simulated "
        f"(target {target.service_level:.0%} in {target.threshold_s:g} s, "
        f"abandon ≤ {target.max_abandon:.0%})",
        caption="Erlang A: agents for the target from the formula alone (round 1); required: "
        "after the simulate-and-fix rounds; scheduled: the roster's agents on shift and not on "
        "a break; logged in: the twin's agents logged in (breaks included), time-average",
    )
    cols = ["start", "Erlang A", "required", "scheduled", "logged in", "offered", "SL"]
    cols += ["abandon", "verdict"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("start", "verdict") else "right")
    for i, row in enumerate(best.result.intervals[: len(best.required)]):
        k = row.kpis
        if i in missed:
            verdict = "[red]missed[/red]"
        elif k.offered < MIN_CONTACTS_TO_JUDGE:
            verdict = "[dim]too few to judge[/dim]" if k.offered else ""
        else:
            verdict = "ok"
        table.add_row(
            f"{dt.datetime.fromtimestamp(row.start, scenario.tz):%H:%M}",
            str(first.required[i]),
            str(best.required[i]),
            f"{on_floor[i]:.0f}",
            f"{row.staffed:.1f}",
            str(k.offered),
            _pct(k.service_level),
            _pct(k.abandon_rate),
            verdict,
        )
    return table
