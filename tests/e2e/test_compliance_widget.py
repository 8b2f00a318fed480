"""The chat widget shows the recording notice before the first message (PIPL Art. 17), and the
contact a chat becomes carries a `compliance.notice` fact. Real browser, real server."""

from __future__ import annotations

from .conftest import VIEWPORT, screenshot
from .test_widget import chat_server  # noqa: F401 - fixture


def test_the_widget_shows_the_recording_notice_and_the_contact_logs_it(
    browser,
    chat_server,  # noqa: F811
):
    srv = chat_server
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://localhost:{srv.port}/chat/demo?api={srv.base}")
    page.click("[data-testid=chat-open]")
    notice = page.locator("[data-testid=chat-notice]")
    assert notice.is_visible() and "可能会被录音" in notice.inner_text()
    page.locator("[data-testid=chat-log] [data-testid=chat-msg-bot]").first.wait_for()
    # the notice is above the conversation, not a message that scrolls away
    assert notice.bounding_box()["y"] < page.locator("[data-testid=chat-log]").bounding_box()["y"]
    page.click("[data-testid=chat-agent]")
    page.locator("[data-testid=chat-status]", has_text="您是下一位").wait_for()
    screenshot(page, "chat-widget-notice")

    sup = srv.api("supervisor")
    contact = next(c for c in sup.get("/api/contacts").json() if c["channel"] == "chat")
    events = sup.get(f"/api/contacts/{contact['id']}/events").json()
    notices = [e for e in events if e["kind"] == "compliance.notice"]
    assert len(notices) == 1 and notices[0]["data"]["medium"] == "widget"
    arrived = next(e for e in events if e["kind"] == "contact.created")
    assert notices[0]["at"] <= arrived["at"]  # shown before the chat became a contact
    assert errors == []
    ctx.close()
