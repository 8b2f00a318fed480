"""API half of the routing benchmark: contacts created per second and p99 latency through a
real `hotline serve` process, on SQLite and on PostgreSQL, with 200 agents connected.

Each agent is a bot: it logs in, holds a WebSocket to `/api/stream`, accepts every offer it is
pushed and completes the contact shortly after, so routing keeps working while contacts pour
in. Channel clients post contacts as fast as the server answers (a fixed number of concurrent
requests) for a fixed time, then at a steady Poisson rate; only `POST /api/contacts` latencies
are reported. The timed clients run in a process of their own, so the bots' event loop does
not add its own stalls to the figures (a channel adapter is a separate process as well).

`BENCH_PROBE=trace.json` serves through `bench/route_probe.py` (loop lag, commits, GC) and
`BENCH_PYSPY=stacks.txt` samples the server with py-spy through the paced phase.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import websockets
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PASSWORD = "hotline-demo"
SERVER_PID = [0]  # of the running bench server, for a profiler (BENCH_PYSPY)
PG_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def center_yaml(agents: int, queues: int = 20, skills: int = 10, seed: int = 7) -> str:
    rnd = random.Random(seed)
    lines = ["center: {name: bench, strategy: longest_idle}", "queues:"]
    for q in range(queues):
        lines.append(
            f"  - {{id: q{q:02d}, name: Q{q}, skills: {{s{q % skills}: 1}}, "
            f"wrap_up_s: 0, offer_timeout_s: 60}}"
        )
    lines.append("agents:")
    for a in range(agents):
        held = rnd.sample(range(skills), 4)
        sk = ", ".join(f"s{s}: {rnd.randint(3, 9)}" for s in held)
        lines.append(f"  - {{id: b{a:03d}, name: B{a}, skills: {{{sk}}}, chat_capacity: 3}}")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def pg_schema():
    base = make_url(PG_URL)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def server(db_url: str, agents: int, workdir: Path):
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url, "HOTLINE_PASSWORD_HASH": "cheap"}
    if src := os.environ.get("BENCH_SERVER_SRC"):  # serve another checkout's code (A/B runs)
        env["PYTHONPATH"] = src
    cfg = workdir / "center.yaml"
    cfg.write_text(center_yaml(agents))
    cli = [sys.executable, "-m", "hotline.cli"]
    subprocess.run(
        [*cli, "init", "--config", str(cfg), "--demo-logins"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (workdir / "server.log").open("w")
    cmd = [*cli, "serve", "--port", str(port), "--no-access-log"]
    if trace := os.environ.get("BENCH_PROBE"):  # instrumented server (bench/route_probe.py)
        probe = Path(__file__).with_name("route_probe.py")
        cmd = [sys.executable, str(probe), "--port", str(port), "--trace", trace]
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    SERVER_PID[0] = proc.pid
    with healthy(proc, base, log):
        yield base


@contextlib.contextmanager
def healthy(proc: subprocess.Popen, base: str, log) -> Iterator[str]:
    """Wait until the server at `base` answers /api/health; stop it and close its log after."""
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class ApiResult:
    """`created`/`seconds`/`p50_ms`/`p99_ms`: the saturated phase (capacity); `paced_*`: the
    open-loop phase at `paced_rate` contacts per second (latency under a steady load)."""

    created: int
    seconds: float
    p50_ms: float
    p99_ms: float
    answered: int
    errors: int
    paced_rate: float = 0.0
    paced_p50_ms: float = 0.0
    paced_p99_ms: float = 0.0
    paced_p999_ms: float = 0.0
    paced_n: int = 0

    @property
    def per_s(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


async def _login(http: httpx.AsyncClient, user: str) -> str:
    r = await http.post("/api/auth/login", json={"username": user, "password": PASSWORD})
    r.raise_for_status()
    return r.json()["token"]


async def _agent_bot(
    base: str,
    agent: str,
    stop: asyncio.Event,
    answered: list[int],
    ready: asyncio.Event,
    counter: list[int],
) -> None:
    # One small client per bot: httpx scans its whole pool on every request, so a shared pool
    # of 200 connections made the load generator, not the server, the bottleneck.
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await _bot_session(base, http, agent, stop, answered, ready, counter)


async def _bot_session(
    base: str,
    http: httpx.AsyncClient,
    agent: str,
    stop: asyncio.Event,
    answered: list[int],
    ready: asyncio.Event,
    counter: list[int],
) -> None:
    token = await _login(http, agent)
    hdr = {"Authorization": f"Bearer {token}"}
    for state in ("login", "available"):
        (
            await http.post("/api/agents/me/state", json={"state": state}, headers=hdr)
        ).raise_for_status()
    ws_url = base.replace("http", "ws") + f"/api/stream?token={token}"
    async with websockets.connect(ws_url, max_size=None) as ws:
        await ws.recv()  # hello
        counter[0] += 1
        if counter[0] == counter[1]:
            ready.set()
        while not stop.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                continue
            if msg.get("kind") == "contact.offered" and msg.get("agent_id") == agent:
                cid = msg["contact_id"]
                r = await http.post(f"/api/contacts/{cid}/accept", headers=hdr)
                if r.status_code == 200:
                    answered[0] += 1
                    await asyncio.sleep(0.2)
                    await http.post(f"/api/contacts/{cid}/complete", json={}, headers=hdr)


def _pick(lat: list[float], q: float) -> float:
    return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0


def _contact_body(rnd: random.Random) -> dict:
    return {"queue": f"q{rnd.randrange(20):02d}", "customer": f"139{rnd.randrange(10**8):08d}"}


async def _post_contact(http: httpx.AsyncClient, hdr: dict, body: dict) -> bool:
    """One contact; False for an error answer or a dropped connection (counted, not fatal:
    one reset connection on a loaded machine must not lose the whole run's figures)."""
    try:
        r = await http.post("/api/contacts", json=body, headers=hdr)
    except httpx.TransportError:
        return False
    return r.status_code == 201


async def _saturate(http: httpx.AsyncClient, hdr: dict, seconds: float, concurrency: int):
    """Closed loop: `concurrency` clients post back to back. Measures capacity."""
    lat: list[float] = []
    errors = [0]
    t_end = time.perf_counter() + seconds

    async def client(k: int) -> None:
        rnd = random.Random(k)
        while time.perf_counter() < t_end:
            t = time.perf_counter()
            errors[0] += not await _post_contact(http, hdr, _contact_body(rnd))
            lat.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(concurrency)))
    return lat, time.perf_counter() - t0, errors[0]


