"""Soak: the 966666 day through the live API on PostgreSQL, watching for slow leaks and stalls.

    python bench/soak.py [--quick] [--minutes 30] [--speed 10] [--start 08:00]

A fresh PostgreSQL schema gets the demo center (the 966666 airport hotline), a real server
runs it (`hotline serve`'s app under `bench/route_probe.py`, which adds a sampler), and
hotline's own live drive (`hotline.sim.drive`: the scenario's callers, phone and WeChat chat
contacts, through `POST /api/contacts`, and bot agents on the WebSocket stream accepting and
completing them) plays the day at `--speed` (10x) for `--minutes` of real time (30; `--quick`:
2). Every 10 s the server records its RSS, open sockets, pooled database connections in use,
event-loop lag, request p99 and 5xx count (`soak-samples.jsonl` in the work directory).

At the end: errors (client-side drive errors + server 5xx), lost (contacts the drive was told
were created but the database does not have), stuck_agents (agents not logged out 15 s after
the bots stopped), RSS growth from the first sample to the last, and the server-side p99 of all
API requests of the run. The machine is shared, so latency figures are a floor; the counts are
the point.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.route_api import free_port, healthy, pg_schema
from hotline.sim import load_scenario
from hotline.sim.drive import DriveOptions, run_drive

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "966666.yaml"
PASSWORD = "hotline-demo"


@contextlib.contextmanager
def soak_server(db_url: str, work: Path, samples: Path, every: float):
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url, "HOTLINE_PASSWORD_HASH": "cheap"}
    cli = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*cli, "init", "--demo-logins"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (work / "server.log").open("w")
    probe = Path(__file__).with_name("route_probe.py")
    cmd = [
        sys.executable,
        str(probe),
        "--port",
        str(port),
        "--trace",
        str(work / "trace.json"),
        "--sample",
        str(samples),
        "--every",
        str(every),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    with healthy(proc, base, log):
        yield base


def stuck_agents(base: str, grace_s: float = 15.0) -> list[str]:
    """Agents still logged in `grace_s` after the bots logged out (none should be)."""
    with httpx.Client(base_url=base, timeout=10) as http:
        r = http.post("/api/auth/login", json={"username": "supervisor", "password": PASSWORD})
        hdr = {"Authorization": f"Bearer {r.json()['token']}"}
        deadline = time.time() + grace_s
        while True:
            agents = http.get("/api/agents", headers=hdr).json()
            stuck = [a["id"] for a in agents if a["state"] != "offline"]
            if not stuck or time.time() > deadline:
                return stuck
            time.sleep(1)


def stored_contacts(db_url: str) -> int:
    """Contacts the callers created (callbacks the router made, `…-cb`, not counted)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            q = "SELECT count(*) FROM contacts WHERE id NOT LIKE '%-cb'"
            return int(c.execute(text(q)).scalar_one())
    finally:
        engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 minutes instead of 30")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--speed", type=float, default=10.0)
    p.add_argument("--start", default="08:00", help="scenario time of day to start at")
    p.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    args = p.parse_args()
    minutes = args.minutes or (2.0 if args.quick else 30.0)
    scenario = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(os.environ.get("BENCH_WORKDIR") or tmp)
        work.mkdir(parents=True, exist_ok=True)
        samples = work / "soak-samples.jsonl"
        samples.unlink(missing_ok=True)
        with pg_schema() as url, soak_server(url, work, samples, args.every) as base:
            opts = DriveOptions(
                url=base,
                speed=args.speed,
                minutes=minutes,
                start_clock=args.start,
                password=PASSWORD,
            )
            report = run_drive(scenario, opts, log=print)
            stuck = stuck_agents(base)
            time.sleep(args.every + 1)  # one more sample after the drive
            lost = max(0, report.created - stored_contacts(url))
            trace_p99 = None
        rows = [json.loads(line) for line in samples.read_text().splitlines()]
        trace = work / "trace.json"
        if trace.exists():
            t = json.loads(trace.read_text())
            ds = sorted(d for _s, d, path in t["requests"] if path.startswith("/api/"))
            trace_p99 = ds[int(0.99 * (len(ds) - 1))] * 1000 if ds else 0.0
    for r in rows:
        print(
            f"  rss {r['rss_mb']:7.1f} MB  sockets {r['sockets']:4d}  db in use "
            f"{r['db_in_use']}  lag max {r['lag_max_ms']:6.1f} ms  stalls>50ms "
            f"{r['stalls_over_50ms']:3d}  requests {r['requests']:5d}  p99 {r['p99_ms']:6.1f} ms"
            f"  5xx {r['errors_5xx']}  commits {r['router'].get('commits')}"
            f"/{r['router'].get('commands')} commands"
        )
    server_5xx = rows[-1]["errors_5xx"] if rows else 0
    errors = sum(report.errors.values()) + server_5xx
    growth = rows[-1]["rss_mb"] - rows[0]["rss_mb"] if len(rows) > 1 else 0.0
    p99 = trace_p99 if trace_p99 is not None else max((r["p99_ms"] for r in rows), default=0.0)
    print(
        f"drive: {report.created} contacts created, {report.answered} answered "
        f"({report.bot_answered} by {report.bots} bots), {report.abandoned} abandoned, "
        f"{report.window_s / 3600:.2f} h of scenario in {report.seconds:.0f} s; client errors "
        f"{dict(report.errors)}; server 5xx {server_5xx}; stuck {stuck}"
    )
    print(
        f"RESULT errors={errors} lost={lost} stuck_agents={len(stuck)} "
        f"rss_growth_mb={growth:.1f} p99_ms={p99:.1f} samples={len(rows)} "
        f"max_lag_ms={max((r['lag_max_ms'] for r in rows), default=0.0):.1f} "
        f"contacts={report.created}"
    )


if __name__ == "__main__":
    main()
