"""Commits per voice call: the gateway's API sequence for one answered call, in-process.

    python bench/voice_commits.py [--quick]

Drives the real app (SQLite, demo center) with the POSTs the voice gateway sends for a call
that is answered by an agent and hung up (IVR facts, contact, phone answered, agent hung up,
recording, call summary) and counts the router thread's commits (`CenterService.stats`).
Idle, group commit does not merge anything, so this is the cost of one call. `--quick` is
accepted for `make bench` (the run is always quick).
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ.setdefault("HOTLINE_PASSWORD_HASH", "cheap")
os.environ.setdefault("HOTLINE_QA_ASR", "off")

from fastapi.testclient import TestClient

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app


def _login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    store = open_store(url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    with TestClient(create_app(Settings(database_url=url))) as client:
        service = client.app.state.service
        channel, agent = _login(client, "channel"), _login(client, "a01")
        for state in ("login", "available"):
            client.post("/api/agents/me/state", json={"state": state}, headers=agent)
        cid, before = "call-1", service.stats.commits
        steps = [
            (f"/api/voice/{cid}/facts", {"kind": "voice.answered", "data": {"from": "sip:1@x"}}),
            (f"/api/voice/{cid}/facts", {"kind": "voice.ivr", "data": {"outcome": "transferred"}}),
            ("/api/contacts", {"id": cid, "queue": "general"}),
            (f"/api/voice/{cid}/answered", {"agent_id": "a01"}),
            (f"/api/voice/{cid}/hangup", {"agent_id": "a01"}),
            (f"/api/voice/{cid}/facts", {"kind": "voice.recording", "data": {"files": []}}),
            (f"/api/voice/{cid}/facts", {"kind": "voice.call", "data": {"outcome": "completed"}}),
        ]
        for path, body in steps:
            client.post(path, json=body, headers=channel).raise_for_status()
        commits = service.stats.commits - before
        print(f"RESULT voice_call_posts={len(steps)} voice_call_commits={commits}")


if __name__ == "__main__":
    main()
