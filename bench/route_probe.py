"""Where does the API latency tail come from? An instrumented `hotline serve`.

    python bench/route_probe.py --port 8000 --trace trace.json   # serve, write trace on exit
    python bench/route_probe.py --analyse trace.json             # attribute the slow requests

The server is the real one (`create_app` under uvicorn, same settings as `hotline serve`);
four recorders are added around it, each writing (start, duration) intervals on the monotonic
clock:

* `requests`: every HTTP request, from the ASGI call to the last body byte (server side);
* `lag`: event-loop stalls - a task sleeps 5 ms and records how late it wakes up;
* `append`: every `Store.append`, with the thread it ran on (event-loop thread or not);
* `gc`: every garbage-collector pause (`gc.callbacks`), with its generation.

`--analyse` then asks, for the requests slower than a threshold, which of the other intervals
overlapped them: a request that was slow while the loop thread was inside a long commit was
slow *because of* that commit (the loop runs nothing else meanwhile). Ratios, not absolute
times, are the point: on a shared machine the absolute figures move with the neighbours.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import gc
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Interval = tuple[float, float]  # (start, duration) in seconds, monotonic clock


class Recorder:
    """Collects intervals from every thread; dumped once at exit."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, float, str]] = []
        self.lag: list[Interval] = []
        self.append_loop: list[Interval] = []
        self.append_other: list[Interval] = []
        self.gc: list[tuple[float, float, int]] = []
        self.loop_thread: int | None = None
        self.errors_5xx = 0
        self._gc_start = 0.0

    def dump(self, path: str) -> None:
        stats = getattr(getattr(APP.state, "service", None), "stats", None) if APP else None
        extra = {"_gc_start": 0, "stats": getattr(stats, "__dict__", {})}
        Path(path).write_text(json.dumps(self.__dict__ | extra))

    # -- gc.callbacks
    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_start = now
        else:
            self.gc.append((self._gc_start, now - self._gc_start, info.get("generation", -1)))


REC = Recorder()
TASKS: list[asyncio.Task] = []  # the probe's own background tasks
APP: Any = None  # the app being served (its service's group-commit counters are dumped)


