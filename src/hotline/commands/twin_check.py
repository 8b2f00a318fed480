"""`hotline twin-check SCENARIO`: the twin proven against the live server (issue 17).

A throw-away SQLite database gets the scenario's center with every duration divided by the
drive speed (`hotline.sim.twin.scaled_center`), a real `hotline serve` runs it, and the live
drive (`hotline.sim.drive`: callers through `POST /api/contacts`, bot agents on the WebSocket
stream) plays a window of the scenario at that speed. The server's stored facts, put back on the
scenario clock, are measured by the same `hotline.kpi` code as the twin's run of the same
window with the same seed; each KPI (service level, abandon rate, ASA per queue, occupancy)
must agree within its tolerance (`hotline.sim.twin`: the spread of twin runs that differ only
in their ring delays, with a floor), or the command exits 1.

It lives beside `hotline.cli`, not in `hotline.sim`: it starts a server and reads its store,
which the simulator must never import.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:  # pragma: no cover - `hotline --help` must not load the router
    from rich.table import Table

    from hotline.domain.records import EventRecord
    from hotline.kpi import Kpis
    from hotline.sim.drive import DriveReport
    from hotline.sim.scenario import Scenario
    from hotline.sim.twin import Check, TwinRun, TwinWindow
    from hotline.store import Store

ALL = "ALL"  # the whole-window scope (hotline.sim.twin.ALL)
INTERVALS = (5, 10, 15, 20, 30, 60)  # --interval choices: divisors of an hour

console = Console()
if not console.is_terminal:  # piped or captured: wide enough for the table
    console = Console(width=150)


@dataclass(frozen=True)
class TwinCheck:
    """Everything one check measured."""

    scenario: Scenario
    window: TwinWindow
    speed: float
    drive: DriveReport
    live: dict[str, Kpis]
    twins: list[TwinRun]
    checks: list[Check]  # per queue and the whole window
    live_intervals: dict[str, Kpis]
    interval_checks: list[Check]  # the whole center, per interval
    interval_s: float
    live_facts: list[EventRecord]  # the server's facts on the scenario clock, as compared
    surge: float | None = None  # arrivals × this from the surge instant to the window's end

    @property
    def ok(self) -> bool:
        return all(c.ok for c in (*self.checks, *self.interval_checks))

    def value(self, side: str, attr: str, scope: str = ALL) -> float | None:
        """The live value, or the twin runs' mean (the centre the check compares with)."""
        if side == "live":
            kpis = self.live.get(scope)
            v = getattr(kpis, attr) if kpis is not None else None
            return None if v is None else float(v)
        runs = [k for t in self.twins if (k := t.scopes.get(scope)) is not None]
        values = [float(v) for k in runs if (v := getattr(k, attr)) is not None]
        return sum(values) / len(values) if values else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db_url: str) -> dict[str, str]:
    """The throw-away server's environment: its database, and argon2's cheapest parameters
    (every bot logs in at once at the start; the hashes never leave the temporary folder)."""
    return {**os.environ, "HOTLINE_DATABASE_URL": db_url, "HOTLINE_PASSWORD_HASH": "cheap"}


