"""Specification of the HTTP API, against the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from .api_client import login, running_app


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.headers_for = {u: login(c, u) for u in ("admin", "supervisor", "channel", "a01", "a02")}
        c.cookies.clear()  # each request below says who it is with its bearer token
        yield c


def as_(client, user):
    return client.headers_for[user]


def test_every_endpoint_needs_a_login(client):
    for method, path in [
        ("get", "/api/contacts"),
        ("post", "/api/contacts"),
        ("get", "/api/agents"),
        ("get", "/api/queues"),
        ("get", "/api/kpis"),
        ("get", "/api/admin/config"),
        ("get", "/api/admin/users"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path
    assert client.get("/api/health").status_code == 200


def test_wrong_password_is_refused_and_passwords_are_stored_hashed(client):
    r = client.post("/api/auth/login", json={"username": "admin", "password": "guess"})
    assert r.status_code == 401
    store = client.app.state.service.store
    assert store.user_by_name("admin").password_hash.startswith("$argon2")


def test_roles_are_enforced(client):
    assert client.get("/api/admin/users", headers=as_(client, "a01")).status_code == 403
    assert client.get("/api/admin/users", headers=as_(client, "supervisor")).status_code == 403
    assert client.get("/api/agents", headers=as_(client, "a01")).status_code == 403
    assert client.get("/api/kpis", headers=as_(client, "a01")).status_code == 403
    r = client.post("/api/contacts", json={"queue": "general"}, headers=as_(client, "a01"))
    assert r.status_code == 403
    r = client.post("/api/agents/a02/state", json={"state": "login"}, headers=as_(client, "a01"))
    assert r.status_code == 403
    assert client.get("/api/contacts", headers=as_(client, "channel")).status_code == 403


def test_an_agent_takes_a_call_end_to_end_and_sees_a_masked_number(client):
    a01 = as_(client, "a01")
    assert (
        client.post("/api/agents/me/state", json={"state": "login"}, headers=a01).json()["state"]
        == "not_ready"
    )
    assert (
        client.post("/api/agents/me/state", json={"state": "available"}, headers=a01).json()[
            "state"
        ]
        == "available"
    )
    r = client.post(
        "/api/contacts",
        json={"queue": "general", "customer": "13812345678"},
        headers=as_(client, "channel"),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["customer"] == "138****5678"
    me = client.get("/api/agents/me", headers=a01).json()
    assert me["state"] == "reserved" and me["offer"]["id"] == cid
    assert me["offer"]["customer"] == "138****5678"
    assert client.post(f"/api/contacts/{cid}/accept", headers=a01).status_code == 200
    r = client.post(
        f"/api/contacts/{cid}/complete",
        json={"disposition": "consult", "note": "航班延误咨询"},
        headers=a01,
    )
    assert r.status_code == 200, r.text
    kinds = [e["kind"] for e in client.get(f"/api/contacts/{cid}/events", headers=a01).json()]
    assert kinds[:4] == ["contact.created", "contact.queued", "contact.offered", "contact.answered"]
    assert "contact.ended" in kinds and "contact.note" in kinds


def test_an_agent_who_skips_wrap_up_is_offered_the_next_call_at_once(client):
    """`wrap_up_s: 0` on completion ends after-call work at once (the desk's "no wrap-up")."""
    a01, chan = as_(client, "a01"), as_(client, "channel")
    for state in ("login", "available"):
        client.post("/api/agents/me/state", json={"state": state}, headers=a01)
    first = client.post("/api/contacts", json={"queue": "general"}, headers=chan).json()["id"]
    second = client.post("/api/contacts", json={"queue": "general"}, headers=chan).json()["id"]
    assert client.post(f"/api/contacts/{first}/accept", headers=a01).status_code == 200
    done = client.post(f"/api/contacts/{first}/complete", json={"wrap_up_s": 0}, headers=a01)
    assert done.status_code == 200, done.text
    me = client.get("/api/agents/me", headers=a01).json()
    assert me["state"] == "reserved" and me["offer"]["id"] == second


def test_revealing_a_number_is_allowed_to_the_handling_agent_and_audited(client):
    a01, a02 = as_(client, "a01"), as_(client, "a02")
    client.post("/api/agents/me/state", json={"state": "login"}, headers=a01)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=a01)
    cid = client.post(
        "/api/contacts",
        json={"queue": "complaints", "customer": "13812345678"},
        headers=as_(client, "channel"),
    ).json()["id"]
    assert client.post(f"/api/contacts/{cid}/reveal", headers=a02).status_code == 403
    assert client.get(f"/api/contacts/{cid}", headers=a02).status_code == 403
    r = client.post(f"/api/contacts/{cid}/reveal", headers=a01)
    assert r.json()["customer"] == "13812345678"
    audit = client.app.state.service.store.audit_entries(action="reveal_customer")
    assert [(e.user, e.target) for e in audit] == [("a01", cid)]


