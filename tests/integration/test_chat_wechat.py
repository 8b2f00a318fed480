"""The WeChat official-account adapter against a fake WeChat platform in its own process, both
talking HTTP on loopback: signatures, MsgId duplicate suppression, bot replies and agents'
answers through the customer-service API, access-token refresh, the 5-message budget."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.channels.chat.settings import ChatSettings, WeChatSettings
from hotline.channels.wechat.client import ReplyBudget, WindowClosed
from hotline.channels.wechat.protocol import ProtocolError, message_xml, parse, signature
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app

TOKEN, APP_ID, SECRET = "hotline-wx-token", "wx0123456789", "s3cret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """Our server (uvicorn in a thread) + the fake WeChat process, wired to each other."""

    def __init__(self, tmp: Path) -> None:
        url = f"sqlite:///{tmp / 'hotline.db'}"
        store = open_store(url)
        init_center(store, load_demo_config(), demo_logins=True)
        store.close()
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.fake = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hotline.channels.wechat.fake_server",
                "--token",
                TOKEN,
                "--app-id",
                APP_ID,
                "--app-secret",
                SECRET,
                "--webhook",
                f"{self.base}/api/wechat/webhook",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.fake.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("READY"), line
        self.fake_base = f"http://127.0.0.1:{line.split()[1]}"
        wx = WeChatSettings(
            token=TOKEN,
            app_id=APP_ID,
            app_secret=SECRET,
            api_base=self.fake_base,
            merge_window_s=1.0,
        )
        self.app = create_app(Settings(database_url=url), chat=ChatSettings(), wechat=wx)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        self.http = httpx.Client(base_url=self.base, timeout=10)

    def login(self, user: str) -> dict[str, str]:
        r = self.http.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def user_says(self, openid: str, **spec) -> dict:
        r = httpx.post(
            f"{self.fake_base}/_fake/user_message", json={"openid": openid, **spec}, timeout=20
        )
        return r.json()

    def sent_to(self, openid: str) -> list[str]:
        sent = httpx.get(f"{self.fake_base}/_fake/sent").json()
        return [m["content"] for m in sent if m["touser"] == openid]

    def wait_sent(self, openid: str, n: int, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(got := self.sent_to(openid)) < n:
            assert time.monotonic() < deadline, got
            time.sleep(0.05)
        return got

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.fake.terminate()
        self.fake.wait(timeout=5)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("wechat"))
    sup = w.login("supervisor")
    w.http.post(
        "/api/kb/articles",
        headers=sup,
        json={"title": "托运行李遗失登记", "body": "托运行李未到达，请到到达层行李查询柜台登记。"},
    )
    try:
        yield w
    finally:
        w.close()


def channels(world):
    return world.app.state.channels


def test_the_console_url_check_echoes_only_for_our_token(world):
    ts, nonce = str(int(time.time())), "n0nce"
    good = {
        "signature": signature(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "e42",
    }
    r = world.http.get("/api/wechat/webhook", params=good)
    assert (r.status_code, r.text) == (200, "e42")
    bad = {**good, "signature": signature("guess", ts, nonce)}
    assert world.http.get("/api/wechat/webhook", params=bad).status_code == 403
    old = str(int(time.time()) - 3600)  # a replayed request signed an hour ago
    stale = {**good, "timestamp": old, "signature": signature(TOKEN, old, nonce)}
    assert world.http.get("/api/wechat/webhook", params=stale).status_code == 403


def test_a_bad_signature_is_refused_and_nothing_is_stored(world):
    out = world.user_says("o-mallory", content="行李丢了", bad_signature=True)
    assert out["deliveries"][0]["status"] == 403
    assert channels(world).chat_store.find_session(customer="wechat:o-mallory") is None


def test_retries_of_one_message_are_answered_once(world):
    out = world.user_says("o-alice", content="我的行李丢了怎么办", deliveries=3)
    assert [d["body"] for d in out["deliveries"]] == ["success"] * 3  # acknowledged at once
    rec = channels(world).chat_store.find_session(customer="wechat:o-alice")
    customer_msgs = [
        m for m in channels(world).chat_store.messages(rec.id) if m.sender == "customer"
    ]
    assert [m.body for m in customer_msgs] == ["我的行李丢了怎么办"]
    [reply] = world.wait_sent("o-alice", 1)
    assert reply.startswith("托运行李遗失登记") and "回复「人工」" in reply
    time.sleep(0.3)
    assert len(world.sent_to("o-alice")) == 1  # the bot answered once, not three times


def test_hand_over_to_an_agent_and_the_agent_answers_in_wechat(world):
    world.user_says("o-bob", content="转人工")
    cid = channels(world).chat_store.find_session(customer="wechat:o-bob").contact_id
    sup, a03 = world.login("supervisor"), world.login("a03")
    contact = world.http.get(f"/api/contacts/{cid}", headers=sup).json()
    assert contact["channel"] == "chat" and contact["customer"].startswith("wec")  # masked OpenID
    world.http.post("/api/agents/me/state", json={"state": "login"}, headers=a03)
    world.http.post("/api/agents/me/state", json={"state": "available"}, headers=a03)
    assert world.http.post(f"/api/contacts/{cid}/accept", headers=a03).status_code == 200
    for line in ("您好", "请问航班号是多少？"):  # a burst of short lines goes out as one message
        r = world.http.post(f"/api/chat/contacts/{cid}/messages", json={"text": line}, headers=a03)
        assert r.status_code == 201
    deadline = time.monotonic() + 5
    while "请问航班号是多少？" not in "\n".join(sent := world.sent_to("o-bob")):
        assert time.monotonic() < deadline, sent
        time.sleep(0.05)
    text = "\n".join(sent)
    # a03 is named to the customer (张伟), not by login
    assert text.index("请稍候") < text.index("张伟") < text.index("您好\n请问航班号是多少？")
    assert len(sent) < 4  # lines close together were merged: the 5-message budget lasts


def test_images_are_fetched_through_the_media_api(world):
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
    world.user_says("o-carol", image=base64.b64encode(png).decode())
    rec = channels(world).chat_store.find_session(customer="wechat:o-carol")
    [msg] = [m for m in channels(world).chat_store.messages(rec.id) if m.kind == "image"]
    assert channels(world).chat_store.media(msg.media_id)[1:] == ("image/png", png)


def test_an_expired_access_token_is_refreshed_and_the_message_still_goes_out(world):
    client = channels(world).wechat.client
    fetched = client.token_fetches
    httpx.post(f"{world.fake_base}/_fake/expire_tokens")
    world.user_says("o-dave", content="行李丢了")
    assert world.wait_sent("o-dave", 1)[0].startswith("托运行李遗失登记")
    assert client.token_fetches == fetched + 1


def test_reply_budget_five_messages_in_48_hours_after_a_user_message():
    now = [1000.0]
    budget = ReplyBudget(lambda: now[0])
    with pytest.raises(WindowClosed):
        budget.spend("o-x")  # the user never wrote
    budget.user_wrote("o-x")
    for _ in range(5):
        budget.spend("o-x")
    assert budget.left("o-x")[0] == 0
    with pytest.raises(WindowClosed):
        budget.spend("o-x")
    budget.user_wrote("o-x")  # a new message restarts the window
    assert budget.left("o-x") == (5, 1000.0 + 48 * 3600)
    now[0] += 48 * 3600 + 1
    assert budget.left("o-x") == (0, None)


def test_hostile_xml_is_refused():
    with pytest.raises(ProtocolError):
        parse(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml><MsgType>text</MsgType></xml>'
        )
    with pytest.raises(ProtocolError):
        parse(b"<xml><Content>no sender</Content></xml>")


def _signed_url(nonce: str) -> str:
    ts = str(int(time.time()))
    sig = signature(TOKEN, ts, nonce)
    return f"/api/wechat/webhook?signature={sig}&timestamp={ts}&nonce={nonce}"


def _customer_texts(world, openid: str) -> list[str] | None:
    rec = channels(world).chat_store.find_session(customer=f"wechat:{openid}")
    if rec is None:
        return None
    return [m.body for m in channels(world).chat_store.messages(rec.id) if m.sender == "customer"]


def test_a_captured_signed_url_replayed_with_another_message_is_refused(world):
    url = _signed_url("replay01")
    first = message_xml("gh_account", "o-erin", "text", content="航班延误了吗", msg_id=900001)
    assert world.http.post(url, content=first).text == "success"
    assert world.http.post(url, content=first).text == "success"  # a retry of the same body
    forged = message_xml("gh_account", "o-victim", "text", content="退订所有服务", msg_id=900002)
    r = world.http.post(url, content=forged)
    assert r.status_code == 403 and "already used" in r.text
    assert _customer_texts(world, "o-victim") is None
    assert _customer_texts(world, "o-erin") == ["航班延误了吗"]


def test_utf16_xml_with_an_internal_entity_is_refused_and_nothing_is_stored(world):
    doc = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE xml [<!ENTITY e "INJECTED-BY-ENTITY">]>'
        "<xml><ToUserName>gh_account</ToUserName><FromUserName>o-utf16</FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType>"
        "<Content>&e;</Content><MsgId>900003</MsgId></xml>"
    ).encode("utf-16")
    r = world.http.post(_signed_url("utf16x01"), content=doc)
    assert 400 <= r.status_code < 500 and "DOCTYPE" in r.text
    assert _customer_texts(world, "o-utf16") is None
    with pytest.raises(ProtocolError):
        parse(doc)


def test_every_process_sharing_the_database_remembers_a_signed_url(db_url):
    from hotline.store.kb import ChatStore

    one, two = open_store(db_url), open_store(db_url)
    try:
        a, b = ChatStore(one.engine), ChatStore(two.engine)
        assert a.first_signed("1700000000:n1", "aa" * 32, 1700000000.0) is None
        assert b.first_signed("1700000000:n1", "bb" * 32, 1700000001.0) == "aa" * 32
        assert b.forget_signed(1700000000.5) == 1
        assert b.first_signed("1700000000:n1", "bb" * 32, 1700000002.0) is None
    finally:
        one.close()
        two.close()
