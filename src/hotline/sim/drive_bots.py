"""Agent bots of the live drive: log in, take the offers pushed on the stream, work them.

A bot behaves like the simulator's agents: it picks up after the scenario's ring delay, talks
for the handle time of the contact's flow (a callback: reached with the flow's probability, or
a short failed dial), and comes back to ready after missing a ring. All durations are divided
by the drive's speed. On stop it finishes what it holds and logs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from hotline.sim.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from hotline.sim.drive import _Shared

RECOVERABLE = ("ring_no_answer", "declined")
DEFAULT_HANDLE_S = 120.0  # a contact whose flow we do not know (created by someone else)
CALLBACK_UNKNOWN_S = 60.0  # a callback of such a contact (the simulator's figure)


@dataclass
class Bot:
    agent_id: str
    rng: random.Random
    order: int = 0  # signs in after the bots before it: the twin's longest-idle order
    counted: bool = False  # took its turn (signed in, or gave up)


async def login(http: httpx.AsyncClient, user: str, password: str) -> str:
    r = await http.post("/api/auth/login", json={"username": user, "password": password})
    if r.status_code != 200:
        raise RuntimeError(f"login {user!r} refused ({r.status_code}): {r.text[:200]}")
    return r.json()["token"]


def _work_time(sh: _Shared, bot: Bot, cid: str, channel: str | None) -> tuple[float, bool]:
    """(scenario seconds of work, reached) for a contact just accepted."""
    si = (
        sh.stream_of.get(cid.removesuffix("-cb"))
        if channel == "callback"
        else sh.stream_of.get(cid)
    )
    s = sh.streams[si] if si is not None else None
    if channel != "callback":
        drawn = sh.handle_of.pop(cid, None)
        return (drawn if drawn is not None else DEFAULT_HANDLE_S), True
    spec = s.flow.callback if s is not None else None
    if s is None or spec is None or s.callback_handle is None:
        return CALLBACK_UNKNOWN_S, True
    # the stream's outcome generator, in the simulator's order (`Simulation._callback_attempt`)
    if s.other.random() < spec.reach_probability:
        return s.callback_handle(), True
    return spec.no_answer_s, False


async def _work(
    sh: _Shared, http: httpx.AsyncClient, bot: Bot, accept_s: float, msg: dict, wrap_up_s: float
) -> None:
    cid, channel = msg["contact_id"], msg.get("channel")
    await asyncio.sleep(sh.real(accept_s))
    sh.accepting.add(cid)
    try:
        r = await http.post(f"/api/contacts/{cid}/accept")
    finally:
        sh.accepting.discard(cid)
    if r.status_code != 200:
        if cid in sh.expired and sh.channel is not None:  # its caller gave up meanwhile
            await sh.channel.post(f"/api/contacts/{cid}/leave")
        return  # the caller hung up while it rang, or the offer timed out
    sh.answered.add(cid)
    sh.report.bot_answered += 1
    seconds, reached = _work_time(sh, bot, cid, channel)
    await asyncio.sleep(sh.real(seconds))
    body = {"reached": reached, "wrap_up_s": sh.real(wrap_up_s)}  # server timers run in real time
    r = await http.post(f"/api/contacts/{cid}/complete", json=body)
    if r.status_code == 200:
        sh.report.bot_completed += 1
    elif r.status_code in (404, 409):  # its caller's hang-up crossed our accept on the wire
        sh.report.hung_up_in_call += 1
    else:
        sh.report.errors[f"complete {r.status_code}"] += 1


async def _recover(sh: _Shared, http: httpx.AsyncClient, recover_s: float) -> None:
    await asyncio.sleep(sh.real(recover_s))
    await http.post("/api/agents/me/state", json={"state": "available"})


async def _sign_in(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/agents/me/state", json={"state": "login"})
    if r.status_code not in (200, 409):  # 409: already logged in (a person, or a previous run)
        r.raise_for_status()
    await http.post("/api/agents/me/state", json={"state": "available"})


async def _sign_out(http: httpx.AsyncClient) -> None:
    """Finish what the bot holds, decline a ringing offer, log out (best effort)."""
    with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
        me: dict[str, Any] = (await http.get("/api/agents/me")).json()
        for c in me.get("active") or []:
            await http.post(f"/api/contacts/{c['id']}/complete", json={})
        if me.get("offer"):
            await http.post(f"/api/contacts/{me['offer']['id']}/decline")
        await http.post("/api/agents/me/state", json={"state": "offline"})


async def _in_turn(sh: _Shared, bot: Bot, sign_in: Callable[[], Awaitable[None]] | None) -> None:
    """Sign in after the bots before this one: the twin logs its agents in in id order, so
    both agree on who has been idle longest when the first caller rings."""
    async with sh.turn:
        await sh.turn.wait_for(lambda: sh.signed_in >= bot.order)
        bot.counted = True
        try:
            if sign_in is not None:
                await sign_in()
        finally:
            sh.signed_in += 1
            sh.turn.notify_all()
            if sh.signed_in >= sh.report.bots:
                sh.all_in.set()


async def bot_loop(sh: _Shared, scenario: Scenario, bot: Bot) -> None:
    """One agent bot for the whole drive."""
    import websockets

    behaviour = scenario.spec.agent_behaviour
    accept = behaviour.accept_delay.sampler(bot.rng)
    wraps = {q.id: q.wrap_up_s for q in scenario.center.queues}
    work: set[asyncio.Task] = set()
    async with httpx.AsyncClient(base_url=sh.opts.url, timeout=30) as http:
        try:
            token = await login(http, bot.agent_id, sh.opts.password)
            http.headers["Authorization"] = f"Bearer {token}"
            http.cookies.clear()
            url = sh.opts.url.replace("http", "ws", 1) + f"/api/stream?token={token}"
            async with websockets.connect(url, max_size=None) as ws:
                await ws.recv()  # hello; only now sign in, or the first offer is missed
                await _in_turn(sh, bot, lambda: _sign_in(http))
                while not sh.stop.is_set():
                    try:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    except TimeoutError:
                        continue
                    task = _reaction(sh, http, bot, msg, accept(), behaviour.recover_s, wraps)
                    if task is not None:
                        t = asyncio.create_task(task)
                        work.add(t)
                        t.add_done_callback(work.discard)
        finally:
            if not bot.counted:  # failed before its turn: the bots after it must not wait
                await _in_turn(sh, bot, None)
            for t in list(work):
                t.cancel()
            await asyncio.gather(*work, return_exceptions=True)
            await _sign_out(http)


def _reaction(
    sh: _Shared,
    http: httpx.AsyncClient,
    bot: Bot,
    msg: dict,
    accept_s: float,
    recover_s: float,
    wraps: dict[str, float],
):
    """The coroutine a stream message calls for, or None."""
    if msg.get("agent_id") != bot.agent_id:
        return None
    kind, data = msg.get("kind"), msg.get("data") or {}
    if kind == "contact.offered":
        return _work(sh, http, bot, accept_s, msg, wraps.get(msg.get("queue") or "", 0.0))
    if (
        kind == "agent.state"
        and data.get("to") == "not_ready"
        and data.get("reason") in RECOVERABLE
    ):
        return _recover(sh, http, recover_s)
    return None
