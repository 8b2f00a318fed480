"""The `hotline` command: init, serve, report, users, config check. No logic lives here."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotline.commands.emergency import emergency_app
from hotline.commands.options import DbOption
from hotline.commands.options import database_url as _url

if TYPE_CHECKING:
    from hotline.store import Store

app = typer.Typer(help="hotline: an open-source contact-center platform.", no_args_is_help=True)
users_app = typer.Typer(help="Manage logins.", no_args_is_help=True)
config_app = typer.Typer(help="Center configuration files.", no_args_is_help=True)
app.add_typer(users_app, name="user")
app.add_typer(config_app, name="config")
app.add_typer(emergency_app, name="emergency")  # issue 12: the emergency switch (via the API)
console = Console()


def _fail(message: str) -> typer.Exit:
    # soft_wrap: a message names a file and a field; rich would break a long path at the
    # terminal width (80 columns in a pipe), and the name could no longer be copied or grepped
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


@app.command()
def init(
    database_url: DbOption = None,
    config: Annotated[
        Path | None, typer.Option(help="center YAML; default: the demo center")
    ] = None,
    demo_logins: Annotated[
        bool, typer.Option(help="create demo logins with the demo password")
    ] = False,
) -> None:
    """Create the database and store a center (the 966666-style demo center by default)."""
    from hotline.bootstrap import DEMO_PASSWORD, init_center
    from hotline.config import ConfigError, load_config, load_demo_config
    from hotline.store import open_store

    try:
        center = load_config(config) if config else load_demo_config()
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    store = open_store(_url(database_url))
    created = init_center(store, center, demo_logins=demo_logins, replace=config is not None)
    console.print(
        f"center [bold]{center.name}[/bold]: {len(center.queues)} queues, "
        f"{len(center.agents)} agents, stored in {_url(database_url)}"
    )
    for login in created:
        shown = "(demo password)" if login.password == DEMO_PASSWORD else login.password
        console.print(f"  login {login.username:<12} role {login.role:<10} password {shown}")
    if demo_logins:
        console.print(f"demo password for every login: [bold]{DEMO_PASSWORD}[/bold]")


@app.command()
def serve(
    database_url: DbOption = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    access_log: Annotated[bool, typer.Option(help="log every HTTP request")] = True,
    jobs: Annotated[
        str,
        typer.Option(
            envvar="HOTLINE_JOBS",
            help="background jobs: child (a `hotline jobs` child process), off (run "
            "`hotline jobs` yourself) or inline (in this process)",
        ),
    ] = "child",
) -> None:
    """Run the API server and web desktop for the stored center (and its jobs process)."""
    import uvicorn

    from hotline.runtime.tuning import tune_process
    from hotline.web import Settings, create_app

    if jobs not in ("child", "off", "inline"):
        raise _fail("--jobs: must be child, off or inline")
    settings = Settings(database_url=_url(database_url), jobs=jobs)
    tune_process()  # a long-running server: GC and GIL hand-off (runtime/tuning.py)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        timeout_graceful_shutdown=5,
    )


@app.command("jobs")
def jobs_command(
    database_url: DbOption = None,
    watch_stdin: Annotated[
        bool, typer.Option(help="exit when standard input closes (the server's pipe)")
    ] = False,
    nice: Annotated[int, typer.Option(min=0, max=19, help="lower the CPU priority by this")] = 0,
) -> None:
    """Run the background jobs: report catch-up, alerts, scheduled reports, QA, purge.

    `hotline serve` starts one as its child; run it yourself with `serve --jobs off`. Only
    one runs per center at a time; another one waits as a standby."""
    import logging

    from hotline.web.jobs import run_jobs_process

    logging.basicConfig(level=logging.INFO, format="%(asctime)s jobs %(levelname)s %(message)s")
    run_jobs_process(_url(database_url), watch_stdin=watch_stdin, nice=nice)


def _parse_time(value: str | None, tz: ZoneInfo, default: float, flag: str) -> float:
    from hotline.kpi import RangeError, parse_time

    if value is None:
        return default
    try:
        return parse_time(value, tz)
    except RangeError as exc:
        raise _fail(f"{flag}: {exc}") from exc


def _center_zone(store: Store) -> ZoneInfo:
    """The stored center's time zone: report dates are the center's dates, not the reader's."""
    latest = store.latest_config()
    name = (latest[1].get("center") or {}).get("timezone") if latest else None
    return ZoneInfo(name or "Asia/Shanghai")


