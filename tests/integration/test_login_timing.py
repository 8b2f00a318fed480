"""Specification: a login's answer time does not tell valid names, and a flood of wrong
logins does not stall the rest of the API.

A real `hotline serve` process over HTTP with PRODUCTION argon2 parameters (RFC 9106 low
memory, about 0.4 s a check on these 2-core machines), on SQLite. The lockout and the address
limit are raised out of the way here: what is measured is the cost of checking passwords.
Medians and ratios with generous bounds, never absolute times: before the fix an unknown name
answered 40x faster than a known one, and the other endpoint went from 17 ms to 4.5 s.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher, profiles

from hotline.bootstrap import init_center
from hotline.config import load_demo_config
from hotline.store import open_store

from ..conftest import sqlite_url

SECRET = "correct-horse-battery-9"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served demo center whose `admin` has a production-strength argon2 hash (shared by
    both probes: with the limits raised, neither leaves state the other sees)."""
    tmp_path = tmp_path_factory.mktemp("login-timing")
    url = sqlite_url(tmp_path)
    store = open_store(url)
    init_center(store, load_demo_config(), demo_logins=False)
    strong = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    store.set_password(store.user_by_name("admin").id, strong.hash(SECRET))
    store.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_PASSWORD_HASH"}
    env |= {
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_LOGIN_MAX_FAILURES": "100000",
        "HOTLINE_LOGIN_ADDRESS_FAILURES": "100000",
    }
    log = (tmp_path / "server.log").open("w")
    cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port), "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None and time.time() < deadline, tmp_path / "server.log"
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _timed_login(client: httpx.Client, username: str) -> float:
    t0 = time.perf_counter()
    r = client.post("/api/auth/login", json={"username": username, "password": "wrong-guess-1"})
    elapsed = time.perf_counter() - t0
    assert r.status_code == 401, r.text
    return elapsed


def test_an_unknown_name_takes_as_long_as_a_known_one(server):
    known, unknown = [], []
    with httpx.Client(base_url=server, timeout=30) as c:
        _timed_login(c, "admin")  # warm up (first argon2 allocation, connection)
        for i in range(7):
            known.append(_timed_login(c, "admin"))
            unknown.append(_timed_login(c, f"ghost{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 1 / 3 < ratio < 3, (known, unknown)


def _median_latency(base: str, path: str, n: int) -> float:
    times = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(n):
            t0 = time.perf_counter()
            assert c.get(path).status_code == 200
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def test_a_flood_of_wrong_logins_leaves_other_endpoints_responsive(server):
    quiet = _median_latency(server, "/api/health", 20)
    stop = threading.Event()
    answers: list[int] = []

    def flood(i: int) -> None:
        with httpx.Client(base_url=server, timeout=120) as c:
            while not stop.is_set():
                try:
                    r = c.post("/api/auth/login", json={"username": "admin", "password": f"x{i}"})
                    answers.append(r.status_code)
                except httpx.TransportError:
                    return

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(48)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let the flood fill every queue
    try:
        busy = _median_latency(server, "/api/health", 20)
    finally:
        stop.set()
    assert busy < 10 * max(quiet, 0.01), (quiet, busy)
    assert set(answers) <= {401, 503}, set(answers)
