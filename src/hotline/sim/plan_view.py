"""What `hotline plan` prints: the rounds, the roster of the last round and, per interval, the
agents Erlang A asks for against those the roster puts on the floor and what the twin then
measured -- so a planner sees *where* a plan holds or misses, not only the day's totals.

Pure formatting over `PlanIteration`s (Rich tables and CSV rows); no solving, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.table import Table

from hotline.kpi import Kpis
from hotline.sim.plan import MIN_CONTACTS_TO_JUDGE, PlanIteration, PlanTarget, Spread
from hotline.sim.replications import Interval, metric_interval
from hotline.sim.scenario import Scenario


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def rounds_table(title: str) -> Table:
    """The rounds of the loop, one row each as they finish (see `add_round`)."""
    cols = ["round", "paid hours", "agents", "SL", "abandon", "ASA s", "intervals missed"]
    return Table(*cols, title=title)


def add_round(table: Table, it: PlanIteration) -> None:
    """A round's row: the day's KPIs (mean ± half-width with replications)."""
    runs = it.totals or (it.result.total,)

    def cell(name: str, kind: str) -> str:
        iv = metric_interval(runs, name)
        if iv is None:
            return "-"
        text = f"{iv.mean:.1%}" if kind == "pct" else f"{iv.mean:.1f}"
        if iv.n > 1:
            text += f" ± {iv.half_width * 100:.1f}" if kind == "pct" else f" ± {iv.half_width:.1f}"
        return text

    table.add_row(
        str(len(table.rows) + 1),
        f"{it.paid_hours:.1f}",
        str(it.schedule.headcount),
        cell("service_level", "pct"),
        cell("abandon_rate", "pct"),
        cell("asa_s", "sec"),
        str(len(it.missed)),
    )


def _spread(iv: Interval | None) -> str:
    return "-" if iv is None else f"{iv.mean:.1%} ± {iv.half_width * 100:.1f}"


def _verdict(missed: bool, k: Kpis, spread: Spread | None, target: PlanTarget) -> str:
    """`missed`; with replications `unsure` where the mean misses but the interval straddles
    the target; `too few to judge` for a quiet interval; else `ok`."""
    if missed:
        return "[red]missed[/red]"
    offered = spread.offered if spread else k.offered
    if offered < MIN_CONTACTS_TO_JUDGE:
        return "[dim]too few to judge[/dim]" if offered else ""
    if spread is not None:
        sl, ab = spread.service_level, spread.abandon_rate
        if (sl is not None and sl.mean < target.service_level) or (
            ab is not None and ab.mean > target.max_abandon
        ):
            return "[yellow]unsure[/yellow]"
    return "ok"


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
        "a break; logged in: the twin's agents logged in (breaks included), time-average"
        + (
            f"; offered, SL and abandon: mean ± half-width of the 95% interval over "
            f"{len(best.totals)} replications; unsure: the mean misses, the interval straddles"
            if best.spread
            else ""
        ),
    )
    cols = ["start", "Erlang A", "required", "scheduled", "logged in", "offered", "SL"]
    cols += ["abandon", "verdict"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("start", "verdict") else "right")
    for i, row in enumerate(best.result.intervals[: len(best.required)]):
        k = row.kpis
        spread = best.spread[i] if best.spread else None
        offered = f"{spread.offered:.1f}" if spread else str(k.offered)
        sl = _spread(spread.service_level) if spread else _pct(k.service_level)
        abandon = _spread(spread.abandon_rate) if spread else _pct(k.abandon_rate)
        table.add_row(
            f"{dt.datetime.fromtimestamp(row.start, scenario.tz):%H:%M}",
            str(first.required[i]),
            str(best.required[i]),
            f"{on_floor[i]:.0f}",
            f"{row.staffed:.1f}",
            offered,
            sl,
            abandon,
            _verdict(i in missed, k, spread, target),
        )
    return table
