"""Live drive: the scenario's callers and agent bots against a real `hotline serve` process.

A demo server is initialised on a throw-away SQLite file and started on a free port; the 966666
scenario is then driven for 18 real seconds at ×200 (an hour of scenario from 09:00). Contacts
must be created through the API, offered to bot agents over their WebSockets, answered and
completed, and the drive must leave no caller of its own waiting when it stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hotline.bootstrap import DEMO_PASSWORD
from hotline.sim import load_scenario
from hotline.sim.drive import DriveOptions, run_drive
from tests.integration.test_restart import Server

SCENARIO = Path(__file__).parents[2] / "scenarios" / "966666.yaml"


@pytest.fixture
def demo_server(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'drive.db'}"
    env = {**os.environ, "HOTLINE_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "init", "--demo-logins"],
        env=env,
        check=True,
        capture_output=True,
    )
    server = Server(url, tmp_path / "server.log")
    server.start()
    yield server
    server.stop()


def _supervisor(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=10)
    r = c.post("/api/auth/login", json={"username": "supervisor", "password": DEMO_PASSWORD})
    r.raise_for_status()
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"
    c.cookies.clear()
    return c


def test_drive_creates_contacts_that_bots_answer(demo_server: Server):
    scenario = load_scenario(SCENARIO)
    opts = DriveOptions(
        url=demo_server.base, speed=200, bots=6, minutes=0.3, start_clock="09:00", seed=3
    )
    report = run_drive(scenario, opts, log=lambda _msg: None)

    assert report.bots == 6
    assert report.created >= 25, report
    assert report.bot_answered >= 15, report
    assert report.bot_answered >= report.abandoned, report
    assert report.bot_completed >= 5, report
    assert report.answered >= report.bot_answered
    assert not report.errors, report.errors
    assert report.seconds < 60

    sup = _supervisor(demo_server.base)
    live = sup.get("/api/contacts").json()
    assert not [c for c in live if c["status"] == "queued" and c["channel"] != "callback"]
    agents = {a["id"]: a for a in sup.get("/api/agents").json()}
    bots = sorted(agents)[:6]
    assert all(agents[a]["state"] == "offline" for a in bots), {a: agents[a]["state"] for a in bots}
    assert sum(agents[a]["handled"] for a in bots) >= report.bot_completed
