"""`hotline emergency on PLAN | off | status`: the emergency switch from a terminal.

It talks to the running server's API (the router lives there; writing the database behind
its back would not reach it), logged in as a supervisor.
"""

from __future__ import annotations

from typing import Annotated

import httpx
import typer

emergency_app = typer.Typer(
    help="Emergency plans (typhoon, outage…): on, off, status.", no_args_is_help=True
)

Url = Annotated[str, typer.Option("--url", envvar="HOTLINE_URL", help="the running server")]
User = Annotated[str, typer.Option("--user", envvar="HOTLINE_USER")]
Password = Annotated[
    str, typer.Option("--password", envvar="HOTLINE_PASSWORD", prompt=True, hide_input=True)
]


def _client(url: str, user: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=url.rstrip("/"), timeout=15)
    try:
        r = c.post("/api/auth/login", json={"username": user, "password": password})
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach {url}: {exc}") from None
    if r.status_code != 200:
        raise _fail(f"login as {user} refused: {r.json().get('detail', r.text)}")
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return c


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _show(active: dict | None) -> None:
    if active is None:
        typer.echo("emergency: off")
    else:
        typer.echo(f"emergency: ON  plan={active['plan']}  banner={active['banner']}")


@emergency_app.command("on")
def on(
    plan: str,
    url: Url = "http://127.0.0.1:8000",
    user: User = "supervisor",
    password: Password = "",
) -> None:
    """Switch PLAN on (changes queue rules, shows the banner on every desk)."""
    r = _client(url, user, password).post("/api/emergency/on", json={"plan": plan})
    if r.status_code != 200:
        raise _fail(r.json().get("detail", r.text))
    _show(r.json()["active"])


@emergency_app.command("off")
def off(
    url: Url = "http://127.0.0.1:8000", user: User = "supervisor", password: Password = ""
) -> None:
    """Switch the active plan off (the configuration from before the plan runs again)."""
    r = _client(url, user, password).post("/api/emergency/off")
    if r.status_code != 200:
        raise _fail(r.json().get("detail", r.text))
    _show(None)


@emergency_app.command("status")
def show(
    url: Url = "http://127.0.0.1:8000", user: User = "supervisor", password: Password = ""
) -> None:
    """The active plan, if any, and the configured plans."""
    body = _client(url, user, password).get("/api/emergency").json()
    _show(body["active"])
    for p in body["plans"]:
        typer.echo(f"  plan {p['name']}: {p['banner']}")
