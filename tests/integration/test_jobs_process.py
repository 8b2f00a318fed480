"""Specification: the background jobs run in a `hotline jobs` process, not in the server.

`hotline serve` starts the jobs process as its child: it folds the report aggregates while the
server keeps answering (the fold's CPU is spent in the child, not in the request-serving
process), it is started again when it dies, and it ends with the server - on SIGTERM and on a
`kill -9` of the server alike. Only one jobs process runs per center: a second one stands by
and takes over when the first one dies. Real processes, real SQLite file and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hotline.domain.records import EventRecord
from hotline.services.reports import Reports
from hotline.store import Store, open_store

from .test_restart import CENTER, Server, client

BACKLOG_CONTACTS = 3000  # ~12,000 events: a catch-up of several seconds on this machine


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(what: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Serve(Server):
    """`hotline serve` (test_restart's helper) that waits longer for the health check: the
    machine running the tests is shared, and a start may take a while."""

    def start(self, timeout: float = 120.0) -> None:
        env = {**os.environ, "HOTLINE_DATABASE_URL": self.db_url}
        cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(self.port)]
        out = self.log.open("a")
        self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_for(f"the server on {self.base}", self._healthy, timeout)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False


def backlog(n: int, start: float, prefix: str = "b") -> Iterator[EventRecord]:
    """`n` answered and completed voice contacts, five seconds apart from `start`."""
    for i in range(n):
        t, cid, agent = start + i * 5.0, f"{prefix}{i}", f"a{1 + i % 3}"
        yield EventRecord(t, "contact.created", cid, queue="general", channel="voice", data={})
        yield EventRecord(t + 1, "contact.queued", cid, queue="general", data={"ewt_s": 10.0})
        yield EventRecord(t + 9, "contact.answered", cid, agent, "general", data={"wait_s": 8.0})
        yield EventRecord(t + 60, "contact.ended", cid, agent, data={"outcome": "completed"})


def append(store: Store, events: Iterator[EventRecord]) -> None:
    batch = list(events)
    for i in range(0, len(batch), 2000):
        store.append(batch[i : i + 2000])


def init(db_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "center.yaml"
    cfg.write_text(CENTER)
    cmd = [sys.executable, "-m", "hotline.cli", "init", "--config", str(cfg), "--demo-logins"]
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url}
    subprocess.run(cmd, env=env, check=True, capture_output=True)


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    init(db_url, tmp_path)
    s = open_store(db_url)
    yield s
    s.close()


def test_the_jobs_child_folds_while_the_server_answers_restarts_and_ends_with_it(
    db_url, store, tmp_path
):
    append(store, backlog(BACKLOG_CONTACTS, time.time() - 86400))
    last = store.last_event_seq()
    aggregates = Reports.for_store(store).aggregates
    server = Serve(db_url, tmp_path / "server.log")
    try:
        server.start()
        (child,) = wait_for("the jobs child", lambda: children(server.proc.pid), 30)
        sup = client(server, "supervisor")

        # The catch-up runs in the child; the server answers meanwhile and spends little CPU.
        cpu0 = {p: cpu_s(p) for p in (server.proc.pid, child)}
        latencies = []
        while aggregates.cursor() < last:
            t = time.perf_counter()
            assert sup.get("/api/queues").status_code == 200
            latencies.append(time.perf_counter() - t)
            time.sleep(0.1)
        spent = {p: cpu_s(p) - cpu0[p] for p in cpu0}
        assert len(latencies) >= 10, "the catch-up ended before it could be observed"
        assert spent[child] > 1.0, spent
        assert spent[server.proc.pid] < 0.5 * spent[child], spent
        assert max(latencies) < 1.0, sorted(latencies)[-5:]

        # Killed, the child is started again and goes on folding.
        os.kill(child, signal.SIGKILL)
        new = lambda: [p for p in children(server.proc.pid) if p != child and alive(p)]  # noqa: E731
        (again,) = wait_for("a new jobs child", new, 30)
        append(store, backlog(10, time.time() - 3600, prefix="n"))
        last = store.last_event_seq()
        wait_for("the new child's catch-up", lambda: aggregates.cursor() >= last, 60)
        now = time.time()
        span = {"from": str(now - 3 * 86400), "to": str(now + 60), "grain": "day"}
        report = sup.get("/api/reports", params=span)
        total = sum(p["total"]["answered"] for p in report.json()["periods"])
        assert total == BACKLOG_CONTACTS + 10

        # The server's shutdown stops its child.
        server.stop()
        wait_for("the child to end with the server", lambda: not alive(again), 15)
    finally:
        server.stop()


def test_a_killed_server_leaves_no_jobs_process_behind(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'h.db'}"
    init(db_url, tmp_path)
    server = Serve(db_url, tmp_path / "server.log")
    try:
        server.start()
        (child,) = wait_for("the jobs child", lambda: children(server.proc.pid), 30)
        server.kill9()
        wait_for("the orphaned child to notice", lambda: not alive(child), 30)
    finally:
        server.stop()


def test_one_jobs_process_per_center_the_second_stands_by_and_takes_over(db_url, store, tmp_path):
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "hotline.cli", "jobs"]
    logs = [tmp_path / f"jobs{n}.log" for n in (1, 2)]
    out = subprocess.STDOUT
    procs = [subprocess.Popen(cmd, env=env, stdout=f.open("w"), stderr=out) for f in logs]
    try:
        runs, waits = "runs the background jobs", "stands by"
        both = lambda: all(runs in f.read_text() or waits in f.read_text() for f in logs)  # noqa: E731
        wait_for("both jobs processes to try the lock", both, 180)
        running = [i for i, f in enumerate(logs) if runs in f.read_text()]
        assert len(running) == 1, [f.read_text() for f in logs]
        (first,) = running
        other = 1 - first

        procs[first].kill()
        procs[first].wait(10)
        wait_for("the standby to take over", lambda: runs in logs[other].read_text(), 30)
        append(store, backlog(5, time.time() - 3600))
        aggregates = Reports.for_store(store).aggregates
        wait_for("its catch-up", lambda: aggregates.cursor() >= store.last_event_seq(), 60)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_serve_refuses_an_unknown_jobs_mode(tmp_path):
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}
    cmd = [sys.executable, "-m", "hotline.cli", "serve", "--jobs", "sometimes"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--jobs" in r.stdout
