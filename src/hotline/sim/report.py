"""Print and draw a run: per-interval and per-day KPI tables (rich), intraday curves (matplotlib).

Matplotlib is imported inside `plot` with the Agg backend, so a server or CI without a display
can draw, and `hotline --help` does not pay for importing it.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import warnings
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hotline.kpi import Kpis
from hotline.sim.load import required_agents, sl_target
from hotline.sim.result import IntervalRow, SimResult

CJK_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _sec(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _clock(result: SimResult, t: float) -> str:
    local = dt.datetime.fromtimestamp(t, result.scenario.tz)
    return f"{local:%m-%d %H:%M}" if result.scenario.days > 1 else f"{local:%H:%M}"


def interval_table(result: SimResult) -> Table:
    """One row per KPI interval: traffic, floor, and the KPIs of contacts created in it."""
    table = Table(title=f"{result.scenario.name}: per interval", show_lines=False)
    cols = ["start", "calls", "IVR", "staffed", "queue", "max q", "offered", "answered"]
    cols += ["abandon", "SL", "abandon %", "ASA s", "occupancy", "cb", "cb done"]
    for col in cols:
        table.add_column(col, justify="left" if col == "start" else "right")
    for row in result.intervals:
        k = row.kpis
        table.add_row(
            _clock(result, row.start),
            str(row.arrivals),
            str(row.contained),
            f"{row.staffed:.1f}",
            f"{row.queue_len:.1f}",
            str(row.max_queue),
            str(k.offered),
            str(k.answered),
            str(k.abandoned),
            _pct(k.service_level),
            _pct(k.abandon_rate),
            _sec(k.asa_s),
            _pct(k.occupancy),
            str(k.callbacks_created),
            str(k.callbacks_completed),
        )
    return table


def kpi_table(title: str, rows: list[tuple[str, Kpis]], first: str = "scope") -> Table:
    """One row of headline KPIs per scope: shared by `hotline simulate` and `hotline report`,
    so a simulated day and a real one read the same way."""
    table = Table(title=title)
    cols = [first, "offered", "answered", "abandon", "short ab.", "SL", "abandon %", "ASA s"]
    cols += ["AHT s", "occupancy", "callbacks", "cb done %"]
    for col in cols:
        table.add_column(col, justify="left" if col == first else "right")
    for name, k in rows:
        table.add_row(
            name,
            str(k.offered),
            str(k.answered),
            str(k.abandoned),
            str(k.short_abandoned),
            _pct(k.service_level),
            _pct(k.abandon_rate),
            _sec(k.asa_s),
            _sec(k.aht_s),
            _pct(k.occupancy),
            str(k.callbacks_created),
            _pct(k.callback_completion_rate),
        )
    return table


def day_table(result: SimResult) -> Table:
    """Each day, each queue and the whole run."""
    sc = result.scenario
    rows: list[tuple[str, Kpis]] = []
    if sc.days > 1:
        rows += [(f"day {d + 1}", k) for d, k in enumerate(result.per_day)]
    rows += [(f"queue {q}", k) for q, k in result.by_queue.items()]
    rows += [(f"channel {c}", k) for c, k in result.by_channel.items()]
    rows.append(("ALL", result.total))
    return kpi_table(f"{sc.name}: days and queues (seed {result.seed})", rows)


def summary_line(result: SimResult) -> str:
    """The run in one line: traffic volumes and how fast the twin ran."""
    st = result.stats
    rate = st.arrivals / st.wall_s if st.wall_s else 0.0
    return (
        f"{st.arrivals} contacts reached the router ({st.retrials} retrials), {st.contained} "
        f"resolved in the IVR; {st.router_calls} router calls in {st.wall_s:.1f} s "
        f"({rate:,.0f} contacts/s)"
    )


def print_report(result: SimResult, console: Console, intervals: bool = True) -> None:
    if intervals:
        console.print(interval_table(result))
    console.print(day_table(result))
    console.print(summary_line(result))
    t = result.total
    console.print(
        f"[bold]day:[/bold] SL {_pct(t.service_level)} "
        f"(≤{t.options.sl_threshold_s:g} s), abandon {_pct(t.abandon_rate)}, "
        f"ASA {_sec(t.asa_s)} s, occupancy {_pct(t.occupancy)}, "
        f"callback completion {_pct(t.callback_completion_rate)}"
    )


def _figure(result: SimResult):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Scenario names are Chinese: use a CJK font where one is installed (matplotlib falls back
    # per glyph; `plot` silences the warning about boxes where none is).
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    plt.rcParams["font.family"] = ["DejaVu Sans", *(f for f in CJK_FONTS if f in installed)]
    plt.rcParams["svg.fonttype"] = "none"  # SVG/HTML keep text as text: searchable, selectable

    rows: list[IntervalRow] = result.intervals
    x = [dt.datetime.fromtimestamp(r.start, result.scenario.tz).replace(tzinfo=None) for r in rows]
    width = result.scenario.interval_s / 86_400 * 0.9
    fig, ax = plt.subplots(4, 1, figsize=(11, 9), sharex=True, constrained_layout=True)
    ax[0].bar(x, [r.arrivals for r in rows], width=width, align="edge", label="to agents")
    ax[0].bar(
        x,
        [r.contained for r in rows],
        width=width,
        align="edge",
        alpha=0.35,
        bottom=[r.arrivals for r in rows],
        label="IVR self-service",
    )
    ax[0].set_ylabel("arrivals")
    ax[0].legend(loc="upper left", fontsize=8)
    threshold = result.total.options.sl_threshold_s
    target = sl_target(result.scenario)
    required = required_agents(result.scenario, target)[: len(rows)]
    ax[1].step(x, [r.staffed for r in rows], where="post", label="staffed (logged in)")
    ax[1].step(
        x[: len(required)],
        required,
        where="post",
        linestyle="--",
        color="tab:red",
        label=f"required (Erlang A, {target:.0%} in {threshold:g} s)",
    )
    ax[1].set_ylabel("agents")
    ax[1].legend(loc="upper left", fontsize=8)
    sl = [r.kpis.service_level for r in rows]
    ax[2].plot(x, [s * 100 if s is not None else float("nan") for s in sl], marker=".", label="SL")
    ax[2].axhline(target * 100, linestyle="--", color="tab:red", label=f"target {target:.0%}")
    ax[2].set_ylim(0, 105)
    ax[2].set_ylabel(f"SL % ≤{threshold:g} s")
    ax[2].legend(loc="lower left", fontsize=8)
    ax[3].step(x, [r.queue_len for r in rows], where="post", label="average")
    ax[3].step(x, [r.max_queue for r in rows], where="post", alpha=0.5, label="max")
    ax[3].set_ylabel("queue length")
    ax[3].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{result.scenario.name} — {summary_line(result)}", fontsize=9)
    return fig, plt


def plot(result: SimResult, path: str | Path) -> Path:
    """Draw arrivals, staffed vs required agents, service level against its target, and queue
    length per interval.

    `.png`/`.svg`/`.pdf` save the figure; `.html` writes a page with the SVG and the day table.
    """
    path = Path(path)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, plt = _figure(result)
        try:
            if path.suffix.lower() in (".html", ".htm"):
                buf = io.StringIO()
                fig.savefig(buf, format="svg")
                path.write_text(_html_page(result, buf.getvalue()), encoding="utf-8")
            else:
                fig.savefig(path, dpi=110)
        finally:
            plt.close(fig)
    return path


def _html_page(result: SimResult, svg: str) -> str:
    console = Console(record=True, width=140, file=io.StringIO())
    console.print(day_table(result))
    table = console.export_text()
    title = html.escape(result.scenario.name)
    return (
        f"<!doctype html><meta charset='utf-8'><title>{title}</title>"
        f"<h1>{title}</h1>{svg}<pre>{html.escape(table)}</pre>"
        f"<p>{html.escape(summary_line(result))}</p>"
    )
