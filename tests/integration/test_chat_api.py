"""The chat channel through the real app (SQLite and PostgreSQL): bot first, hand-over with the
transcript, chats in the same queues as calls, nothing lost when nobody answers."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from hotline.bootstrap import init_center
from hotline.channels.chat.settings import ChatSettings
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app

from .api_client import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@contextmanager
def chat_app(db_url: str, **chat):
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    settings = ChatSettings(**{"sweep_every_s": 0.1, **chat})
    with TestClient(create_app(Settings(database_url=db_url), chat=settings)) as client:
        client.as_ = {u: login(client, u) for u in ("supervisor", "a01", "a02")}
        client.cookies.clear()
        sup = client.as_["supervisor"]
        for title, body in [
            ("机票退票手续费标准", "起飞前24小时以上退票，收取票价5%的手续费；2小时内收取20%。"),
            ("托运行李遗失登记", "托运行李未到达，请到到达层行李查询柜台登记，24小时内联系您。"),
        ]:
            client.post("/api/kb/articles", json={"title": title, "body": body}, headers=sup)
        yield client


@pytest.fixture
def client(db_url):
    with chat_app(db_url) as c:
        yield c


class Customer:
    """The widget's side of the API: a session id and its secret token."""

    def __init__(self, client: TestClient, **start) -> None:
        r = client.post("/api/chat/sessions", json=start)
        assert r.status_code == 201, r.text
        self.client, self.sid = client, r.json()["session_id"]
        self.headers = {"X-Chat-Token": r.json()["token"]}
        self.seen = r.json()["messages"]

    def say(self, text: str) -> dict:
        r = self.client.post(
            f"/api/chat/sessions/{self.sid}/messages", json={"text": text}, headers=self.headers
        )
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, action: str) -> dict:
        r = self.client.post(f"/api/chat/sessions/{self.sid}/{action}", headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def poll(self, after: int = 0) -> dict:
        r = self.client.get(
            f"/api/chat/sessions/{self.sid}/messages", params={"after": after}, headers=self.headers
        )
        assert r.status_code == 200, r.text
        return r.json()

    def wait_for(self, pred, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            out = self.poll()
            if pred(out):
                return out
            assert time.monotonic() < deadline, out
            time.sleep(0.05)


def agent_ready(client, agent: str) -> None:
    h = client.as_[agent]
    client.post("/api/agents/me/state", json={"state": "login"}, headers=h)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=h)


def test_the_bot_answers_from_the_knowledge_base_and_always_offers_an_agent(client):
    c = Customer(client)
    assert "转人工" in c.seen[0]["body"] and c.seen[0]["data"]["actions"] == ["agent"]
    out = c.say("退票要扣多少手续费")
    bot = out["messages"][-1]
    assert bot["sender"] == "bot" and bot["data"]["confident"] is True
    assert bot["body"].startswith("机票退票手续费标准") and "agent" in bot["data"]["actions"]
    unsure = c.say("你们食堂几点开饭")["messages"][-1]
    assert unsure["data"]["confident"] is False and "agent" in unsure["data"]["actions"]
    assert out["state"]["status"] == "bot"


def test_a_solved_chat_counts_for_the_bot_kpi(client):
    c = Customer(client)
    c.say("行李丢了怎么办")
    r = client.post(
        f"/api/chat/sessions/{c.sid}/feedback", json={"solved": True}, headers=c.headers
    )
    assert r.json()["state"]["status"] == "ended"
    left = Customer(client)
    left.say("你们食堂几点开饭")
    left.post("close")
    handed = Customer(client)
    handed.post("agent")
    kpi = client.get("/api/chat/kpis", headers=client.as_["supervisor"]).json()
    assert (kpi["bot_solved"], kpi["left_in_bot"], kpi["handed_over"]) == (1, 1, 1)
    assert kpi["bot_solved_share"] == pytest.approx(1 / 3)  # the hand-over still waits
    assert client.get("/api/chat/kpis", headers=client.as_["a01"]).status_code == 403


def test_hand_over_queues_a_chat_contact_with_the_transcript_for_the_agent(client):
    c = Customer(client, phone="13812345678")
    c.say("行李丢了怎么办")
    out = c.say("转人工")
    assert out["state"]["status"] == "queued" and out["state"]["position"] == 1
    cid = f"chat-{c.sid}"
    sup = client.as_["supervisor"]
    contact = client.get(f"/api/contacts/{cid}", headers=sup).json()
    assert (contact["channel"], contact["queue"], contact["customer"]) == (
        "chat",
        "chat",
        "138****5678",
    )
    handover = [
        e
        for e in client.get(f"/api/contacts/{cid}/events", headers=sup).json()
        if e["kind"] == "chat.handover"
    ]
    assert handover and handover[0]["data"]["last_question"] == "转人工"
    assert (
        client.get(f"/api/chat/contacts/{cid}/messages", headers=client.as_["a01"]).status_code
        == 403
    )

    agent_ready(client, "a01")  # the router offers the waiting chat to the free agent
    a01 = client.as_["a01"]
    assert client.get("/api/agents/me", headers=a01).json()["offer"]["id"] == cid
    assert client.post(f"/api/contacts/{cid}/accept", headers=a01).status_code == 200
    c.wait_for(lambda o: o["state"]["status"] == "agent")
    transcript = client.get(f"/api/chat/contacts/{cid}/messages", headers=a01).json()
    bodies = [m["body"] for m in transcript["messages"]]
    assert "行李丢了怎么办" in bodies and any(b.startswith("托运行李遗失登记") for b in bodies)
    assert transcript["customer"] == "138****5678"
    assert (
        client.get(f"/api/chat/contacts/{cid}/messages", headers=client.as_["a02"]).status_code
        == 403
    )

    r = client.post(
        f"/api/chat/contacts/{cid}/messages", json={"text": "您好，请提供行李牌号"}, headers=a01
    )
    assert r.status_code == 201
    r = client.post(
        f"/api/chat/contacts/{cid}/messages", json={"text": "x"}, headers=client.as_["a02"]
    )
    assert r.status_code == 403
    got = c.poll()["messages"]
    assert got[-1]["sender"] == "agent" and got[-1]["body"] == "您好，请提供行李牌号"
    c.say("行李牌 CA123456")  # reaches the agent's transcript (and live stream)
    assert client.get(f"/api/chat/contacts/{cid}/messages", headers=a01).json()["messages"][-1][
        "body"
    ] == ("行李牌 CA123456")
    client.post(f"/api/contacts/{cid}/complete", json={}, headers=a01)
    c.wait_for(lambda o: o["state"]["status"] == "ended")


def test_a_chat_nobody_answers_becomes_a_callback_task_with_its_transcript(client):
    c = Customer(client, phone="13812345678")  # an anonymous chat has no number to call back
    c.say("我要投诉")  # asks for a person in words
    cid = f"chat-{c.sid}"
    c.post("close")  # leaves while still waiting: no agent was free
    sup = client.as_["supervisor"]
    contacts = {x["id"]: x for x in client.get("/api/contacts", headers=sup).json()}
    task = contacts[f"{cid}-cb"]
    assert task["channel"] == "callback" and task["origin_id"] == cid
    out = c.wait_for(lambda o: any("已为您登记" in m["body"] for m in o["messages"]))
    assert out["state"]["status"] == "ended"
    # whoever works the task reads the chat and answers into it
    agent_ready(client, "a02")
    a02 = client.as_["a02"]
    assert client.get("/api/agents/me", headers=a02).json()["offer"]["id"] == f"{cid}-cb"
    client.post(f"/api/contacts/{cid}-cb/accept", headers=a02)
    t = client.get(f"/api/chat/contacts/{cid}-cb/messages", headers=a02).json()
    assert "我要投诉" in [m["body"] for m in t["messages"]]
    r = client.post(
        f"/api/chat/contacts/{cid}-cb/messages", json={"text": "已收到您的投诉"}, headers=a02
    )
    assert r.status_code == 201
    assert c.poll()["messages"][-1]["body"] == "已收到您的投诉"


def test_a_customer_who_goes_quiet_is_not_lost_either(db_url):
    with chat_app(db_url, idle_timeout_s=0.3) as client:
        c = Customer(client, phone="13812345678")
        c.post("agent")
        cid = f"chat-{c.sid}"
        sup = client.as_["supervisor"]
        deadline = time.monotonic() + 5
        while f"{cid}-cb" not in {x["id"] for x in client.get("/api/contacts", headers=sup).json()}:
            assert time.monotonic() < deadline, "the idle chat did not become a callback task"
            time.sleep(0.1)


def test_sessions_are_private_rate_limited_and_take_only_real_images(client):
    c, other = Customer(client), Customer(client)
    r = client.get(f"/api/chat/sessions/{c.sid}/messages", headers=other.headers)
    assert r.status_code == 404  # another chat's token: indistinguishable from no chat
    assert client.get(f"/api/chat/sessions/{c.sid}/messages").status_code == 404
    up = f"/api/chat/sessions/{c.sid}/images"
    r = client.post(up, content=PNG, headers={**c.headers, "Content-Type": "image/png"})
    assert r.status_code == 200 and r.json()["messages"][0]["kind"] == "image"
    media = r.json()["messages"][0]["media_id"]
    assert client.get(f"/api/chat/sessions/{c.sid}/media/{media}", headers=c.headers).content == PNG
    assert (
        client.get(
            f"/api/chat/sessions/{other.sid}/media/{media}", headers=other.headers
        ).status_code
        == 404
    )
    r = client.post(up, content=b"<svg/>", headers={**c.headers, "Content-Type": "image/png"})
    assert r.status_code == 415
    r = client.post(
        up, content=b"GIF8" + b"x" * 3_000_000, headers={**c.headers, "Content-Type": "image/gif"}
    )
    assert r.status_code == 413
    codes = [
        client.post(
            f"/api/chat/sessions/{c.sid}/messages", json={"text": "hi"}, headers=c.headers
        ).status_code
        for _ in range(15)
    ]
    assert 429 in codes
    r = client.options(
        f"/api/chat/sessions/{c.sid}/messages", headers={"Origin": "https://shop.example"}
    )
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Chat-Token" in r.headers["access-control-allow-headers"]
