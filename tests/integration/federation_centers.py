"""Real `hotline serve` processes as federated centers, each with its own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from hotline.bootstrap import DEMO_PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Center:
    """One center: `configure(peers)`, `start()`, `api(user)`, `pause()`, `kill()`."""

    def __init__(self, name: str, tmp: Path, agents: int, db_url: str | None = None) -> None:
        self.name, self.dir, self.port = name, tmp / name, free_port()
        self.dir.mkdir()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url or f"sqlite:///{self.dir / 'hotline.db'}"
        self.agents = [f"{name.lower()}{i}" for i in range(1, agents + 1)]
        self.proc: subprocess.Popen | None = None
        self._clients: list[httpx.Client] = []

    def configure(
        self,
        peers: list[Center],
        extra: dict[str, Any] | None = None,
        inbound: dict[str, str] | None = None,
        **peer_rule: Any,
    ) -> None:
        """Write and init the center file; `inbound` binds a peer's name to the login it uses."""
        rule = {"ewt_over_s": 30.0, "peer_ewt_under_s": 20.0, "max_share": 1.0} | peer_rule
        doc = {
            "center": {"name": self.name},
            "queues": [
                {
                    "id": "chat",
                    "skills": {"chat": 1},
                    "expected_aht_s": 180.0,
                    "wrap_up_s": 0.0,
                    "service_level": {"threshold_s": 60.0, "target": 0.8},
                }
            ],
            "agents": [{"id": a, "skills": {"chat": 5}, "chat_capacity": 1} for a in self.agents],
            "federation": {
                "push_every_s": 0.5,
                "stale_after_s": 3.0,
                "transfer_timeout_s": 2.0,
                "accept_max_share": 1.0,
                "peers": [
                    {
                        "name": p.name,
                        "url": p.base,
                        "username": "channel",
                        "password_env": "HOTLINE_TEST_PEER_PASSWORD",
                        "queues": {"chat": "chat"},
                    }
                    | rule
                    | ({"inbound_username": inbound[p.name]} if p.name in (inbound or {}) else {})
                    for p in peers
                ],
            },
        }
        doc |= extra or {}
        path = self.dir / "center.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", "init", "--config", str(path), "--demo-logins"],
            env=self._env(),
            check=True,
            capture_output=True,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "hotline.cli", *args]
        return subprocess.run(cmd, env=self._env(), capture_output=True, text=True, timeout=60)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOTLINE_DATABASE_URL": self.db_url,
            "HOTLINE_TEST_PEER_PASSWORD": DEMO_PASSWORD,
        }

    def start(self) -> None:
        log = (self.dir / "server.log").open("a")
        cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=self._env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60  # 30 s was missed at load 14-38 (a busy 2-core machine)
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start:\n{self.log()}")

    def log(self) -> str:
        return (self.dir / "server.log").read_text(errors="replace")

    def api(self, user: str) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=10)
        r = c.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        c.cookies.clear()
        self._clients.append(c)
        return c

    def ready(self, agent: str) -> httpx.Client:
        c = self.api(agent)
        for state in ("login", "available"):
            assert c.post("/api/agents/me/state", json={"state": state}).status_code == 200
        return c

    def chat(self, channel_api: httpx.Client, cid: str) -> dict:
        r = channel_api.post(
            "/api/contacts",
            json={"id": cid, "queue": "chat", "channel": "chat", "customer": "13800000000"},
        )
        assert r.status_code == 201, r.text
        return r.json()

    def pause(self) -> None:
        """Freeze the process (it accepts connections but never answers): a peer dying."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self) -> None:
        for c in self._clients:
            c.close()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def wait_until(predicate, timeout: float = 20.0, every: float = 0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")
