"""How long do the router's commits wait while the report catch-up folds a backlog?

    python bench/catch_up_contention.py [--quick] [--base-src /tmp/base/src] [--db sqlite]

A database gets a backlog of events (200 agents answering contacts with wrap-up, as the live
router writes them); then a "router" thread appends an event every 10 ms through
`Store.append` (what the router thread does per commit) and times each commit, while a
`catch_up` of the whole backlog runs in a child process at nice +10, as the `hotline jobs`
child does (`--idle` adds runs without it, for reference). With `--base-src`, the same runs
with an older checkout's catch-up, interleaved with this one's, so the two meet the same
neighbours on a shared machine (issue 19: on SQLite a fold used to hold the write lock for
the whole batch, and back-to-back batches starved the router's commits).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.route_api import pg_schema
from hotline.domain.records import EventRecord
from hotline.store import Store, make_engine, migrate

BASE = 1_764_000_000.0
CHILD = """
import os, sys, time
os.nice(10)
if sys.argv[2] == "0":  # no catch-up: the router's commits alone, for reference
    time.sleep(4)
    print(0, 4.0)
    sys.exit()
from hotline.store import make_engine
from hotline.store.aggregates import Aggregates
agg = Aggregates(make_engine(sys.argv[1]))
t = time.perf_counter()
n = agg.catch_up(int(sys.argv[2]))
print(n, time.perf_counter() - t)
"""


def backlog(agents: int, contacts: int) -> list[EventRecord]:
    """Agents answering contacts in turn (answer, talk, wrap-up), in time order."""

    def state(at: float, agent: str, old: str, new: str) -> EventRecord:
        return EventRecord(at, "agent.state", agent_id=agent, data={"from": old, "to": new})

    out = [state(BASE, f"a{a}", "offline", "available") for a in range(agents)]
    for i in range(contacts):
        agent, t, cid = f"a{i % agents}", BASE + 10 + 130 * (i // agents), f"c{i}"
        q = f"q{i % 20}"
        out += [
            EventRecord(t, "contact.created", cid, queue=q, channel="voice"),
            EventRecord(t + 1, "contact.queued", cid, queue=q, data={"ewt_s": 5}),
            EventRecord(t + 9, "contact.answered", cid, agent, q, data={"wait_s": 8}),
            state(t + 9, agent, "available", "busy"),
            EventRecord(t + 90, "contact.ended", cid, agent, data={"outcome": "completed"}),
            state(t + 90, agent, "busy", "wrap_up"),
            state(t + 120, agent, "wrap_up", "available"),
        ]
    return sorted(out, key=lambda e: e.at)


def one_run(url: str, src: str, batch: int) -> dict[str, float]:
    """Commit every 10 ms while a niced child catches up; the commits' latencies (ms)."""
    store = Store(make_engine(url))
    lat: list[float] = []
    stop = threading.Event()

    def router() -> None:
        k = 0
        while not stop.is_set():
            k += 1
            cid = f"live{k}"
            t = time.perf_counter()
            store.append([EventRecord(time.time(), "contact.created", cid, queue="q1")])
            lat.append((time.perf_counter() - t) * 1000)
            time.sleep(0.01)

    thread = threading.Thread(target=router)
    thread.start()
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(batch)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    stop.set()
    thread.join()
    store.engine.dispose()
    lat.sort()
    return {
        "folded": float(out[0]),
        "catch_up_s": float(out[1]),
        "commits": len(lat),
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[int(0.99 * (len(lat) - 1))],
        "max_ms": lat[-1],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--base-src", help="the `src` directory of the checkout to compare with")
    p.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--idle", action="store_true", help="also a run without catch-up")
    args = p.parse_args()
    contacts = 1500 if args.quick else 6000
    events = backlog(200, contacts)
    new_src = str(Path(__file__).resolve().parent.parent / "src")
    sides = [("new", new_src)] + ([("base", args.base_src)] if args.base_src else [])
    if args.idle:
        sides.append(("idle", new_src))
    fields: list[str] = []
    for db in args.db or ("sqlite",):
        runs: dict[str, list[dict[str, float]]] = {}
        for rnd in range(args.rounds):
            for side, src in sides if rnd % 2 else sides[::-1]:
                with tempfile.TemporaryDirectory() as tmp:
                    if db == "sqlite":
                        ctx: object = None
                        url = f"sqlite:///{tmp}/bench.db"
                    else:
                        ctx = pg_schema()
                        url = ctx.__enter__()  # type: ignore[attr-defined]
                    try:
                        engine = make_engine(url)
                        migrate(engine)
                        Store(engine).append(events)
                        engine.dispose()
                        r = one_run(url, src, 0 if side == "idle" else args.batch)
                    finally:
                        if ctx is not None:
                            ctx.__exit__(None, None, None)  # type: ignore[attr-defined]
                        shutil.rmtree(tmp, ignore_errors=True)
                runs.setdefault(side, []).append(r)
                print(
                    f"{db:<10} round {rnd + 1} {side:<4} folded {r['folded']:.0f} events in "
                    f"{r['catch_up_s']:.1f} s; {r['commits']:.0f} router commits meanwhile: "
                    f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms",
                    flush=True,
                )
        short = "pg" if db == "postgresql" else db
        for side, rs in runs.items():
            fields += [
                f"{short}_{side}_commit_p99_ms={statistics.median(r['p99_ms'] for r in rs):.1f}",
                f"{short}_{side}_commit_max_ms={max(r['max_ms'] for r in rs):.1f}",
                f"{short}_{side}_catch_up_s={statistics.median(r['catch_up_s'] for r in rs):.1f}",
            ]
    load = os.getloadavg()[0]
    print("RESULT " + " ".join(fields) + f" load1={load:.1f}")


if __name__ == "__main__":
    main()
