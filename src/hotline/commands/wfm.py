"""`staff` and `schedule` commands; `hotline.cli` calls `register(app)` (and registers
`forecast`, which reads the store, from `hotline.commands.forecast`).

The shell around the pure wfm functions: read CSV/YAML, call, print Rich
tables, write CSV. Heavy imports (pandas, statsmodels, scipy, highspy) happen inside the
commands so that `hotline --help` stays fast. Files passed between the commands:

    forecast --out f.csv      -> start,contacts
    staff --forecast f.csv --out r.csv  -> start,contacts,agents,scheduled
    schedule --requirement r.csv        (uses `scheduled`, else `agents`)
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

console = Console()

IntervalOpt = Annotated[int, typer.Option("--interval-min", help="interval length: 15 or 30")]


def _bad(option: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=option)


def _check_interval(minutes: int) -> None:
    if minutes <= 0 or 1440 % minutes:
        raise _bad("--interval-min", f"must divide a day into whole intervals, got {minutes}")


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError as exc:
        raise _bad(option, f"expected comma-separated numbers, got {text!r}") from exc
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise _bad(option, "expected one or more numbers >= 0")
    return values


def _read_csv(path: Path, option: str, column: str | None) -> pd.Series:
    """A `start,<column>` CSV as a Series indexed by start (strings kept as labels)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise _bad(option, f"cannot read {path}: {exc}") from exc
    if column is None:
        column = next((c for c in ("scheduled", "agents", "contacts") if c in frame), None)
    if "start" not in frame or column not in frame:
        raise _bad(option, f"{path} needs columns 'start' and {column or 'agents'!r}")
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise _bad(option, f"{path}: column {column!r} must hold numbers >= 0")
    return pd.Series(values.to_numpy(dtype=float), index=frame["start"].astype(str), name=column)


def _write_csv(rows: list[dict[str, Any]], out: Path) -> None:
    import pandas as pd

    try:
        pd.DataFrame(rows).to_csv(out, index=False)
    except OSError as exc:
        raise _bad("--out", f"cannot write {out}: {exc}") from exc
    console.print(f"wrote {out}")


def staff(
    aht: Annotated[float, typer.Option("--aht", help="average handling time, seconds")],
    forecast_csv: Annotated[
        Path | None, typer.Option("--forecast", help="CSV start,contacts")
    ] = None,
    calls: Annotated[str | None, typer.Option(help="contacts per interval: '120,150,300'")] = None,
    interval_min: IntervalOpt = 30,
    threshold: Annotated[float, typer.Option(help="service-level threshold, seconds")] = 20.0,
    target: Annotated[float, typer.Option(help="service level to reach, e.g. 0.8")] = 0.8,
    patience: Annotated[float | None, typer.Option(help="mean patience, s: Erlang A")] = None,
    max_abandon: Annotated[float | None, typer.Option(help="abandon cap (Erlang A)")] = None,
    shrinkage: Annotated[float, typer.Option(help="share of paid time off the phones")] = 0.0,
    out: Annotated[
        Path | None, typer.Option(help="write start,contacts,agents,scheduled CSV")
    ] = None,
) -> None:
    """Agents per interval for a service target (Erlang C, or Erlang A with --patience)."""
    from hotline.wfm.erlang import IntervalDemand, ServiceTarget, staffing

    _check_staff_options(aht, threshold, target, patience, max_abandon, shrinkage)
    _check_interval(interval_min)
    if (forecast_csv is None) == (calls is None):
        raise _bad("--forecast/--calls", "give exactly one of them")
    if forecast_csv is not None:
        series = _read_csv(forecast_csv, "--forecast", "contacts")
        demand = list(zip(series.index, series.to_numpy(), strict=True))
    else:
        values = _numbers(calls or "", "--calls")
        demand = [(_clock(i * interval_min), v) for i, v in enumerate(values)]
    rows = [IntervalDemand(str(s), float(c), aht, interval_min * 60.0) for s, c in demand]
    plan = staffing(rows, ServiceTarget(threshold, target, patience, max_abandon), shrinkage)
    model = "Erlang A" if patience else "Erlang C"
    table = Table(title=f"{model}: {target:.0%} within {threshold:g} s, shrinkage {shrinkage:.0%}")
    # Short headers: nine columns must fit an 80-column terminal without truncation.
    for name in ("start", "calls", "Erl", "agents", "sched", "SL", "aband", "ASA s", "occ"):
        table.add_column(name, justify="right")
    for r in plan:
        table.add_row(r.start, f"{r.contacts:g}", f"{r.load_erlangs:.1f}", str(r.agents),
                      str(r.scheduled), f"{r.service_level:.1%}", f"{r.abandon_rate:.1%}",
                      f"{r.asa_s:.1f}", f"{r.occupancy:.0%}")  # fmt: skip
    console.print(table)
    hours = sum(r.scheduled for r in plan) * interval_min / 60
    console.print("Erl = offered load, sched = agents / (1 - shrinkage), aband = abandon rate")
    console.print(f"scheduled agent-hours: {hours:,.1f}")
    if out:
        keep = ("start", "contacts", "agents", "scheduled")
        _write_csv([{k: getattr(r, k) for k in keep} for r in plan], out)


