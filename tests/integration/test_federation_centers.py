"""Interconnected centers (issue 12): two and three real `hotline serve` processes, each with
its own database, exchanging live load and moving chats through the peer API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import _pg_schema_url
from .federation_centers import Center, wait_until


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_schema_url()


def events(api, cid: str) -> list[dict]:
    r = api.get(f"/api/contacts/{cid}/events")
    return r.json() if r.status_code == 200 else []


def status(api) -> dict:
    r = api.get("/api/federation/status")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.postgres
def test_a_surge_moves_chats_to_the_idle_center_and_not_to_the_busy_one(
    tmp_path: Path, pg_url: str
):
    a = Center("A", tmp_path, agents=1)
    b = Center("B", tmp_path, agents=3)
    c = Center("C", tmp_path, agents=1, db_url=pg_url)  # one center on PostgreSQL
    centers = [a, b, c]
    a.configure([b, c])
    b.configure([a])
    c.configure([a])
    try:
        for x in centers:
            x.start()
        for agent in b.agents:
            b.ready(agent)
        c_chan = c.api("channel")
        c1 = c.ready("c1")
        for i in range(3):  # C is swamped: its one agent busy, two chats waiting
            c.chat(c_chan, f"c-own-{i}")
        assert c1.post("/api/contacts/c-own-0/accept").status_code == 200

        a_chan, a_sup, a1 = a.api("channel"), a.api("supervisor"), a.ready("a1")
        a.chat(a_chan, "a-first")
        assert a1.post("/api/contacts/a-first/accept").status_code == 200
        # the surge: a widget chat with a conversation, then five more
        r = a_sup.post("/api/chat/sessions", json={"phone": "13812345678"})
        assert r.status_code == 201, r.text
        sid, token = r.json()["session_id"], r.json()["token"]
        widget = {"X-Chat-Token": token}
        a_sup.post(
            f"/api/chat/sessions/{sid}/messages",
            json={"text": "我的车票改签失败了"},
            headers=widget,
        )
        assert a_sup.post(f"/api/chat/sessions/{sid}/agent", headers=widget).status_code == 200
        widget_cid = f"chat-{sid}"
        surge = [widget_cid] + [f"a-surge-{i}" for i in range(5)]
        for cid in surge[1:]:
            a.chat(a_chan, cid)
        created = {cid: a_sup.get(f"/api/contacts/{cid}").json()["enqueued_at"] for cid in surge}

        b_sup, c_sup = b.api("supervisor"), c.api("supervisor")
        # B has three free agents (share 1.0 per agent): three chats move, the rest stay in A
        wait_until(lambda: status(a_sup)["counts"].get("B", {}).get("out", 0) >= 3)
        time.sleep(2.5)  # several more rounds: nothing else may move
        counts_a, counts_b = status(a_sup)["counts"], status(b_sup)["counts"]
        assert counts_a["B"]["out"] == 3 and counts_b["A"]["in"] == 3
        assert counts_a.get("C", {}).get("out", 0) == 0
        assert status(c_sup)["counts"].get("A", {}).get("in", 0) == 0

        moved = [
            cid
            for cid in surge
            if a_sup.get(f"/api/contacts/{cid}").json()["outcome"] == "overflowed_out"
        ]
        assert moved == surge[:3]  # the head of the line moves first
        waiting_a = [
            x["id"] for x in a_sup.get("/api/contacts", params={"status": "queued"}).json()
        ]
        assert sorted(waiting_a) == sorted(surge[3:])  # nothing lost: the rest still waits
        for cid in moved:
            there = b_sup.get(f"/api/contacts/{cid}").json()
            assert there["enqueued_at"] == pytest.approx(created[cid], abs=1.0)  # wait kept
            assert there["status"] in ("offered", "active")  # an idle B agent has it
        carried = next(
            e for e in events(b_sup, widget_cid) if e["kind"] == "federation.transferred_in"
        )
        assert carried["data"]["from_center"] == "A"
        bodies = [m["body"] for m in carried["data"]["transcript"]]
        assert "我的车票改签失败了" in bodies
        over = [e for e in events(a_sup, widget_cid) if e["kind"] == "contact.overflowed"]
        assert over and over[0]["data"]["to_center"] == "B"
        # B's agent answers the widget chat and the conversation goes on across the centers
        b_api = next(
            api
            for ag in b.agents
            if ((api := b.api(ag)).get("/api/agents/me").json().get("offer") or {}).get("id")
            == widget_cid
        )
        assert b_api.post(f"/api/contacts/{widget_cid}/accept").status_code == 200
        r = b_api.post(
            f"/api/chat/contacts/{widget_cid}/messages", json={"text": "您好，太原为您服务"}
        )
        assert r.status_code == 201, r.text

        def widget_bodies() -> list[str]:
            got = a_sup.get(f"/api/chat/sessions/{sid}/messages", headers=widget).json()
            return [m["body"] for m in got["messages"]]

        wait_until(lambda: "您好，太原为您服务" in widget_bodies(), 10)
        r = a_sup.post(
            f"/api/chat/sessions/{sid}/messages", json={"text": "车次G123"}, headers=widget
        )
        assert r.status_code == 200, r.text

        def desk_bodies() -> list[str]:
            got = b_api.get(f"/api/chat/contacts/{widget_cid}/messages").json()
            return [m["body"] for m in got["messages"]]

        wait_until(lambda: "车次G123" in desk_bodies(), 10)
        assert "我的车票改签失败了" in desk_bodies()  # the carried transcript, on B's desk
        assert b_api.post(f"/api/contacts/{widget_cid}/complete", json={}).status_code == 200
        wait_until(  # B's agent closed it: the customer's widget at A ends too
            lambda: (
                a_sup.get(f"/api/chat/sessions/{sid}/messages", headers=widget).json()["state"][
                    "status"
                ]
                == "ended"
            ),
            10,
        )
        answered = status(b_sup)["counts"]["A"]
        assert answered["answered_in"] == 1 and answered["sl_in"] == 1.0
    finally:
        for x in centers:
            x.stop()


def test_a_peer_killed_mid_transfer_loses_nothing_and_the_contact_keeps_its_place(
    tmp_path: Path,
):
    a = Center("A", tmp_path, agents=1)
    b = Center("B", tmp_path, agents=2)
    a.configure([b])
    b.configure([a])
    try:
        a.start()
        b.start()
        for agent in b.agents:
            b.ready(agent)
        a_chan, a_sup = a.api("channel"), a.api("supervisor")
        wait_until(lambda: (status(a_sup)["peers"]["B"]["load"] or {}).get("chat", {}).get("ready"))
        b.pause()  # B still takes connections, never answers: it dies mid-transfer
        for i in range(3):
            a.chat(a_chan, f"k-{i}")
        wait_until(lambda: any(e["kind"] == "federation.refused" for e in events(a_sup, "k-0")), 15)
        b.kill()
        refused = next(e for e in events(a_sup, "k-0") if e["kind"] == "federation.refused")
        assert refused["data"]["peer"] == "B" and "unreachable" in refused["data"]["reason"]
        live = a_sup.get("/api/contacts", params={"status": "queued"}).json()
        assert [x["id"] for x in live] == ["k-0", "k-1", "k-2"]  # all here, in their order
        assert not status(a_sup)["peers"]["B"]["up"]
        a1 = a.ready("a1")  # the head of the line is served first, as before the attempt
        assert a1.get("/api/agents/me").json()["offer"]["id"] == "k-0"
        assert status(a_sup)["counts"]["B"]["out"] == 0
    finally:
        a.stop()
        b.stop()


def test_peer_api_refuses_strangers_impostors_and_bad_reports(tmp_path: Path):
    a = Center("A", tmp_path, agents=1)
    b = Center("B", tmp_path, agents=1)
    c = Center("C", tmp_path, agents=1)
    # B signs in to A as `channel`; C has a login of its own, so `channel` may not pose as C
    a.configure([b, c], inbound={"B": "channel", "C": "peer-c"})
    try:
        a.start()
        chan = a.api("channel")
        r = chan.post("/api/federation/load", json={"center": "Z", "queues": {}})
        assert r.status_code == 403 and "not a configured peer" in r.text
        r = chan.post("/api/federation/load", json={"center": "C", "queues": {}})
        assert r.status_code == 403 and "may not speak for center 'C'" in r.text
        impostor = {"from_center": "C", "contact_id": "x0", "queue": "chat", "waited_s": 5}
        r = chan.post("/api/federation/transfers", json=impostor)
        assert r.status_code == 403 and "may not speak for center 'C'" in r.text
        r = chan.post("/api/federation/transfers/x0/withdraw", json={"from_center": "C"})
        assert r.status_code == 403
        msg = {"from_center": "C", "contact_id": "x0", "sender": "customer", "body": "hi"}
        assert chan.post("/api/federation/messages", json=msg).status_code == 403
        r = chan.post(
            "/api/federation/load", json={"center": "B", "queues": {"chat": {"ready": "many"}}}
        )
        assert r.status_code == 422 and "queues.chat.ready" in r.text
        body = {"from_center": "B", "contact_id": "x1", "queue": "chat", "waited_s": -3}
        r = chan.post("/api/federation/transfers", json=body)
        assert r.status_code == 422 and "waited_s" in r.text
        r = chan.post("/api/federation/transfers", json=body | {"waited_s": 30})
        assert r.status_code == 409 and "no agent is logged in" in r.text
        anonymous = a.api("a1")  # an agent login may not act as a peer
        assert anonymous.post("/api/federation/transfers", json=body).status_code == 403
    finally:
        a.stop()


def test_the_receiver_keeps_the_wait_takes_a_retry_once_caps_its_share_and_gives_back(
    tmp_path: Path,
):
    a, b = Center("A", tmp_path, agents=1), Center("B", tmp_path, agents=1)
    b.configure([a])  # B accepts from A; here the test plays A against the real B
    try:
        b.start()
        b1 = b.api("b1")
        assert b1.post("/api/agents/me/state", json={"state": "login"}).status_code == 200
        as_a, sup = b.api("channel"), b.api("supervisor")
        body = {
            "from_center": "A",
            "contact_id": "r-1",
            "queue": "chat",
            "channel": "chat",
            "waited_s": 95.0,
            "intent": "refund",
            "transcript": [{"body": "退票"}],
        }
        sent_at = time.time()
        r = as_a.post("/api/federation/transfers", json=body)
        assert r.status_code == 201 and r.json()["accepted"], r.text
        there = sup.get("/api/contacts/r-1").json()
        assert there["enqueued_at"] == pytest.approx(sent_at - 95.0, abs=1.0)
        assert there["intent"] == "refund" and there["status"] == "queued"
        assert as_a.post("/api/federation/transfers", json=body).status_code == 201  # a retry
        assert len(sup.get("/api/contacts").json()) == 1  # ...is not a second contact
        r = as_a.post("/api/federation/transfers", json=body | {"contact_id": "r-2"})
        assert r.status_code == 409 and "share" in r.json()["detail"]  # 1.0 per staffed agent
        r = as_a.post("/api/federation/transfers/r-1/withdraw", json={"from_center": "A"})
        assert r.status_code == 200
        gone = sup.get("/api/contacts/r-1").json()
        assert (gone["status"], gone["outcome"]) == ("ended", "overflowed_out")
        kinds = [e["kind"] for e in events(sup, "r-1")]
        assert kinds.count("federation.transferred_in") == 1 and "federation.withdrawn" in kinds
        assert status(sup)["counts"]["A"]["in"] == 1
    finally:
        b.stop()
