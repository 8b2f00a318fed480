"""`hotline simulate` and `hotline drive`: thin commands over `hotline.sim`, no logic here.

`register(app)` is called by `hotline.cli`; heavy imports (the router, pydantic models,
matplotlib, httpx) happen inside the commands so `hotline --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
if not console.is_terminal:  # piped or captured: wide enough for the KPI tables
    console = Console(width=160)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


def _load(
    path: Path,
    days: int | None = None,
    seed: int | None = None,
    interval: int | None = None,
    hours: float | None = None,
):
    from hotline.sim import ScenarioError, load_scenario

    try:
        sc = load_scenario(path)
        return sc.with_options(days=days, seed=seed, interval_min=interval, hours=hours)
    except ScenarioError as exc:
        raise _fail(str(exc)) from exc


def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML (see scenarios/)")],
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the file's)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the file's)")] = None,
    plot: Annotated[Path | None, typer.Option(help="draw the day: out.png, .svg or .html")] = None,
    interval: Annotated[int | None, typer.Option(help="KPI interval in minutes: 15 or 30")] = None,
    intervals: Annotated[bool, typer.Option(help="print the per-interval table")] = True,
    hours: Annotated[float | None, typer.Option(help="run only the first hours")] = None,
    replications: Annotated[
        int, typer.Option(help="independent runs (seeds seed, seed+1, ...), one process per core")
    ] = 1,
) -> None:
    """Run a scenario through the real routing engine on a virtual clock and print its KPIs."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hotline.sim import simulate
    from hotline.sim.report import plot as draw
    from hotline.sim.report import print_report

    if not 1 <= replications <= 1000:
        raise _fail(f"--replications: {replications} is out of range (1 to 1000)")
    if replications > 1 and plot is not None:
        raise _fail("--plot draws one run: leave out --replications to draw it")
    sc = _load(scenario, days, seed, interval, hours)
    if replications > 1:
        _replicate(sc, replications)
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"simulating {sc.name}", total=1.0)
        result = simulate(sc, progress=lambda f: bar.update(task, completed=f))
        bar.update(task, completed=1.0, description="computing KPIs")
    print_report(result, console, intervals=intervals)
    if plot is not None:
        try:
            console.print(f"plot written to {draw(result, plot)}")
        except (OSError, ValueError) as exc:
            raise _fail(f"--plot: {exc}") from exc


def _replicate(sc, n: int) -> None:
    """`--replications N`: N seeds in parallel, one line per run, then the interval table."""
    import os

    from hotline.sim.replications import ci_table, replicate

    base = sc.spec.seed
    seeds = [base + i for i in range(n)]
    workers = min(n, os.cpu_count() or 1)
    console.print(f"{n} replications of {sc.name}, seeds {seeds[0]}–{seeds[-1]}, "
                  f"{workers} worker process{'es' if workers > 1 else ''}")  # fmt: skip

    def done(run) -> None:
        t = run.total
        sl = "-" if t.service_level is None else f"{t.service_level:.1%}"
        ab = "-" if t.abandon_rate is None else f"{t.abandon_rate:.1%}"
        asa = "-" if t.asa_s is None else f"{t.asa_s:.1f}"
        console.print(f"replication seed {run.seed}: offered {t.offered}, SL {sl}, "
                      f"abandon {ab}, ASA {asa} s")  # fmt: skip

    runs = replicate(sc, seeds, workers=workers, done=done)
    console.print(ci_table(f"{sc.name}: days and queues over {n} replications", runs))


def drive_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML whose queues the server has")],
    url: Annotated[
        str, typer.Option(help="base URL of a running `hotline serve`")
    ] = "http://127.0.0.1:8000",
    speed: Annotated[float, typer.Option(help="scenario seconds per real second")] = 10.0,
    agents_bots: Annotated[
        int | None, typer.Option(help="agents played by bots (default: all)")
    ] = None,
    minutes: Annotated[float | None, typer.Option(help="stop after this many real minutes")] = None,
    start: Annotated[
        str | None, typer.Option(help="scenario time of day to start at, HH:MM")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the file's)")] = None,
    password: Annotated[
        str, typer.Option(help="password of the channel/supervisor/agent logins")
    ] = "hotline-demo",
) -> None:
    """Play a scenario's callers and agent bots against a running server, in accelerated time."""
    import httpx

    from hotline.sim.drive import DriveOptions, run_drive

    _check_drive_options(speed, minutes, start)
    sc = _load(scenario, seed=seed)
    opts = DriveOptions(
        url=url.rstrip("/"),
        speed=speed,
        bots=agents_bots,
        minutes=minutes,
        start_clock=start,
        seed=seed,
        password=password,
    )
    try:
        report = run_drive(sc, opts, log=console.print)
    except (RuntimeError, httpx.HTTPError, OSError) as exc:
        raise _fail(str(exc)) from exc
    except KeyboardInterrupt:  # pragma: no cover - interactive
        raise typer.Exit(130) from None
    console.print(
        f"{report.created} contacts created ({report.retrials} retrials), {report.answered} "
        f"answered ({report.bot_answered} by {report.bots} bots), {report.abandoned} abandoned, "
        f"{report.window_s / 3600:.2f} h of scenario in {report.seconds:.0f} s"
    )
    if report.errors:
        console.print(f"[yellow]errors:[/yellow] {dict(report.errors)}")


