"""The chat widget in a real browser: embedded with one script tag on another origin, the bot
answers from the knowledge base, the customer asks for a person, sees their place in line, an
agent answers, an image goes through, and a reload resumes the chat.

The server runs `hotline.web.app:create_app` as a uvicorn factory (the core app installs the
chat channels with the KB and chat routers itself).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from .conftest import CHROMIUM_ARGS, VIEWPORT, Server, screenshot  # noqa: F401

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


class ChatServer(Server):
    def start(self) -> None:
        env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{self.db}"}
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "hotline.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )
        import httpx

        deadline = time.time() + 30
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")


@pytest.fixture
def chat_server(demo_db, tmp_path):
    db = tmp_path / "hotline.db"
    shutil.copy(demo_db, db)
    s = ChatServer(db, tmp_path / "server.log")
    s.start()
    try:
        yield s
    finally:
        s.stop()


def test_customer_chats_with_the_bot_then_an_agent_in_the_widget(browser, chat_server):
    srv = chat_server
    sup = srv.api("supervisor")
    r = sup.post(
        "/api/kb/articles",
        json={
            "title": "托运行李遗失登记",
            "body": "托运行李未到达，请到到达层行李查询柜台登记，我们会在24小时内联系您。",
        },
    )
    assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the "customer website" is another origin (localhost) than the hotline API (127.0.0.1)
    page.goto(f"http://localhost:{srv.port}/chat/demo?api={srv.base}")
    page.click("[data-testid=chat-open]")
    log = page.locator("[data-testid=chat-log]")
    log.locator("[data-testid=chat-msg-bot]").first.wait_for()
    assert "转人工" in log.inner_text()

    page.fill("[data-testid=chat-input]", "我的行李丢了怎么办？")
    page.click("[data-testid=chat-send]")
    page.locator("[data-testid=chat-msg-bot]", has_text="托运行李遗失登记").wait_for()
    assert page.locator("[data-testid=chat-solved]").is_visible()

    page.click("[data-testid=chat-agent]")
    # alone in line: nobody is ahead (position 1 is not "1 ahead")
    page.locator("[data-testid=chat-status]", has_text="您是下一位").wait_for()
    assert "前面还有" not in page.locator("[data-testid=chat-status]").inner_text()

    a01 = srv.api("a01")
    a01.post("/api/agents/me/state", json={"state": "login"})
    a01.post("/api/agents/me/state", json={"state": "available"})
    cid = a01.get("/api/agents/me").json()["offer"]["id"]
    assert a01.post(f"/api/contacts/{cid}/accept").status_code == 200
    transcript = a01.get(f"/api/chat/contacts/{cid}/messages").json()["messages"]
    assert "我的行李丢了怎么办？" in [m["body"] for m in transcript]
    a01.post(f"/api/chat/contacts/{cid}/messages", json={"text": "您好，请提供您的行李牌号。"})
    page.locator("[data-testid=chat-msg-agent]", has_text="请提供您的行李牌号").wait_for()
    page.locator("[data-testid=chat-status]", has_text="客服王静为您服务").wait_for()  # a name

    page.locator("[data-testid=chat-file]").set_input_files(
        files=[{"name": "tag.png", "mimeType": "image/png", "buffer": PNG}]
    )
    img = page.locator("[data-testid=chat-msg-customer] img")
    img.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('#hotline-chat').shadowRoot"
        ".querySelector('.customer img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    transcript = a01.get(f"/api/chat/contacts/{cid}/messages").json()["messages"]
    media_id = next(m["media_id"] for m in transcript if m["kind"] == "image")
    assert a01.get(f"/api/chat/media/{media_id}").content == PNG
    screenshot(page, "chat-widget")

    page.reload()  # the chat survives a reload (token kept in localStorage)
    page.click("[data-testid=chat-open]")
    page.locator("[data-testid=chat-msg-agent]", has_text="请提供您的行李牌号").wait_for()
    assert errors == []
    ctx.close()


def _widget(browser, srv, lang: str = "zh-CN"):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"http://localhost:{srv.port}/chat/demo?api={srv.base}&lang={lang}")
    page.click("[data-testid=chat-open]")
    page.locator("[data-testid=chat-msg-bot]").first.wait_for()
    return ctx, page


def test_the_widget_shows_the_wait_the_agent_typing_and_asks_for_a_rating(browser, chat_server):
    srv = chat_server
    channel, a01 = srv.api("channel"), srv.api("a01")
    a01.post("/api/agents/me/state", json={"state": "login"})
    a01.post("/api/agents/me/state", json={"state": "available"})
    call = channel.post("/api/contacts", json={"queue": "general", "customer": "13900001111"})
    a01.post(f"/api/contacts/{call.json()['id']}/accept").raise_for_status()  # a01 is on a call

    ctx, page = _widget(browser, srv)
    status = page.locator("[data-testid=chat-status]")
    page.fill("[data-testid=chat-input]", "转人工")
    page.click("[data-testid=chat-send]")
    # one agent serves the queue but is busy: the wait can be estimated
    status.filter(has_text="预计等待约").wait_for()
    assert "您是下一位" in status.inner_text()
    # every message carries its time
    times = page.locator("[data-testid=chat-msg-customer] [data-testid=chat-time]")
    assert re.fullmatch(r"\d\d:\d\d", times.first.inner_text())

    a01.post(f"/api/contacts/{call.json()['id']}/complete", json={"wrap_up_s": 0})
    cid = a01.get("/api/agents/me").json()["offer"]["id"]
    a01.post(f"/api/contacts/{cid}/accept").raise_for_status()
    status.filter(has_text="客服王静为您服务").wait_for()

    # minimised, the widget keeps the chat and counts what the agent wrote meanwhile
    page.click("[data-testid=chat-minimise]")
    assert not page.locator("[data-testid=chat-input]").is_visible()
    assert a01.post(f"/api/chat/contacts/{cid}/typing").status_code == 204
    a01.post(f"/api/chat/contacts/{cid}/messages", json={"text": "您好，请讲。"})
    page.locator("[data-testid=chat-unread]", has_text="1").wait_for()
    page.click("[data-testid=chat-open]")
    page.locator("[data-testid=chat-msg-agent]", has_text="您好，请讲。").wait_for()
    assert page.locator("[data-testid=chat-unread]").count() == 0

    # the agent starts typing: the customer sees it while the agent writes
    assert a01.post(f"/api/chat/contacts/{cid}/typing").status_code == 204
    page.locator("[data-testid=chat-typing]", has_text="客服正在输入").wait_for()
    screenshot(page, "chat-widget-typing")
    a01.post(f"/api/chat/contacts/{cid}/messages", json={"text": "已为您登记。"})
    page.locator("[data-testid=chat-msg-agent]", has_text="已为您登记").wait_for()
    page.locator("[data-testid=chat-typing]").wait_for(state="hidden")

    # the agent completes: the chat ends and the customer rates it
    a01.post(f"/api/contacts/{cid}/complete", json={"wrap_up_s": 0}).raise_for_status()
    survey = page.locator("[data-testid=chat-survey]")
    survey.wait_for()
    page.click("[data-testid=rate-unsatisfied]")
    page.fill("[data-testid=survey-comment]", "等太久了")
    screenshot(page, "chat-widget-survey")
    page.click("[data-testid=survey-submit]")
    status.filter(has_text="感谢您的评价").wait_for()
    survey.wait_for(state="hidden")
    rows = srv.api("supervisor").get("/api/surveys", params={"agent_id": "a01"}).json()
    assert [(r["contact_id"], r["rating"], r["comment"]) for r in rows] == [
        (cid, "unsatisfied", "等太久了")
    ]
    assert page.errors == []
    ctx.close()


def test_the_widget_speaks_english_with_the_same_queue_facts(browser, chat_server):
    ctx, page = _widget(browser, chat_server, lang="en")
    page.click("[data-testid=chat-agent]")
    status = page.locator("[data-testid=chat-status]")
    status.filter(has_text="You are next in line").wait_for()
    assert "not known yet" in status.inner_text()  # nobody serves the queue: no estimate
    assert page.locator("[data-testid=chat-minimise]").get_attribute("aria-label") == "Minimise"
    screenshot(page, "chat-widget-en")
    assert page.errors == []
    ctx.close()