def _check_staff_options(
    aht: float,
    threshold: float,
    target: float,
    patience: float | None,
    max_abandon: float | None,
    shrinkage: float,
) -> None:
    checks = [
        ("--aht", aht > 0, "must be > 0 seconds"),
        ("--threshold", threshold >= 0, "must be >= 0 seconds"),
        ("--target", 0 < target < 1, "must lie strictly between 0 and 1, e.g. 0.8"),
        ("--patience", patience is None or patience > 0, "must be > 0 seconds"),
        ("--max-abandon", max_abandon is None or 0 < max_abandon < 1, "must lie between 0 and 1"),
        ("--max-abandon", max_abandon is None or patience is not None, "needs --patience"),
        ("--shrinkage", 0 <= shrinkage < 1, "must lie in [0, 1)"),
    ]
    for option, ok, message in checks:
        if not ok:
            raise _bad(option, message)


def _clock(minute: int) -> str:
    day, m = divmod(minute, 1440)
    return (f"d{day} " if day else "") + f"{m // 60:02d}:{m % 60:02d}"


def _load_templates(path: Path | None) -> tuple:
    from hotline.wfm.spec import DEFAULT_TEMPLATES, SpecError, parse_templates

    if path is None:
        return DEFAULT_TEMPLATES
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return parse_templates(data)
    except (OSError, yaml.YAMLError, SpecError) as exc:
        raise _bad("--templates", f"{path}: {exc}") from exc


def quiet_highs() -> None:
    """HiGHS prints a copyright banner to stdout on its first use in a process; take it
    there with stdout pointed at /dev/null so it does not land in the middle of our tables."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def schedule(
    requirement: Annotated[Path | None, typer.Option(help="CSV start,scheduled|agents")] = None,
    agents: Annotated[str | None, typer.Option(help="agents per interval: '2,2,3,...'")] = None,
    interval_min: IntervalOpt = 30,
    week: Annotated[bool, typer.Option(help="a repeating week: shifts wrap past midnight")] = False,
    templates: Annotated[Path | None, typer.Option(help="YAML shift templates")] = None,
    soft_penalty: Annotated[float | None, typer.Option(help="soft cover: cost per short")] = None,
    gap: Annotated[float, typer.Option(help="accepted distance from optimum")] = 0.005,
    time_limit: Annotated[float, typer.Option(help="solver time limit, seconds")] = 60.0,
    out: Annotated[Path | None, typer.Option(help="write the shifts as CSV")] = None,
) -> None:
    """Shifts with the fewest paid hours that cover the requirement (MILP on HiGHS)."""
    from hotline.wfm.schedule import DEFAULT_GROUP, ScheduleProblem, solve_schedule

    _check_interval(interval_min)
    if (requirement is None) == (agents is None):
        raise _bad("--requirement/--agents", "give exactly one of them")
    if requirement is not None:
        values = _read_csv(requirement, "--requirement", None).to_list()
    else:
        values = _numbers(agents or "", "--agents")
    per_day = 1440 // interval_min
    if len(values) % per_day:
        raise _bad("--requirement" if requirement else "--agents",
                   f"needs whole days of {per_day} intervals, got {len(values)}")  # fmt: skip
    if soft_penalty is not None and soft_penalty <= 0:
        raise _bad("--soft-penalty", "must be > 0")
    if not 0 <= gap < 1:
        raise _bad("--gap", "must lie in [0, 1)")
    problem = ScheduleProblem(interval_min, {DEFAULT_GROUP: [math.ceil(v) for v in values]},
                              _load_templates(templates), wrap=week, shortfall_penalty=soft_penalty,
                              time_limit_s=time_limit, mip_gap=gap)  # fmt: skip
    quiet_highs()
    try:
        plan = solve_schedule(problem)
    except ValueError as exc:
        raise _bad("--templates" if "template" in str(exc) else "--requirement", str(exc)) from exc
    _print_schedule(plan, values, interval_min)
    if out:
        from hotline.wfm.roster import roster_rows

        _write_csv(roster_rows(plan.shifts), out)


def _print_schedule(plan: Any, required: list[float], interval_min: int) -> None:
    from hotline.wfm.roster import roster_table

    title = f"Shifts ({plan.status}, gap {plan.gap:.2%}, {plan.seconds:.1f} s)"
    console.print(roster_table(plan.shifts, title, with_day=len(required) * interval_min > 1440))
    slack = plan.on_duty - [math.ceil(v) for v in required]
    console.print(
        f"paid hours {plan.paid_hours:,.1f}, headcount {plan.headcount}, required agent-hours "
        f"{sum(required) * interval_min / 60:,.1f}; intervals short: {plan.shortfall_intervals()}"
        f", most over-staffed interval: +{slack.max():.0f}"
    )


def register(app: typer.Typer) -> None:
    """Add `staff` and `schedule` to `app` (`forecast`, which reads the store, is in
    `hotline.commands.forecast`)."""
    app.command("staff")(staff)
    app.command("schedule")(schedule)