def _check_drive_options(speed: float, minutes: float | None, start: str | None) -> None:
    from hotline.sim.schema import check_clock

    if speed <= 0:
        raise _fail("--speed must be greater than 0")
    if minutes is not None and minutes <= 0:
        raise _fail("--minutes must be greater than 0")
    if start is not None:
        try:
            check_clock(start)
        except ValueError as exc:
            raise _fail(f"--start: {exc}") from exc


def plan_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML: its day 1 is the forecast")],
    target: Annotated[float, typer.Option(help="service level to reach, e.g. 0.98")] = 0.8,
    threshold: Annotated[float, typer.Option(help="seconds of the service level")] = 20.0,
    max_abandon: Annotated[float, typer.Option(help="abandon rate not to exceed")] = 0.02,
    shrinkage: Annotated[float, typer.Option(help="share of paid time off the phones")] = 0.0,
    iterations: Annotated[int, typer.Option(help="simulate-and-fix rounds")] = 4,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the file's)")] = None,
    intervals: Annotated[
        bool, typer.Option(help="print required vs scheduled vs simulated per interval")
    ] = True,
    out: Annotated[Path | None, typer.Option(help="write the roster (shifts) as CSV")] = None,
    replications: Annotated[
        int, typer.Option(help="seeds per round; > 1 fixes only intervals that miss beyond doubt")
    ] = 1,
) -> None:
    """Forecast -> Erlang A staffing -> HiGHS shifts -> simulate the shifts -> add staff where
    the simulated day misses the target -> repeat."""
    from hotline.commands.wfm import quiet_highs
    from hotline.sim.plan import PlanTarget, plan
    from hotline.sim.plan_view import add_round, interval_view, rounds_table
    from hotline.wfm.roster import roster_rows, roster_table

    checks = [
        ("--target", target, 0 < target <= 1),
        ("--threshold", threshold, threshold > 0),
        ("--max-abandon", max_abandon, 0 < max_abandon < 1),  # Erlang A needs it inside
        ("--shrinkage", shrinkage, 0 <= shrinkage < 1),
        ("--iterations", iterations, 1 <= iterations <= 20),
        ("--replications", replications, 1 <= replications <= 200),
    ]
    for name, value, ok in checks:
        if not ok:
            raise _fail(f"{name}: {value} is out of range")
    sc = _load(scenario, seed=seed)
    quiet_highs()
    table = rounds_table(f"plan for {sc.name}: {target:.0%} in {threshold:g} s, "
                         f"abandon ≤ {max_abandon:.0%}")  # fmt: skip

    def show(it) -> None:
        add_round(table, it)
        console.print(
            f"round {len(table.rows)}: {it.paid_hours:.1f} paid hours, "
            f"{len(it.missed)} intervals missed"
        )

    goal = PlanTarget(target, threshold, max_abandon, shrinkage)
    rounds = plan(
        sc,
        goal,
        iterations=iterations,
        seed=seed,
        replications=replications,
        on_iteration=show,
    )
    console.print(table)
    best = rounds[-1]
    title = f"roster: shifts of the last round ({best.paid_hours:g} paid hours)"
    console.print(roster_table(best.schedule.shifts, title))
    if intervals:
        console.print(interval_view(sc, rounds, goal))
    if out is not None:
        import csv

        rows = roster_rows(best.schedule.shifts)
        try:
            with out.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["template"])
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            raise _fail(f"--out: cannot write {out}: {exc}") from exc
        console.print(f"roster written to {out}")
    if best.missed:
        from datetime import datetime

        clock = [datetime.fromtimestamp(best.result.intervals[i].start, sc.tz) for i in best.missed]
        console.print(
            "[yellow]still missed in intervals starting:[/yellow] "
            + ", ".join(f"{t:%H:%M}" for t in clock)
            + (
                " (beyond doubt over the replications: rerun with more --iterations)"
                if replications > 1
                else " (rerun with more --iterations, or --replications to tell misses from noise)"
            )
        )


def register(app: typer.Typer) -> None:
    """Add `simulate`, `drive` and `plan` to the `hotline` command."""
    app.command("simulate")(simulate_command)
    app.command("drive")(drive_command)
    app.command("plan")(plan_command)