@contextlib.contextmanager
def live_server(db_url: str, log_path: Path) -> Iterator[str]:
    """`hotline serve` on `db_url` in a subprocess; its base URL once healthy; stopped after."""
    import httpx

    port = _free_port()
    env = _env(db_url)
    cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port), "--no-access-log"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180  # a loaded machine starts slowly
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log_path}")
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _stored_events(store: Store, settle_s: float = 1.0) -> list[EventRecord]:
    """Every stored fact, once the server has stopped appending for `settle_s`."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < settle_s:
        seq = store.last_event_seq()
        if seq != last:
            last, since = seq, time.monotonic()
        time.sleep(0.2)
    out: list[EventRecord] = []
    seq = 0
    while batch := store.events(since_seq=seq, limit=5000):
        out += batch
        seq = batch[-1].seq
    return out


def run_check(
    scenario: Scenario,
    *,
    speed: float = 20.0,
    minutes: float = 3.0,
    start_clock: str | None = "09:00",
    day: int = 1,
    bots: int | None = None,
    seed: int | None = None,
    runs: int = 20,
    interval_min: float | None = None,
    surge: float | None = None,
    surge_at: str | None = None,
    log: Callable[[str], None] = print,
) -> TwinCheck:
    """Play the window live and in the twin; compare their KPIs per queue and per interval
    (`interval_min`, default the scenario's). `surge`: every flow's arrivals × this from
    `surge_at` (default the window's middle) to its end, on both sides."""
    import yaml

    from hotline.config import dump_config
    from hotline.sim.drive import DriveOptions, run_drive
    from hotline.sim.twin import (
        check_window,
        compare,
        compare_intervals,
        interval_kpis,
        scaled_center,
        to_scenario_clock,
        twin_runs,
        window_kpis,
        with_surge,
        withdrawn_at_end,
    )
    from hotline.store import open_store

    window = check_window(scenario, start_clock, minutes * 60.0 * speed, bots, day)
    if surge is not None:
        scenario = with_surge(scenario, window, surge, surge_at)
    step = interval_min * 60.0 if interval_min else scenario.interval_s
    seed = scenario.spec.seed if seed is None else seed
    with tempfile.TemporaryDirectory(prefix="hotline-twin-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'live.db'}"
        center = Path(tmp) / "center.yaml"
        dumped = dump_config(scaled_center(scenario.center, speed))
        center.write_text(yaml.safe_dump(dumped, allow_unicode=True), encoding="utf-8")
        init = [sys.executable, "-m", "hotline.cli", "init", "--config", str(center)]
        done = subprocess.run(
            [*init, "--demo-logins"], env=_env(db_url), capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"hotline init failed: {done.stdout[-400:]}{done.stderr[-400:]}")
        store = open_store(db_url)
        try:
            with live_server(db_url, Path(tmp) / "server.log") as base:
                opts = DriveOptions(
                    url=base, speed=speed, bots=len(window.agents), minutes=minutes,
                    start_clock=start_clock, day=day, seed=seed,
                )  # fmt: skip
                report = run_drive(scenario, opts, log)
                facts = _stored_events(store)
        finally:
            store.close()
    if report.epoch is None:
        raise RuntimeError("the drive never started its callers")
    on_clock = withdrawn_at_end(
        to_scenario_clock(facts, report.epoch, window.start, speed), window.end
    )
    live = window_kpis(scenario, window, on_clock)
    live_iv = interval_kpis(scenario, window, on_clock, step)
    log(f"twin: {runs} runs of the window (ring delays 0–{runs - 1})")
    twins = twin_runs(scenario, window, seed, runs, step)
    return TwinCheck(
        scenario, window, speed, report, live, twins,
        compare(live, [t.scopes for t in twins]), live_iv,
        compare_intervals(live_iv, [t.intervals for t in twins]), step, on_clock, surge,
    )  # fmt: skip


def _fmt(attr: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if attr == "asa_s" else f"{v:.1%}"


def check_table(result: TwinCheck) -> Table:
    """One row per scope and KPI (queues, the whole window, then each interval from its
    start: "@09:15"): live, twin, difference, tolerance, verdict."""
    from rich.table import Table

    from hotline.sim.twin import MIN_CONTACTS

    sc = result.scenario
    w = result.window
    surge = f", arrivals ×{result.surge:g} in its second part" if result.surge else ""
    table = Table(
        title=f"twin check {sc.name}: {(w.end - w.start) / 60:.0f} min of scenario at "
        f"×{result.speed:g}, {len(w.agents)} agents{surge}",
        caption="twin: mean of the twin runs; tolerance: 95 % prediction interval of twin "
        "runs differing only in ring "
        "delays, floor 3 points / 3 s / one caller (± in points for percentages); "
        f"few = under {MIN_CONTACTS} callers on both sides, shown, not judged; "
        f"@HH:MM = the {result.interval_s / 60:g}-min interval from then, whole center",
    )
    for col in ("scope", "KPI", "offered live/twin", "live", "twin", "diff", "tolerance", ""):
        table.add_column(col, justify="left" if col in ("scope", "KPI") else "right")
    for c in result.checks:
        table.add_row(*_row(c, c.scope))
    table.add_section()
    for c in result.interval_checks:
        table.add_row(*_row(c, f"@{c.scope}"))
    return table


def _row(c: Check, scope: str) -> tuple[str, ...]:
    from hotline.sim.twin import METRICS

    names = {attr: name for attr, name, _ in METRICS}
    if c.diff is None:
        diff = "-"
    elif c.metric == "asa_s":
        diff = f"{c.diff:+.1f}"
    else:
        diff = f"{c.diff * 100:+.1f}"
    tol = f"{c.tolerance:.1f}" if c.metric == "asa_s" else f"{c.tolerance * 100:.1f}"
    return (
        scope,
        names[c.metric],
        f"{c.offered_live}/{c.offered_twin}",
        _fmt(c.metric, c.live),
        _fmt(c.metric, c.twin),
        diff,
        tol,
        "few" if not c.judged else "ok" if c.ok else "[red]OUT[/red]",
    )


def twin_check_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML (see scenarios/)")],
    speed: Annotated[float, typer.Option(help="scenario seconds per real second")] = 20.0,
    minutes: Annotated[float, typer.Option(help="real minutes of live traffic")] = 3.0,
    start: Annotated[str, typer.Option(help="scenario time of day to start at, HH:MM")] = "09:00",
    day: Annotated[int, typer.Option(help="scenario day to play (95598's typhoon: 2)")] = 1,
    bots: Annotated[int | None, typer.Option(help="agents logged in (default: all)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the file's)")] = None,
    runs: Annotated[int, typer.Option(help="twin runs that set the tolerance")] = 20,
    interval: Annotated[
        int | None, typer.Option(help="interval compared, minutes (default: the scenario's)")
    ] = None,
    surge: Annotated[
        float | None, typer.Option(help="arrivals × this from --surge-at to the window's end")
    ] = None,
    surge_at: Annotated[
        str | None, typer.Option(help="scenario time the surge starts, HH:MM (default: mid)")
    ] = None,
) -> None:
    """Play a scenario window on a live server and in the twin; exit 1 when they disagree."""
    from hotline.sim import ScenarioError, load_scenario
    from hotline.sim.schema import check_clock

    checks = [
        ("--speed", speed, 1 <= speed <= 200),
        ("--minutes", minutes, 0 < minutes <= 120),
        ("--runs", runs, 2 <= runs <= 200),
        ("--bots", bots, bots is None or bots >= 1),
        ("--interval", interval, interval is None or interval in INTERVALS),
        ("--surge", surge, surge is None or 0 < surge <= 20),
    ]
    for name, value, ok in checks:
        if not ok:
            raise _fail(f"{name}: {value} is out of range")
    try:
        check_clock(start)
        sc = load_scenario(scenario)
    except ValueError as exc:  # ScenarioError is one
        raise _fail(str(exc) if isinstance(exc, ScenarioError) else f"--start: {exc}") from exc
    if not 1 <= day <= sc.days:
        raise _fail(f"--day: {day} is not a day of the scenario (1-{sc.days})")
    if surge_at is not None:
        try:
            check_clock(surge_at)
        except ValueError as exc:
            raise _fail(f"--surge-at: {exc}") from exc
        if surge is None:
            raise _fail("--surge-at needs --surge FACTOR")
    try:
        result = run_check(
            sc, speed=speed, minutes=minutes, start_clock=start, day=day, bots=bots, seed=seed,
            runs=runs, interval_min=interval, surge=surge, surge_at=surge_at, log=console.print,
        )  # fmt: skip
    except (RuntimeError, ValueError) as exc:  # ValueError: the surge is outside the window
        raise _fail(str(exc)) from exc
    d = result.drive
    console.print(
        f"live: {d.created} contacts created ({d.retrials} retrials), {d.bot_answered} answered "
        f"by {d.bots} bots, {d.abandoned} abandoned, in {d.seconds:.0f} s"
        + (f"; drive errors {dict(d.errors)}" if d.errors else "")
    )
    console.print(check_table(result))
    bad = [c for c in (*result.checks, *result.interval_checks) if not c.ok]
    if bad:
        console.print(f"[red]{len(bad)} KPI(s) outside tolerance[/red]")
        raise typer.Exit(1)
    console.print("twin and live server agree within tolerance")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("twin-check")(twin_check_command)
