"""`hotline compliance ...`: purge (with --dry-run), holds, opt-outs, export/erase requests.

Thin commands over `ComplianceService`; `register(app)` is called by `hotline.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url

console = Console()
app = typer.Typer(
    help="PIPL compliance: retention purge, legal holds, do-not-call, DSRs.", no_args_is_help=True
)
ACTOR = Annotated[str, typer.Option("--by", help="who does this (written to the audit log)")]


def _service(url: str | None):  # lazy imports keep `hotline --help` fast
    from hotline.services.compliance import ComplianceService
    from hotline.store import open_store

    return ComplianceService(open_store(resolve_url(url)))


def _mask(number: str) -> str:
    """138****5678, like the web views (numbers are masked in every listing)."""
    return number[:3] + "****" + number[-4:] if len(number) > 7 else "*" * len(number)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


@app.command()
def purge(
    database_url: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report only, delete nothing")] = False,
    by: ACTOR = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Delete records past their retention, except those under legal hold; print the report."""
    report = _service(database_url).purge(dry_run=dry_run, actor=by).as_dict()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    title = "retention purge" + (" (dry run: nothing deleted)" if dry_run else "")
    table = Table(title=title)
    for col in ("record type", "retention cutoff", "deleted", "kept (hold)"):
        table.add_column(col)
    from datetime import UTC, datetime

    for kind, cutoff in report["cutoffs"].items():
        when = "keep" if cutoff is None else datetime.fromtimestamp(cutoff, UTC).date().isoformat()
        table.add_row(kind, when, str(report["deleted"][kind]), str(report["held"][kind]))
    console.print(table)
    console.print(
        f"recording files {'to remove' if dry_run else 'removed'}: {len(report['files'])}"
    )


@app.command()
def hold(
    target: str,
    reason: Annotated[str, typer.Option(help="why (case number, request)")],
    kind: Annotated[str, typer.Option(help="customer (identifier or id) or contact")] = "customer",
    database_url: DbOption = None,
    by: ACTOR = "cli",
) -> None:
    """Put a legal hold on a customer or a contact: the purge skips everything about them."""
    from hotline.services.compliance import ComplianceError

    try:
        h = _service(database_url).add_hold(kind, target, reason, by)
    except ComplianceError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"hold {h.id} on {h.kind} {h.target}")


@app.command()
def release(hold_id: int, database_url: DbOption = None, by: ACTOR = "cli") -> None:
    """Release a legal hold (the next purge may delete what it protected)."""
    from hotline.services.compliance import ComplianceError

    try:
        _service(database_url).release_hold(hold_id, by)
    except ComplianceError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"hold {hold_id} released")


@app.command("opt-out")
def opt_out(
    identifier: str,
    channel: str = "all",
    database_url: DbOption = None,
    by: ACTOR = "cli",
) -> None:
    """Put a number on the do-not-call list (e.g. a request received by letter)."""
    from hotline.services.compliance import ComplianceError

    try:
        new = _service(database_url).opt_out(identifier, channel=channel, source="admin", by=by)
    except ComplianceError as exc:
        raise _fail(str(exc)) from exc
    console.print("added" if new else "already on the list")


@app.command()
def export(
    identifier: str,
    out: Annotated[Path, typer.Option(help="folder to write customer.json and attachments")],
    database_url: DbOption = None,
    by: ACTOR = "cli",
) -> None:
    """Data-subject access request: everything about a customer, as JSON plus files."""
    from hotline.services.compliance_dsr import export_to

    path = export_to(_service(database_url), identifier, out, by)
    console.print(f"written {path}")


@app.command()
def erase(
    identifier: str,
    database_url: DbOption = None,
    by: ACTOR = "cli",
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
) -> None:
    """Erase / anonymise a customer on request (refused under legal hold); audited."""
    from hotline.services.compliance import ComplianceError
    from hotline.services.compliance_dsr import erase as do_erase

    if not yes:
        raise _fail("erasing cannot be undone: add --yes")
    try:
        result = do_erase(_service(database_url), identifier, by)
    except ComplianceError as exc:
        raise _fail(str(exc)) from exc
    console.print(json.dumps(result, ensure_ascii=False))


@app.command("plan-campaign")
def plan_campaign(
    customers: Annotated[Path, typer.Argument(help="CSV with a `phone` (or first) column")],
    start: Annotated[str, typer.Option(help="ISO date/time in the center's zone")],
    channel: str = "voice",
    days: int = 7,
    per_minute: int = 10,
    database_url: DbOption = None,
) -> None:
    """Dry run of an outbound campaign: when each customer would first be contacted under the
    contact policy (do-not-call list and attempt log from the database), or why not. Sends
    nothing and logs nothing."""
    import csv
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hotline.compliance.policy import normalise_identifier as norm
    from hotline.domain.hours import BusinessHours
    from hotline.outbound import Campaign, CampaignRun

    svc = _service(database_url)
    zone = ZoneInfo(svc.timezone())
    try:
        t0 = datetime.fromisoformat(start)
    except ValueError as exc:
        raise _fail(f"--start: {start!r} is not an ISO date or datetime") from exc
    t0 = t0 if t0.tzinfo else t0.replace(tzinfo=zone)
    with customers.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise _fail(f"{customers}: empty")
    col = rows[0].index("phone") if "phone" in rows[0] else 0
    numbers = [norm(r[col]) for r in rows[1 if "phone" in rows[0] else 0 :] if r and r[col]]
    begin = t0.timestamp()
    campaign = Campaign(
        "plan",
        channel,
        begin,
        begin + days * 86400,
        BusinessHours.parse("24x7", svc.timezone()),
        per_minute=per_minute,
    )
    run, policy, first = CampaignRun(campaign, numbers), svc.contact_policy(), {}
    now: float | None = begin
    while now is not None:
        for d in run.step(now, policy, svc.repo.opt_outs, lambda c: svc.repo.attempts(c, 0)):
            first[d.task.customer] = now
            run.outcome(d.task.customer, "reached", now)
        now = run.next_wake()
    table = Table(title=f"campaign plan ({channel}, {len(numbers)} customers)")
    for column in ("customer", "first attempt", "or stopped by"):
        table.add_column(column)
    for number, task in run.tasks.items():
        when = first.get(number)
        shown = datetime.fromtimestamp(when, zone).strftime("%Y-%m-%d %H:%M") if when else "-"
        table.add_row(_mask(number), shown, "" if when else str(task.result))
    console.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="compliance")
