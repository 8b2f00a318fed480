"""`hotline intent evaluate` and `hotline tickets report`: thin commands, no logic here.

`register(app)` is called by `hotline.cli`. `print_order_report` is also what `hotline report`
calls to print order KPIs under the contact KPIs. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url

console = Console()
if not console.is_terminal:
    console = Console(width=160)
TZ = ZoneInfo("Asia/Shanghai")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def _when(value: str | None, default: float, option: str) -> float:
    if value is None:
        return default
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"{option}: {value!r} is not an ISO date or datetime") from exc
    return (dt if dt.tzinfo else dt.replace(tzinfo=TZ)).timestamp()


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def print_order_report(url: str, t0: float, t1: float, out: Console | None = None) -> None:
    """Order KPIs per category and in total for orders created in [t0, t1), with definitions."""
    from hotline.services.tickets import TicketService
    from hotline.store import open_store
    from hotline.tickets.kpi import DEFINITIONS

    out = out or console
    total, per = TicketService(open_store(url)).kpis(t0, t1)
    table = Table(title="work orders 工单")
    for col in (
        "category",
        "opened",
        "resolved",
        "resolution rate",
        "on time",
        "on-time rate",
        "overdue",
        "reopened",
        "follow-up rate",
    ):
        table.add_column(col, justify="left" if col == "category" else "right")
    rows = [*per.items(), ("ALL", total)]
    for name, k in rows:
        table.add_row(
            name,
            str(k.opened),
            str(k.resolved),
            _pct(k.resolution_rate),
            str(k.resolved_on_time),
            _pct(k.on_time_rate),
            str(k.overdue),
            str(k.reopened),
            _pct(k.follow_up_rate),
        )
    out.print(table)
    s = total.satisfaction
    out.print(
        f"satisfaction 满意度 {_pct(s.satisfied_rate)} (unsatisfied {_pct(s.unsatisfied_rate)}) "
        f"from {s.replies} replies to {s.requested} surveys offered: response rate "
        f"{_pct(s.response_rate)}"
    )
    for text in [*DEFINITIONS.values(), s.describe()]:
        out.print(f"[dim]{text}[/dim]")


def register(app: typer.Typer) -> None:
    intent_app = typer.Typer(help="Predicted intent of incoming contacts.", no_args_is_help=True)
    tickets_app = typer.Typer(help="Work orders.", no_args_is_help=True)
    app.add_typer(intent_app, name="intent")
    app.add_typer(tickets_app, name="tickets")

    @intent_app.command("evaluate")
    def intent_evaluate(
        database_url: DbOption = None,
        days: Annotated[int, typer.Option(help="history to learn from, in days")] = 180,
        test_share: Annotated[float, typer.Option(help="newest share held back")] = 0.2,
        synthetic: Annotated[
            int, typer.Option(help="evaluate on N generated contacts instead of the database")
        ] = 0,
        seed: int = 7,
    ) -> None:
        """Train on the older contacts, print accuracy on the newest ones (held back)."""
        from hotline.tickets import intent as it

        if not 0 < test_share < 1:
            raise _fail("--test-share: must be between 0 and 1")
        if synthetic:
            from hotline.tickets.synthetic import generate

            history = generate(contacts=synthetic, seed=seed).history
            source = f"{synthetic} generated contacts (seed {seed})"
        else:
            from hotline.services.tickets import TicketService
            from hotline.store import open_store

            now = time.time()
            history = TicketService(open_store(resolve_url(database_url))).history(
                now - days * 86400, now
            )
            source = f"stored history of the last {days} days"
        labelled = sum(c.label is not None for c in history.contacts)
        if labelled < 20:
            raise _fail(f"only {labelled} labelled contacts in the {source}: need 20 or more")
        ev = it.evaluate(history, test_share=test_share, seed=seed)
        console.print(f"intent model on {source}: {labelled} labelled contacts")
        table = Table("measure", "value")
        table.add_row("model accuracy", f"{ev.model_accuracy:.1%}")
        table.add_row("rules first, then model", f"{ev.combined_accuracy:.1%}")
        table.add_row("baseline (most frequent intent)", f"{ev.baseline_accuracy:.1%}")
        table.add_row("rules coverage", f"{ev.rules_coverage:.1%}")
        table.add_row("rules precision", _pct(ev.rules_precision))
        table.add_row("trained on / held back", f"{ev.train_n} / {ev.test_n}")
        console.print(table)
        per = Table("intent", "held back", "recall (rules first, then model)")
        for name, (n, recall) in ev.per_intent.items():
            per.add_row(name, str(n), f"{recall:.1%}")
        console.print(per)
        console.print(f"[dim]{ev.describe()}[/dim]")
        console.print(
            f"RESULT intent_accuracy={ev.model_accuracy:.4f} "
            f"combined_accuracy={ev.combined_accuracy:.4f} "
            f"baseline={ev.baseline_accuracy:.4f} test_n={ev.test_n}"
        )

    @tickets_app.command("report")
    def tickets_report(
        database_url: DbOption = None,
        start: Annotated[str | None, typer.Option("--from", help="ISO date/time, local")] = None,
        end: Annotated[str | None, typer.Option("--to", help="ISO date/time, local")] = None,
    ) -> None:
        """Order KPIs: opened, resolved (on time), overdue, reopened, rates, satisfaction."""
        t1 = _when(end, time.time(), "--to")
        t0 = _when(start, t1 - 86400, "--from")
        if t0 >= t1:
            raise _fail("--from must be before --to")
        console.print(
            f"orders created {datetime.fromtimestamp(t0, TZ):%Y-%m-%d %H:%M} – "
            f"{datetime.fromtimestamp(t1, TZ):%Y-%m-%d %H:%M} (Asia/Shanghai)"
        )
        print_order_report(resolve_url(database_url), t0, t1)