def test_bad_input_gets_a_4xx_naming_the_field(client):
    ch = as_(client, "channel")
    r = client.post("/api/contacts", json={"queue": "general", "priority": 99}, headers=ch)
    assert r.status_code == 422 and "priority" in r.text
    r = client.post("/api/contacts", json={"queue": "nowhere"}, headers=ch)
    assert r.status_code == 404 and "nowhere" in r.text
    r = client.post("/api/contacts", json={"queue": "general", "skills": {"vip": 11}}, headers=ch)
    assert r.status_code == 422 and "skills.vip" in r.text
    r = client.post("/api/contacts", json={"queue": "general", "colour": "red"}, headers=ch)
    assert r.status_code == 422 and "colour" in r.text


def test_a_wrong_state_transition_is_a_409_with_the_reason(client):
    a01 = as_(client, "a01")
    r = client.post("/api/agents/me/state", json={"state": "available"}, headers=a01)
    assert r.status_code == 409 and "log in first" in r.json()["detail"]
    r = client.post("/api/contacts/nope/accept", headers=a01)
    assert r.status_code == 404


def test_supervisor_forces_state_moves_and_marks_green(client):
    sup, ch = as_(client, "supervisor"), as_(client, "channel")
    assert (
        client.post("/api/agents/a02/state", json={"state": "login"}, headers=sup).status_code
        == 200
    )
    c1 = client.post("/api/contacts", json={"queue": "chat", "channel": "chat"}, headers=ch).json()[
        "id"
    ]
    c2 = client.post("/api/contacts", json={"queue": "chat", "channel": "chat"}, headers=ch).json()[
        "id"
    ]
    r = client.post(f"/api/contacts/{c1}/move", json={"queue": "callbacks"}, headers=sup)
    assert r.status_code == 200, r.text
    assert (
        client.post(f"/api/contacts/{c2}/green", json={"on": True}, headers=sup).status_code == 200
    )
    waiting = {c["id"]: c for c in client.get("/api/contacts", headers=sup).json()}
    assert waiting[c1]["queue"] == "callbacks" and waiting[c2]["green"] is True
    queues = {q["id"]: q for q in client.get("/api/queues", headers=sup).json()}
    assert (queues["chat"]["waiting"], queues["callbacks"]["waiting"]) == (1, 1)
    assert queues["chat"]["agents"] == {"not_ready": 1}
    audit = client.app.state.service.store.audit_entries(action="force_agent_state")
    assert [(e.user, e.target) for e in audit] == [("supervisor", "a02")]


def test_with_nobody_staffed_a_call_becomes_a_callback_at_once(client):
    r = client.post(
        "/api/contacts",
        json={"queue": "general", "customer": "13800000001"},
        headers=as_(client, "channel"),
    )
    cid = r.json()["id"]
    assert r.json()["status"] == "ended" and r.json()["outcome"] == "no_agent"
    live = client.get("/api/contacts", headers=as_(client, "supervisor")).json()
    assert [(c["origin_id"], c["channel"], c["queue"]) for c in live] == [
        (cid, "callback", "callbacks")
    ]


def test_admin_config_changes_are_validated_and_applied_live(client):
    adm = as_(client, "admin")
    body = client.get("/api/admin/config", headers=adm).json()["config"]
    body["queues"][0]["service_level"]["target"] = 1.5
    r = client.put("/api/admin/config", json=body, headers=adm)
    assert r.status_code == 422 and "target" in r.json()["field"]
    body["queues"][0]["service_level"]["target"] = 0.95
    r = client.put("/api/admin/config", json=body, headers=adm)
    assert r.status_code == 200 and r.json()["version"] == 2