async def _paced(http: httpx.AsyncClient, hdr: dict, seconds: float, rate: float):
    """Open loop: Poisson arrivals at `rate` per second, as callers really arrive. Measures
    the latency a channel adapter sees when the server is not saturated."""
    rnd = random.Random(99)
    lat: list[float] = []
    errors = [0]

    async def one() -> None:
        t = time.perf_counter()
        errors[0] += not await _post_contact(http, hdr, _contact_body(rnd))
        lat.append(time.perf_counter() - t)

    await http.get("/api/health")  # marks the start of this phase in a probe trace
    spy = None
    if out := os.environ.get("BENCH_PYSPY"):  # sample the server through this phase
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "-p",
                str(SERVER_PID[0]),
                "-d",
                str(int(seconds)),
                "-r",
                "200",
                "--threads",
                "--nonblocking",
                "--idle",
                "--format",
                "raw",
                "-o",
                out,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    tasks = []
    t_next = time.perf_counter()
    t_end = t_next + seconds
    while t_next < t_end:
        await asyncio.sleep(max(0.0, t_next - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
        t_next += rnd.expovariate(rate)
    await asyncio.gather(*tasks)
    if spy is not None:
        await asyncio.to_thread(spy.wait)
    return lat, errors[0]


def _client(base: str, seconds: float, concurrency: int, rate: float, pid: int) -> tuple:
    """Both timed phases, in a process of their own: the 200 bots' event loop must not delay
    the clock of the requests being timed (a channel adapter is a process of its own too)."""
    SERVER_PID[0] = pid

    async def phases() -> tuple:
        limits = httpx.Limits(max_connections=concurrency + 64)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            hdr = {"Authorization": f"Bearer {await _login(http, 'channel')}"}
            sat, elapsed, err1 = await _saturate(http, hdr, seconds, concurrency)
            paced, err2 = await _paced(http, hdr, paced_seconds(seconds), rate)
        return sat, elapsed, paced, err1 + err2

    return asyncio.run(phases())


def paced_seconds(seconds: float) -> float:
    """The paced phase runs longer than the saturated one: enough samples for a p99.9."""
    return max(2 * seconds, 6.0)


async def _drive(
    base: str, agents: int, seconds: float, concurrency: int, rate: float
) -> ApiResult:
    stop, ready = asyncio.Event(), asyncio.Event()
    answered, counter = [0], [0, agents]
    bots = [
        asyncio.create_task(_agent_bot(base, f"b{i:03d}", stop, answered, ready, counter))
        for i in range(agents)
    ]
    try:
        await asyncio.wait_for(ready.wait(), 180)
        spawn = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
            job = pool.submit(_client, base, seconds, concurrency, rate, SERVER_PID[0])
            sat, elapsed, paced, errors = await asyncio.wrap_future(job)
    finally:  # bots finish what they hold; a bot stuck on a busy server is not waited for
        stop.set()
        _done, stuck = await asyncio.wait(bots, timeout=30)
        for t in stuck:
            t.cancel()
        failed = [t for t in _done if not t.cancelled() and t.exception() is not None]
        if failed:
            print(f"  {len(failed)} bots failed, e.g. {failed[0].exception()!r}", file=sys.stderr)
    sat.sort()
    paced.sort()
    return ApiResult(
        created=len(sat),
        seconds=elapsed,
        p50_ms=_pick(sat, 0.5),
        p99_ms=_pick(sat, 0.99),
        answered=answered[0],
        errors=errors,
        paced_rate=rate,
        paced_p50_ms=_pick(paced, 0.5),
        paced_p99_ms=_pick(paced, 0.99),
        paced_p999_ms=_pick(paced, 0.999),
        paced_n=len(paced),
    )


def run_api(
    db: str, agents: int = 200, seconds: float = 20.0, concurrency: int = 4, rate: float = 50.0
) -> ApiResult:
    """Start a server on `db` ("sqlite" or "postgresql"), drive it, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(os.environ.get("BENCH_WORKDIR") or tmp)
        work.mkdir(parents=True, exist_ok=True)
        ctx = (
            pg_schema()
            if db == "postgresql"
            else contextlib.nullcontext(f"sqlite:///{work / 'bench.db'}")
        )
        with ctx as url, server(url, agents, work) as base:
            return asyncio.run(_drive(base, agents, seconds, concurrency, rate))


if __name__ == "__main__":
    for db in ("sqlite", "postgresql"):
        r = run_api(db, agents=200, seconds=5)
        print(db, r, f"{r.per_s:.0f}/s")
