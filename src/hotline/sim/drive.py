"""Live drive: the scenario's traffic model hitting a running server through its HTTP API.

Simulated callers are posted by the `channel` login (`POST /api/contacts`, and `/leave` when
their patience runs out); simulated agents ("bots") log in as agent users, hold a WebSocket to
`/api/stream`, accept the offers pushed to them after a ring delay and complete them after the
handle time. Every duration is divided by `speed`, so `--speed 10` plays a day in 2.4 hours.
A supervisor stream tells callers which contacts were answered (by a bot or by a person at the
desktop), so a caller never hangs up on a call someone took.

Bounded by design: it stops after the window (`minutes` of real time, or the rest of the
scenario), then withdraws its still-waiting callers and logs its bots out. It talks only to the
URL it is given (a local server in tests and demos).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import heapq
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from hotline.sim.drive_bots import Bot, bot_loop, login
from hotline.sim.scenario import Scenario
from hotline.sim.schema import clock_s
from hotline.sim.traffic import Stream, build_streams, stream_rng

OBSERVER_GRACE_S = 1.0  # after the bots stop, the stream still carries their last answers


@dataclass(frozen=True)
class DriveOptions:
    url: str = "http://127.0.0.1:8000"
    speed: float = 10.0
    bots: int | None = None  # None = every agent the server knows
    minutes: float | None = None  # real minutes; None = until the scenario ends
    start_clock: str | None = None  # scenario time of day to start at, "HH:MM"; None = 00:00
    day: int = 1  # scenario day of `start_clock` (1 = the first)
    seed: int | None = None
    password: str = "hotline-demo"


@dataclass
class DriveReport:
    """What the drive did, counted on the client side."""

    seconds: float = 0.0
    window_s: float = 0.0  # scenario seconds covered
    created: int = 0
    retrials: int = 0
    abandoned: int = 0
    answered: int = 0  # by anyone (bots or people), seen on the supervisor stream
    bot_answered: int = 0
    bot_completed: int = 0
    hung_up_in_call: int = 0  # a hang-up crossed the accept in flight: the call ended early
    bots: int = 0
    errors: Counter = field(default_factory=Counter)
    epoch: float | None = None  # wall clock (time.time()) at the window's first scenario second


@dataclass
class _Shared:
    """State the callers, the observer and the bots share (one event loop, no locks)."""

    opts: DriveOptions
    streams: list[Stream]
    report: DriveReport
    stream_of: dict[str, int] = field(default_factory=dict)  # contact id -> stream index
    handle_of: dict[str, float] = field(default_factory=dict)  # contact id -> drawn handle time
    numbers: random.Random = field(default_factory=random.Random)  # customer numbers
    answered: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    accepting: set[str] = field(default_factory=set)  # a bot's accept is in flight
    expired: set[str] = field(default_factory=set)  # patience ran out during such an accept
    channel: httpx.AsyncClient | None = None  # logged in as `channel`: creates and hangs up
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    signed_in: int = 0  # bots logged in and available, one at a time in id order
    turn: asyncio.Condition = field(default_factory=asyncio.Condition)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)  # every bot is
    drained: asyncio.Event = field(default_factory=asyncio.Event)  # bots done, stream read

    def real(self, scenario_s: float) -> float:
        return scenario_s / self.opts.speed


def _arrivals(scenario: Scenario, streams: list[Stream], t0: float, t1: float):
    """(scenario time, stream) of every arrival in [t0, t1), merged in time order."""

    def one(s: Stream):
        for t in s.times():
            if t >= t1:
                return
            if t >= t0:
                yield (t, s.index)

    return heapq.merge(*(one(s) for s in streams))


async def _caller(
    sh: _Shared, http: httpx.AsyncClient, si: int, retry_of: str | None = None
) -> None:
    """One simulated caller: (IVR menu,) ask for a person, hang up when patience runs out.

    `retry_of` is the customer number of a caller dialling again ("" = none): they keep it,
    and the draws follow the simulator's order (number, handle, patience on each stream's
    own generator), so one seed gives the live drive and the twin the same callers.
    """
    s = sh.streams[si]
    if s.menu is not None:
        await asyncio.sleep(sh.real(s.menu()))
    body: dict = {"queue": s.queue, "channel": s.channel.value, "priority": s.flow.priority}
    if s.flow.language:
        body["language"] = s.flow.language
    customer = retry_of
    if retry_of is None and s.callback_share > 0 and s.other.random() < s.callback_share:
        customer = f"1{sh.numbers.randrange(10**10):010d}"  # not `other`: keep its draws aligned
    if customer:
        body["customer"] = customer
    handle_s = s.handle()  # drawn on arrival, as the simulator does
    r = await http.post("/api/contacts", json=body)
    if r.status_code != 201:
        sh.report.errors[f"create {r.status_code}"] += 1
        return
    cid = r.json()["id"]
    sh.stream_of[cid] = si
    sh.handle_of[cid] = handle_s
    sh.report.created += 1
    sh.report.retrials += retry_of is not None
    if s.patience is None:
        return
    await asyncio.sleep(sh.real(s.patience()))
    if cid in sh.answered or cid in sh.ended or sh.stop.is_set():
        return
    if cid in sh.accepting:  # never hang up on a call being picked up; the bot decides
        sh.expired.add(cid)
        return
    if not await hang_up(sh, http, cid):
        return
    await _retry(sh, http, s, customer or "")


async def hang_up(sh: _Shared, http: httpx.AsyncClient, cid: str) -> bool:
    """The caller gives up; False when the contact was answered or ended meanwhile."""
    r = await http.post(f"/api/contacts/{cid}/leave")
    if r.status_code != 200:
        return False
    sh.report.abandoned += 1
    return True


async def _retry(sh: _Shared, http: httpx.AsyncClient, s: Stream, customer: str) -> None:
    """Some abandoners call again after a while (a new contact of the same stream)."""
    retrial = s.flow.retrial
    if retrial is not None and s.retrial_delay is not None and s.other.random() < retrial.share:
        await asyncio.sleep(sh.real(s.retrial_delay()))
        if not sh.stop.is_set():
            await _caller(sh, http, s.index, customer)


async def _observer(sh: _Shared, base: str, token: str) -> None:
    """Supervisor stream: which contacts were answered or ended, by anyone."""
    import websockets

    url = base.replace("http", "ws", 1) + f"/api/stream?token={token}"
    async with websockets.connect(url, max_size=None) as ws:
        await ws.recv()  # hello
        sh.ready.set()
        while not sh.drained.is_set():  # past the stop: the last accepts are still on the way
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                continue
            kind, cid = msg.get("kind"), msg.get("contact_id")
            if kind == "contact.answered":
                sh.answered.add(cid)
                sh.report.answered += 1
            elif kind == "contact.ended":
                sh.ended.add(cid)


async def _callers(sh: _Shared, http: httpx.AsyncClient, scenario: Scenario, t0: float, t1: float):
    loop = asyncio.get_running_loop()
    start = loop.time()
    sh.report.epoch = time.time()
    tasks: set[asyncio.Task] = set()
    for t, si in _arrivals(scenario, sh.streams, t0, t1):
        delay = start + sh.real(t - t0) - loop.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sh.stop.wait(), delay)
        if sh.stop.is_set():
            break
        task = asyncio.create_task(_caller(sh, http, si))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    remaining = start + sh.real(t1 - t0) - loop.time()
    if remaining > 0 and not sh.stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sh.stop.wait(), remaining)
    sh.stop.set()
    for task in list(tasks):
        task.cancel()


async def _withdraw(sh: _Shared, http: httpx.AsyncClient) -> None:
    """Waiting callers of ours hang up, so the drive leaves no queue behind."""
    for cid in list(sh.stream_of):
        if cid not in sh.answered and cid not in sh.ended:
            with contextlib.suppress(httpx.HTTPError):
                await http.post(f"/api/contacts/{cid}/leave")


async def drive(
    scenario: Scenario, opts: DriveOptions, log: Callable[[str], None] = print
) -> DriveReport:
    """Play the scenario against the server at `opts.url`; returns client-side counts."""
    seed = scenario.spec.seed if opts.seed is None else opts.seed
    report = DriveReport()
    sh = _Shared(opts=opts, streams=build_streams(scenario, seed), report=report)
    clock = clock_s(opts.start_clock) if opts.start_clock else 0.0
    t0 = scenario.day_start(opts.day - 1) + clock
    t1 = scenario.end
    if opts.minutes is not None:
        t1 = min(t1, t0 + opts.minutes * 60.0 * opts.speed)
    report.window_s = max(0.0, t1 - t0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with httpx.AsyncClient(base_url=opts.url, timeout=30) as http:
        channel_token = await login(http, "channel", opts.password)
        sup_token = await login(http, "supervisor", opts.password)
        sup = {"Authorization": f"Bearer {sup_token}"}
        queues = {q["id"] for q in (await http.get("/api/queues", headers=sup)).json()}
        missing = sorted({s.queue for s in sh.streams} - queues)
        if missing:
            raise RuntimeError(
                f"the server has no queue {', '.join(missing)}; init it with the scenario's center"
            )
        agents = sorted(a["id"] for a in (await http.get("/api/agents", headers=sup)).json())
        bots = [
            Bot(aid, stream_rng(seed, "bot", aid), i) for i, aid in enumerate(agents[: opts.bots])
        ]
        report.bots = len(bots)
        http.headers["Authorization"] = f"Bearer {channel_token}"
        sh.channel = http
        observer = asyncio.create_task(_observer(sh, opts.url, sup_token))
        await asyncio.wait_for(sh.ready.wait(), 30)
        bot_tasks = [asyncio.create_task(bot_loop(sh, scenario, b)) for b in bots]
        if not bots:
            sh.all_in.set()
        # the first callers must find the agents a simulated day would have logged in
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sh.all_in.wait(), 60)
        log(
            f"driving {opts.url}: {len(bots)} bots, "
            f"{report.window_s / 3600:.1f} h of scenario at ×{opts.speed:g}"
        )
        try:
            await _callers(sh, http, scenario, t0, t1)
        finally:
            sh.stop.set()
            await _withdraw(sh, http)
            await asyncio.gather(*bot_tasks, return_exceptions=True)
            await asyncio.sleep(OBSERVER_GRACE_S)
            sh.drained.set()
            observer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await observer
    report.seconds = loop.time() - began
    return report


def run_drive(
    scenario: Scenario, opts: DriveOptions, log: Callable[[str], None] = print
) -> DriveReport:
    """Synchronous entry point for the CLI and tests.

    When the calling thread already runs an event loop (a notebook, or Playwright's sync API in
    the same test process), the drive gets its own loop in a worker thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(drive(scenario, opts, log))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, drive(scenario, opts, log)).result()