def test_admin_manages_users(client):
    adm = as_(client, "admin")
    r = client.post(
        "/api/admin/users",
        json={"username": "a09", "password": "short", "role": "agent"},
        headers=adm,
    )
    assert r.status_code == 422 and "password" in r.text
    r = client.post(
        "/api/admin/users",
        json={"username": "new", "password": "long-enough-1", "role": "agent", "agent_id": "zz"},
        headers=adm,
    )
    assert r.status_code == 422 and "agent_id" in r.text
    r = client.post(
        "/api/admin/users",
        json={"username": "a01", "password": "long-enough-1", "role": "agent", "agent_id": "a01"},
        headers=adm,
    )
    assert r.status_code == 409


def test_kpis_are_served_for_a_range(client):
    sup, ch, a01 = as_(client, "supervisor"), as_(client, "channel"), as_(client, "a01")
    client.post("/api/agents/me/state", json={"state": "login"}, headers=a01)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=a01)
    cid = client.post("/api/contacts", json={"queue": "general"}, headers=ch).json()["id"]
    client.post(f"/api/contacts/{cid}/accept", headers=a01)
    client.post(f"/api/contacts/{cid}/complete", json={}, headers=a01)
    k = client.get("/api/kpis", headers=sup).json()
    assert (k["offered"], k["answered"], k["service_level"]) == (1, 1, 1.0)
    r = client.get("/api/kpis", params={"from": 10, "to": 5}, headers=sup)
    assert r.status_code == 422


def test_the_stream_pushes_offers_and_resyncs_from_a_sequence_number(client):
    sup, ch = as_(client, "supervisor"), as_(client, "channel")
    token = sup["Authorization"].split()[1]
    with client.websocket_connect(f"/api/stream?token={token}") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello"
        client.post(
            "/api/contacts",
            json={"queue": "chat", "channel": "chat", "customer": "13900001111"},
            headers=ch,
        )
        first = ws.receive_json()
        assert first["kind"] == "contact.created" and first["data"]["customer"] == "139****1111"
        seen = first["seq"]
    client.post("/api/contacts", json={"queue": "chat", "channel": "chat"}, headers=ch)  # offline
    with client.websocket_connect(f"/api/stream?token={token}&since={seen}") as ws:
        assert ws.receive_json()["type"] == "hello"
        missed = ws.receive_json()
        assert missed["seq"] > seen and missed["kind"] == "contact.queued"


def test_the_stream_refuses_anonymous_clients(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/api/stream") as ws:
        ws.receive_json()


def test_logout_and_disabling_a_user_end_their_session_at_once(client):
    a01 = as_(client, "a01")
    assert client.get("/api/auth/me", headers=a01).status_code == 200
    uid = next(
        u["id"]
        for u in client.get("/api/admin/users", headers=as_(client, "admin")).json()
        if u["username"] == "a01"
    )
    r = client.patch(
        f"/api/admin/users/{uid}", json={"active": False}, headers=as_(client, "admin")
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/auth/me", headers=a01).status_code == 401
    a02 = as_(client, "a02")
    assert client.post("/api/auth/logout", headers=a02).status_code == 204
    assert client.get("/api/auth/me", headers=a02).status_code == 401


def test_a_note_written_during_the_contact_survives_a_transfer(client):
    a01, ch = as_(client, "a01"), as_(client, "channel")
    client.post("/api/agents/me/state", json={"state": "login"}, headers=a01)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=a01)
    cid = client.post("/api/contacts", json={"queue": "general"}, headers=ch).json()["id"]
    client.post(f"/api/contacts/{cid}/accept", headers=a01)
    r = client.post(
        f"/api/contacts/{cid}/note",
        json={"note": "旅客行李遗失", "disposition": "lost_item"},
        headers=a01,
    )
    assert r.status_code == 201
    assert (
        client.post(f"/api/contacts/{cid}/note", json={"note": ""}, headers=a01).status_code == 422
    )
    client.post(f"/api/contacts/{cid}/transfer", json={"queue": "complaints"}, headers=a01)
    events = client.get(f"/api/contacts/{cid}/events", headers=as_(client, "supervisor")).json()
    notes = [e["data"] for e in events if e["kind"] == "contact.note"]
    assert notes == [{"disposition": "lost_item", "note": "旅客行李遗失", "by": "a01"}]


def test_channel_adapters_follow_the_whole_stream_to_ring_agents(client):
    token = as_(client, "channel")["Authorization"].split()[1]
    with client.websocket_connect(f"/api/stream?token={token}") as ws:
        assert ws.receive_json()["type"] == "hello"
        client.post(
            "/api/contacts",
            json={"queue": "chat", "channel": "chat"},
            headers=as_(client, "channel"),
        )
        assert ws.receive_json()["kind"] == "contact.created"