def _patch_store() -> None:
    from hotline.store import repository

    original = repository.Store.append

    def timed(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            d = time.perf_counter() - t
            on_loop = threading.get_ident() == REC.loop_thread
            (REC.append_loop if on_loop else REC.append_other).append((t, d))

    repository.Store.append = timed  # type: ignore[method-assign]


async def _lag_probe(every: float = 0.005) -> None:
    REC.loop_thread = threading.get_ident()
    while True:
        t = time.perf_counter()
        await asyncio.sleep(every)
        late = time.perf_counter() - t - every
        if late > 0.002:
            REC.lag.append((t + every, late))


def _wrap(app: Any, sample: tuple[str, float] | None = None) -> Any:
    """ASGI wrapper: time requests (and count 5xx), start the lag probe (and the sampler)."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "lifespan":
            loop = asyncio.get_running_loop()
            TASKS.append(loop.create_task(_lag_probe()))
            if sample:
                TASKS.append(loop.create_task(_sampler(*sample)))
            return await app(scope, receive, send)
        if scope["type"] != "http":
            return await app(scope, receive, send)
        t = time.perf_counter()

        async def watched(message):
            if message["type"] == "http.response.start" and message["status"] >= 500:
                REC.errors_5xx += 1
            await send(message)

        try:
            return await app(scope, receive, watched)
        finally:
            REC.requests.append((t, time.perf_counter() - t, scope["path"]))

    return wrapped


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sockets() -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return n


async def _sampler(path: str, every: float) -> None:
    """Every `every` s, one JSON line: RSS, sockets, pooled DB connections in use, event-loop
    lag and requests of the period, 5xx so far, and the router thread's counters."""
    seen_lag = seen_req = 0
    while True:
        await asyncio.sleep(every)
        lag, seen_lag = REC.lag[seen_lag:], len(REC.lag)
        req, seen_req = REC.requests[seen_req:], len(REC.requests)
        ds = sorted(d for _s, d, _p in req)
        service = getattr(APP.state, "service", None)
        line = {
            "t": time.time(),
            "rss_mb": round(_rss_mb(), 1),
            "sockets": _sockets(),
            "db_in_use": service.store.engine.pool.checkedout() if service else None,
            "lag_max_ms": round(max((d for _s, d in lag), default=0.0) * 1000, 1),
            "stalls_over_50ms": sum(1 for _s, d in lag if d > 0.05),
            "requests": len(req),
            "p99_ms": round(ds[int(0.99 * (len(ds) - 1))] * 1000, 1) if ds else 0.0,
            "errors_5xx": REC.errors_5xx,
            "router": dict(service.stats.__dict__) if service else {},
        }
        with open(path, "a") as fh:
            fh.write(json.dumps(line) + "\n")


def serve(port: int, trace: str, sample: tuple[str, float] | None = None) -> None:
    import uvicorn

    from hotline.web import Settings, create_app

    _patch_store()
    gc.callbacks.append(REC.on_gc)
    from hotline.runtime.tuning import tune_process

    global APP
    APP = create_app(Settings(jobs="child"))  # as `hotline serve`: jobs in a child process
    tune_process()  # as `hotline serve` does
    app = _wrap(APP, sample)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the SIGTERM it caught once it has shut down: end with the dump then.
    signal.signal(signal.SIGTERM, lambda *_: (REC.dump(trace), sys.exit(0)))
    server.run()
    REC.dump(trace)


# ---------------------------------------------------------------------------- analysis


def _overlap(
    index: list[Interval], starts: list[float], t0: float, t1: float, longer: float
) -> float:
    """Longest interval in `index` (sorted by start) longer than `longer` overlapping [t0, t1]."""
    best = 0.0
    i = bisect.bisect_right(starts, t1)
    for s, d in reversed(index[max(0, i - 200) : i]):
        if s + d >= t0 and d > longer:
            best = max(best, d)
    return best


def _clip(v: list, t0: float, t1: float) -> list[Interval]:
    return sorted((x[0], x[1]) for x in v if t0 <= x[0] <= t1)


def _covered(stalls: list[Interval], by: list[Interval]) -> float:
    """Seconds of `stalls` during which one of `by` was running (both sorted by start)."""
    total, starts = 0.0, [s for s, _ in by]
    for s, d in stalls:
        i = bisect.bisect_right(starts, s + d)
        for bs, bd in by[max(0, i - 50) : i]:
            total += max(0.0, min(s + d, bs + bd) - max(s, bs))
    return total


def gc_by_generation(path: str) -> dict[int, dict[str, float]]:
    """Count, p50 and max pause (ms) of the collector per generation, over the whole run."""
    by: dict[int, list[float]] = {}
    for _s, d, g in json.loads(Path(path).read_text())["gc"]:
        by.setdefault(g, []).append(d * 1000)
    return {
        g: {"n": len(v), "p50_ms": round(sorted(v)[len(v) // 2], 1), "max_ms": round(max(v), 1)}
        for g, v in sorted(by.items())
    }


def analyse(path: str, slow_ms: float = 50.0, paths: str = "/api/contacts") -> dict[str, Any]:
    """Attribute the paced phase's slow `POST /api/contacts` to what overlapped them."""
    t = json.loads(Path(path).read_text())
    # the bench client marks the start of its paced phase with a health check
    marks = [s for s, _d, p in t["requests"] if p == "/api/health"]
    since = marks[-1] if marks else 0.0
    reqs = sorted((s, d) for s, d, p in t["requests"] if p == paths and s >= since)
    until = max((s + d for s, d in reqs), default=since)
    series = {
        "lag": _clip(t["lag"], since, until),
        "append_loop": _clip(t["append_loop"], since, until),
        "append_other": _clip(t["append_other"], since, until),
        "gc": _clip(t["gc"], since, until),
    }
    slow = [(s, d) for s, d in reqs if d * 1000 > slow_ms]
    span = until - since
    out: dict[str, Any] = {
        "requests": len(reqs),
        "slow": len(slow),
        "slow_ms": slow_ms,
        "span_s": round(span, 1),
        "router_stats": t.get("stats"),
    }
    rd = sorted(d for _s, d in reqs)
    out["server_p50_ms"] = round(rd[len(rd) // 2] * 1000, 1) if rd else 0.0
    out["server_p99_ms"] = round(rd[int(0.99 * (len(rd) - 1))] * 1000, 1) if rd else 0.0
    for name, v in series.items():
        starts = [s for s, _ in v]
        hits = sum(1 for s, d in slow if _overlap(v, starts, s, s + d, 0.02) > 0)
        ds = sorted(d for _s, d in v)
        out[name] = {
            "n": len(v),
            "p99_ms": round(ds[int(0.99 * (len(ds) - 1))] * 1000, 1) if ds else 0.0,
            "max_ms": round(ds[-1] * 1000, 1) if ds else 0.0,
            "busy_pct": round(100 * sum(ds) / span, 1) if span else 0.0,
            "slow_requests_overlapping_one_over_20ms": hits,
        }
    slow_time = sum(d for _s, d in slow)
    for name in ("append_loop", "gc", "lag"):
        share = _covered(slow, series[name]) / slow_time if slow_time else 0.0
        out[f"slow_request_time_in_{name}_pct"] = round(100 * share, 1)
    stall = sum(d for _s, d in series["lag"])
    out["loop_stalled_pct"] = round(100 * stall / span, 1) if span else 0.0
    for name in ("append_loop", "gc"):
        share = _covered(series["lag"], series[name]) / stall if stall else 0.0
        out[f"stall_time_inside_{name}_pct"] = round(100 * share, 1)
    out["gc_by_generation"] = gc_by_generation(path)
    return out


#: What the loop thread was doing, by the first matching frame (most specific first).
SPY_CATEGORIES = (
    ("db write (Store.append)", "Store.append"),
    ("db read", "repository.py"),
    ("db read", "accounts.py"),
    ("router", "hotline/routing/"),
    ("stream fan-out", "hotline/web/stream.py"),
    ("websocket I/O", "websockets/"),
    ("request handling", "starlette/"),
    ("request handling", "fastapi/"),
    ("request handling", "pydantic"),
    ("request handling", "uvicorn/protocols/http"),
)


def spy_summary(path: str) -> dict[str, float]:
    """Share of the loop thread's py-spy samples (`--format raw --idle`) per category."""
    counts: dict[str, int] = {}
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if "MainThread" not in stack.split(";", 1)[0]:
            continue
        frames = stack.split(";")
        if frames[-1].startswith("Runner.run") or "select" in frames[-1]:
            cat = "idle"
        else:
            cat = next((c for c, key in SPY_CATEGORIES if key in stack), "other python")
        counts[cat] = counts.get(cat, 0) + int(n)
    total = sum(counts.values()) or 1
    return {k: round(100 * v / total, 1) for k, v in sorted(counts.items(), key=lambda x: -x[1])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--trace", default=os.environ.get("BENCH_TRACE", "trace.json"))
    p.add_argument("--analyse", metavar="TRACE")
    p.add_argument("--slow-ms", type=float, default=50.0)
    p.add_argument("--sample", metavar="JSONL", help="append periodic samples to this file")
    p.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    p.add_argument("--spy", metavar="RAW", help="summarise a py-spy raw record of the server")
    args = p.parse_args()
    if args.spy:
        print(json.dumps(spy_summary(args.spy), indent=1))
    elif args.analyse:
        print(json.dumps(analyse(args.analyse, args.slow_ms), indent=1))
    else:
        serve(args.port, args.trace, (args.sample, args.every) if args.sample else None)


if __name__ == "__main__":
    main()
