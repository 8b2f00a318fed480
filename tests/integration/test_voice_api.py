"""The voice gateway's endpoints (`/api/voice/...`) against the real app, SQLite and PostgreSQL.

A phone-only agent accepts by picking up: the gateway reports it for them, as it reports a phone
that refuses the call and the agent hanging up. Only `channel` (and admins) may do so.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.bootstrap import init_center
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app
from hotline.web.routes import voice

from .api_client import login


@pytest.fixture
def client(db_url):
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    app = create_app(Settings(database_url=db_url))
    if not any(getattr(r, "path", "").startswith("/api/voice/") for r in app.routes):
        app.include_router(voice.router)
    with TestClient(app) as c:
        c.as_ = {u: login(c, u) for u in ("channel", "supervisor", "a01")}
        c.cookies.clear()
        yield c


def offered_to_a01(c) -> str:
    for state in ("login", "available"):
        c.post("/api/agents/me/state", json={"state": state}, headers=c.as_["a01"])
    r = c.post("/api/contacts", json={"queue": "general", "id": "call1"}, headers=c.as_["channel"])
    assert r.status_code == 201, r.text
    assert c.get("/api/agents/me", headers=c.as_["a01"]).json()["offer"]["id"] == "call1"
    return "call1"


def kinds(c, cid: str) -> list[str]:
    return [
        e["kind"] for e in c.get(f"/api/voice/{cid}/events", headers=c.as_["supervisor"]).json()
    ]


def test_phone_pickup_accepts_for_the_agent_then_hangup_completes(client):
    cid = offered_to_a01(client)
    ch = client.as_["channel"]
    body = {"agent_id": "a01", "uri": "sip:a01@127.0.0.1:5081"}
    assert client.post(f"/api/voice/{cid}/answered", json=body, headers=ch).status_code == 200
    # idempotent: the agent also clicked accept on the desktop, or the request was retried
    assert client.post(f"/api/voice/{cid}/answered", json=body, headers=ch).status_code == 200
    contact = client.get(f"/api/contacts/{cid}", headers=client.as_["supervisor"]).json()
    assert (contact["status"], contact["agent_id"]) == ("active", "a01")
    assert client.post(f"/api/voice/{cid}/hangup", json=body, headers=ch).json() == {"ok": True}
    found = kinds(client, cid)
    assert found.index("contact.answered") < found.index("voice.bridged")
    assert found.index("contact.ended") < found.index("voice.hangup")


def test_a_phone_that_refuses_declines_the_offer(client):
    cid = offered_to_a01(client)
    ch = client.as_["channel"]
    r = client.post(
        f"/api/voice/{cid}/declined", json={"agent_id": "a01", "reason": "sip_486"}, headers=ch
    )
    assert r.json() == {"ok": True}
    assert "contact.offer_revoked" in kinds(client, cid)
    again = client.post(f"/api/voice/{cid}/declined", json={"agent_id": "a01"}, headers=ch)
    assert again.json()["ok"] is False  # nothing to decline any more: no error for the gateway


def test_answering_an_offer_that_is_gone_is_refused(client):
    cid = offered_to_a01(client)
    ch = client.as_["channel"]
    client.post(f"/api/contacts/{cid}/leave", headers=ch)
    r = client.post(f"/api/voice/{cid}/answered", json={"agent_id": "a01"}, headers=ch)
    assert r.status_code in (404, 409)  # the contact ended: the gateway drops the agent leg


def test_facts_are_stored_for_calls_that_never_became_contacts(client):
    ch = client.as_["channel"]
    data = {"outcome": "contained", "path": ["welcome", "flight"], "digits": "1"}
    r = client.post(
        "/api/voice/ivr-only/facts", json={"kind": "voice.ivr", "data": data}, headers=ch
    )
    assert r.status_code == 201
    events = client.get("/api/voice/ivr-only/events", headers=client.as_["supervisor"]).json()
    assert [(e["kind"], e["data"].get("outcome")) for e in events] == [
        ("voice.ivr", "contained"),
        ("compliance.notice", None),  # the start prompt carries the recording notice (issue 16)
    ]
    bad = client.post("/api/voice/x/facts", json={"kind": "contact.ended"}, headers=ch)
    assert bad.status_code == 422


def test_only_the_channel_account_speaks_for_phones(client):
    cid = offered_to_a01(client)
    r = client.post(
        f"/api/voice/{cid}/answered", json={"agent_id": "a01"}, headers=client.as_["a01"]
    )
    assert r.status_code == 403
    assert client.get(f"/api/voice/{cid}/events", headers=client.as_["channel"]).status_code == 403
