"""`hotline campaign ...`: create an outbound campaign from a CSV, start, pause, list, show, and
run one round by hand (the server runs rounds by itself every few seconds).

Thin commands over `CampaignService`; `register(app)` is called by `hotline.cli`.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url

console = Console()
app = typer.Typer(help="Outbound campaigns (SMS now; voice once dialled).", no_args_is_help=True)


def _service(url: str | None):  # lazy imports keep `hotline --help` fast
    from hotline.notify import notifier_from_env
    from hotline.services.campaigns import CampaignService
    from hotline.store import open_store

    return CampaignService(open_store(resolve_url(url)), notifier_from_env())


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


def _mask(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) > 7 else "*" * len(number)


def _customers(path: Path) -> list[str]:
    if not path.is_file():
        raise _fail(f"customers: {path} is not a file")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows:
        raise _fail(f"customers: {path} is empty")
    col = rows[0].index("phone") if "phone" in rows[0] else 0
    body = rows[1:] if "phone" in rows[0] else rows
    return [r[col] for r in body if len(r) > col and r[col].strip()]


@app.command()
def create(
    customers: Annotated[Path, typer.Argument(help="CSV with a `phone` (or first) column")],
    name: Annotated[str, typer.Option(help="shown to supervisors")],
    start: Annotated[str, typer.Option(help="ISO date/time in the center's zone")],
    message: Annotated[str, typer.Option(help="the SMS text")] = "",
    channel: str = "sms",
    days: Annotated[int, typer.Option(min=1, max=366)] = 7,
    per_minute: Annotated[int, typer.Option(min=1)] = 10,
    max_attempts: Annotated[int, typer.Option(min=1, max=10)] = 3,
    run: Annotated[bool, typer.Option("--start-now", help="start it at once")] = False,
    database_url: DbOption = None,
) -> None:
    """Store a campaign as a draft (or running with --start-now); prints its id."""
    from hotline.services.campaigns import CampaignError

    svc = _service(database_url)
    zone = ZoneInfo(svc.compliance.timezone())
    try:
        t0 = datetime.fromisoformat(start)
    except ValueError as exc:
        raise _fail(f"--start: {start!r} is not an ISO date or datetime") from exc
    begin = (t0 if t0.tzinfo else t0.replace(tzinfo=zone)).timestamp()
    spec = {"name": name, "channel": channel, "message": message, "start": begin,
            "end": begin + days * 86400, "customers": _customers(customers),
            "per_minute": per_minute, "max_attempts": max_attempts}  # fmt: skip
    try:
        rec = svc.create(spec, by="cli")
        if run:
            svc.start(rec.id)
    except CampaignError as exc:
        raise _fail(f"{exc.field}: {exc.reason}") from None
    console.print(rec.id)


@app.command("list")
def list_(database_url: DbOption = None) -> None:
    """Every campaign with its status and results."""
    svc = _service(database_url)
    table = Table(title="campaigns")
    for col in ("id", "name", "channel", "status", "results"):
        table.add_column(col)
    for rec in svc.repo.list():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(svc.repo.counts(rec.id).items()))
        table.add_row(rec.id, rec.name, rec.channel, rec.status, counts)
    console.print(table)


@app.command()
def show(campaign_id: str, database_url: DbOption = None) -> None:
    """One campaign's tasks (numbers masked)."""
    from hotline.store import NotFoundError

    svc = _service(database_url)
    try:
        view = svc.view(campaign_id)
    except NotFoundError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{view['name']} ({view['status']})")
    for col in ("customer", "status", "attempts", "result"):
        table.add_column(col)
    for t in svc.repo.tasks(campaign_id):
        table.add_row(_mask(t.customer), t.status, str(t.attempts), t.result or "")
    console.print(table)


def _move(campaign_id: str, database_url: str | None, how: str) -> None:
    from hotline.services.campaigns import CampaignError
    from hotline.store import NotFoundError

    svc = _service(database_url)
    try:
        getattr(svc, how)(campaign_id)
    except (CampaignError, NotFoundError) as exc:
        raise _fail(str(exc)) from None
    console.print(f"{campaign_id}: {svc.repo.get(campaign_id).status}")


@app.command("start")
def start_(campaign_id: str, database_url: DbOption = None) -> None:
    """Start (or resume) a campaign."""
    _move(campaign_id, database_url, "start")


@app.command()
def pause(campaign_id: str, database_url: DbOption = None) -> None:
    """Pause a running campaign."""
    _move(campaign_id, database_url, "pause")


@app.command("run-once")
def run_once(database_url: DbOption = None) -> None:
    """Run one round of every running campaign now (what the server does every few seconds)."""
    report = _service(database_url).run_round()
    console.print(f"sent {report.sent}, failed {report.failed}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="campaign")
