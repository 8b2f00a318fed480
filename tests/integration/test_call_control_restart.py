"""Specification: a consult survives kill -9 of the server (SQLite file and PostgreSQL).

The consult lives on the contact's stored snapshot, so a restarted router keeps the talking
specialist busy and the transfer can still be completed; nobody is left reserved.
"""

from __future__ import annotations

import time

from tests.integration.test_restart import client, server  # noqa: F401  (the fixture)


def test_a_talking_consult_keeps_its_specialist_busy_across_a_kill_9(server):  # noqa: F811
    ch, sup = client(server, "channel"), client(server, "supervisor")
    agents = {a: client(server, a) for a in ("a1", "a2")}
    agents["a1"].post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
    agents["a1"].post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    cid = ch.post("/api/contacts", json={"queue": "general", "customer": "13800000000"}).json()[
        "id"
    ]
    agents["a1"].post(f"/api/contacts/{cid}/accept").raise_for_status()
    agents["a2"].post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
    agents["a2"].post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    r = agents["a1"].post(f"/api/contacts/{cid}/consult", json={"agent_id": "a2"})
    assert r.status_code == 200, r.text
    r = ch.post(f"/api/voice/{cid}/consult/answered", json={"agent_id": "a2"})
    assert r.status_code == 200, r.text

    server.kill9()
    time.sleep(0.5)
    server.start()

    sup = client(server, "supervisor")
    states = {a["id"]: a["state"] for a in sup.get("/api/agents").json()}
    assert (states["a1"], states["a2"]) == ("busy", "busy")
    assert sup.get(f"/api/contacts/{cid}").json()["consult"]["state"] == "talking"
    a1 = client(server, "a1")
    a1.post(f"/api/contacts/{cid}/consult/transfer").raise_for_status()
    after = sup.get(f"/api/contacts/{cid}").json()
    assert (after["agent_id"], after["consult"]) == ("a2", None)
    states = {a["id"]: a["state"] for a in sup.get("/api/agents").json()}
    assert states["a1"] in ("wrap_up", "available") and states["a2"] == "busy"
