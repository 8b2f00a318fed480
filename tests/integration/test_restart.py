"""Specification: kill -9 the server with contacts queued and agents busy; nothing is lost.

A real `hotline serve` process is started on a free port, driven over HTTP, killed with
SIGKILL and started again on the same database (SQLite file and PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hotline.bootstrap import DEMO_PASSWORD

CENTER = """
center: {name: restart-test, strategy: longest_idle}
queues:
  - {id: general, name: General, skills: {general: 1}, wrap_up_s: 0, offer_timeout_s: 600}
agents:
  - {id: a1, name: A1, skills: {general: 5}}
  - {id: a2, name: A2, skills: {general: 5}}
  - {id: a3, name: A3, skills: {general: 5}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_url: str, log: Path) -> None:
        self.db_url, self.log, self.port = db_url, log, free_port()
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "HOTLINE_DATABASE_URL": self.db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 90  # a start can take half a minute on a loaded machine
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def client(server: Server, user: str) -> httpx.Client:
    c = httpx.Client(base_url=server.base, timeout=10)
    r = c.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"
    c.cookies.clear()
    return c


@pytest.fixture
def server(db_url: str, tmp_path: Path):
    cfg = tmp_path / "center.yaml"
    cfg.write_text(CENTER)
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url}
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "init", "--config", str(cfg), "--demo-logins"],
        env=env,
        check=True,
        capture_output=True,
    )
    s = Server(db_url, tmp_path / "server.log")
    s.start()
    yield s
    s.stop()


def test_kill_9_loses_no_contact_no_order_no_wait_and_answers_nothing_twice(server):
    ch, sup = client(server, "channel"), client(server, "supervisor")
    agents = {a: client(server, a) for a in ("a1", "a2")}
    for c in agents.values():
        c.post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
        c.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    talking = {}
    for a, c in agents.items():
        cid = ch.post("/api/contacts", json={"queue": "general", "customer": "13800000000"}).json()[
            "id"
        ]
        c.post(f"/api/contacts/{cid}/accept").raise_for_status()
        talking[a] = cid
    for i in range(50):
        r = ch.post(
            "/api/contacts",
            json={"queue": "general", "customer": f"1390000{i:04d}", "priority": i % 3},
        )
        assert r.status_code == 201
    before = sup.get("/api/queues/general/waiting").json()
    assert len(before) == 50

    server.kill9()
    time.sleep(1.0)  # the wait keeps growing while the server is down
    server.start()

    sup = client(server, "supervisor")
    after = sup.get("/api/queues/general/waiting").json()
    assert [c["id"] for c in after] == [c["id"] for c in before]
    assert [c["enqueued_at"] for c in after] == [c["enqueued_at"] for c in before]
    assert all(a["wait_s"] > b["wait_s"] for a, b in zip(after, before, strict=True))
    states = {a["id"]: a for a in sup.get("/api/agents").json()}
    assert {a: states[a]["contacts"] for a in talking} == {a: [c] for a, c in talking.items()}

    # Work resumes where it stopped: a1 finishes and gets the head of the line.
    a1 = client(server, "a1")
    a1.post(f"/api/contacts/{talking['a1']}/complete", json={}).raise_for_status()
    offer = a1.get("/api/agents/me").json()["offer"]
    assert offer["id"] == before[0]["id"]
    a1.post(f"/api/contacts/{offer['id']}/accept").raise_for_status()
    for cid in [*talking.values(), offer["id"]]:
        kinds = [e["kind"] for e in sup.get(f"/api/contacts/{cid}/events").json()]
        assert kinds.count("contact.answered") == 1, (cid, kinds)