@app.command()
def report(
    database_url: DbOption = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="ISO date/time in the center's zone; default: --to − 24 h"),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="ISO date/time in the center's zone (excluded); default: now"),
    ] = None,
    queue: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
    team: Annotated[str | None, typer.Option(help="agents[].team of the center file")] = None,
    province: Annotated[str | None, typer.Option(help="queues[].province")] = None,
    skill: Annotated[str | None, typer.Option(help="queues requiring this skill")] = None,
    sl_threshold_s: float = 20.0,
    short_abandon_s: float = 5.0,
) -> None:
    """Print KPIs per queue and for the whole center from the stored timeline.

    Dates are read and printed in the center's time zone (named in the header); a range that
    runs into the future is cut at now. Occupancy is a center figure: it is printed once, on
    the ALL row and under the table, not repeated under every queue.
    """
    from hotline.config import config_from_dict
    from hotline.kpi import KpiOptions, clip_to_now, format_range
    from hotline.services.reports import Reports, ScopeError, scope_filters
    from hotline.sim.report import kpi_table
    from hotline.store import open_store
    from hotline.store.aggregates_query import Filters

    store = open_store(_url(database_url))
    tz = _center_zone(store)
    now = time.time()
    t1 = _parse_time(end, tz, now, "--to")
    t0 = _parse_time(start, tz, t1 - 86400, "--from")
    if t0 >= t1:
        raise _fail("--from must be before --to")
    cut = t1 > now
    t0, t1 = clip_to_now(t0, t1, now)
    opts = KpiOptions(sl_threshold_s=sl_threshold_s, short_abandon_s=short_abandon_s)
    latest = store.latest_config()
    filters = Filters(queue, channel, agent, opts)
    if team or province or skill:  # groupings defined by the stored center config
        if latest is None:
            raise _fail("--team/--province/--skill need a center configuration (hotline init)")
        try:
            filters = scope_filters(
                config_from_dict(latest[1], source="database"), queue=queue, channel=channel,
                agent=agent, team=team, province=province, skill=skill, options=opts,
            )  # fmt: skip
        except ScopeError as exc:
            raise _fail(f"--{exc.field}: {exc}") from None
    # from the stored aggregates, after folding what was written since their last run
    period = Reports.for_store(store).kpis(t0, t1, filters)
    rows, total, center = period.queues, period.total, period.center
    title = format_range(t0, t1, tz) + (" (cut at now)" if cut else "")
    table = kpi_table(title, [*rows.items(), ("ALL", total)], first="queue")
    wide = Console(width=max(console.width, 150))  # a report is read whole, even in a pipe
    wide.print(table)
    occupancy = "-" if center.occupancy is None else f"{center.occupancy:.1%}"
    wide.print(f"occupancy (center, all agents): {occupancy}")
    for line in total.describe(tz).splitlines():
        console.print(f"[dim]{line}[/dim]")
    from hotline.channels.sip.report import print_voice_report

    print_voice_report(store, t0, t1, wide)
    from hotline.commands.tickets import print_order_report

    print_order_report(_url(database_url), t0, t1, wide)


@users_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="agent | supervisor | admin | channel | team")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    agent_id: str | None = None,
    database_url: DbOption = None,
) -> None:
    """Create a login (the password must pass the policy: length, not the name, not common)."""
    from hotline.store import ROLES, DuplicateError, open_store

    if role not in ROLES:
        raise _fail(f"--role: must be one of {', '.join(sorted(ROLES))}")
    hashed = _policy_hash(password, username)
    try:
        open_store(_url(database_url)).create_user(username, hashed, role, agent_id, username)
    except DuplicateError as exc:
        raise _fail(f"username: {exc}") from exc
    console.print(f"created {username} ({role})")


@users_app.command("list")
def user_list(database_url: DbOption = None) -> None:
    """List logins (never their passwords) and any lockout after failed logins."""
    from datetime import datetime

    from hotline.store import open_store

    store = open_store(_url(database_url))
    locks = store.login_locks(time.time())
    table = Table("id", "username", "role", "agent", "active", "locked until")
    for u in store.list_users():
        until = locks.get(u.username)
        shown = datetime.fromtimestamp(until).isoformat(" ", "seconds") if until else "-"
        active = "yes" if u.active else "no"
        table.add_row(str(u.id), u.username, u.role, u.agent_id or "-", active, shown)
    console.print(table)


@users_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    database_url: DbOption = None,
) -> None:
    """Set a new password (existing sessions of that login end)."""
    from hotline.store import open_store

    store = open_store(_url(database_url))
    user = store.user_by_name(username)
    if user is None:
        raise _fail(f"username: no login {username!r}")
    store.set_password(user.id, _policy_hash(password, username))
    store.revoke_user_tokens(user.id)
    store.audit("hotline user passwd", "update_user", username, {"password": True})
    console.print(f"password of {username} changed")


@users_app.command("unlock")
def user_unlock(username: str, database_url: DbOption = None) -> None:
    """Lift the lockout after too many failed logins (audited), before it expires."""
    from hotline.store import open_store

    store = open_store(_url(database_url))
    if store.user_by_name(username) is None:
        raise _fail(f"username: no login {username!r}")
    had = store.clear_login_failures(username)
    store.audit("hotline user unlock", "unlock_user", f"user:{username}", {"had_failures": had})
    console.print(f"{username} unlocked" if had else f"{username} was not locked")


def _policy_hash(password: str, username: str) -> str:
    from hotline.passwords import PasswordRejected, check_policy, hash_password

    try:
        check_policy(password, username)
    except PasswordRejected as exc:
        raise _fail(f"--password: {exc.message} (rule: {exc.rule})") from exc
    return hash_password(password)


@config_app.command("check")
def config_check(path: Path) -> None:
    """Validate a center YAML file; errors name the file, the field and the problem."""
    from hotline.config import ConfigError, load_config

    try:
        center = load_config(path)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"{path}: ok — {len(center.queues)} queues, {len(center.agents)} agents")


def _register_commands() -> None:
    """Commands owned by their packages (they import their heavy dependencies lazily)."""
    from hotline.channels.sip.cli import register as register_voice
    from hotline.commands.campaigns import register as register_campaigns
    from hotline.commands.compliance import register as register_compliance
    from hotline.commands.forecast import register as register_forecast
    from hotline.commands.kb import register as register_kb
    from hotline.commands.qa import register as register_qa
    from hotline.commands.sim import register as register_sim
    from hotline.commands.tickets import register as register_tickets
    from hotline.commands.wfm import register as register_wfm

    register_sim(app)
    register_forecast(app)
    register_wfm(app)
    register_tickets(app)
    register_kb(app)
    register_voice(app)
    register_compliance(app)
    register_campaigns(app)
    register_qa(app)
    from hotline.commands.twin_check import register as register_twin_check

    register_twin_check(app)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    app()
