"""The supervisor edits an alert rule in the alerts console and the wallboard uses it.

Two WeChat chats wait (nobody is ready). The supervisor opens 告警 from the top bar, adds
"waiting above" for 微信在线客服 - first with a negative threshold, refused with a Chinese
reason beside the field - and the server's alert shows in the console and on the wallboard
(the board keeps no threshold of its own). Acknowledged in the console; after the threshold
is raised above the queue, the alert clears on the board.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, screenshot

SERVER_ROUND_MS = 20_000  # the server evaluates every 5 s, the pages re-read every 5 s


def test_an_alert_rule_edited_in_the_console_drives_the_wallboard(server, new_page):
    channel = server.api("channel")
    for i in range(2):
        body = {"queue": "chat", "channel": "chat", "customer": f"1360000{i:04d}"}
        channel.post("/api/contacts", json=body).raise_for_status()
    board = new_page()
    login(board, "supervisor")
    expect(board.locator("[data-testid=queue-row][data-queue=chat]")).to_be_visible()
    expect(board.locator(".alert-ok")).to_be_visible()  # no rule, no alert
    assert board.get_by_test_id("threshold").count() == 0  # no browser-side threshold

    page = new_page()
    login(page, "supervisor")
    page.locator(".mainnav").get_by_role("link", name="告警").click()
    page.wait_for_url("**/alerts")
    expect(page.get_by_test_id("no-open-alerts")).to_be_visible()
    page.get_by_test_id("rule-add").click()
    page.get_by_test_id("rule-id").fill("wait-chat")
    page.get_by_test_id("rule-kind").select_option("waiting_above")
    page.get_by_test_id("rule-queue").select_option("chat")
    page.get_by_test_id("rule-threshold").fill("-1")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("rule-error-threshold")).to_have_text("不能小于 0")
    expect(page.get_by_test_id("rule-threshold")).to_have_class(re.compile(r"\binvalid\b"))
    assert page.get_by_test_id("rule-row").count() == 0
    page.get_by_test_id("rule-threshold").fill("1")
    page.get_by_test_id("rule-save").click()
    row = page.locator("[data-testid=rule-row][data-rule=wait-chat]")
    expect(row).to_be_visible()
    expect(row.locator("[data-col=threshold]")).to_have_text("1")

    alert = page.locator("[data-testid=open-alert][data-rule=wait-chat]")
    expect(alert).to_be_visible(timeout=SERVER_ROUND_MS)
    expect(alert).to_contain_text("微信在线客服：排队 2 人，超过 1")
    chip = board.locator("[data-testid=alert][data-kind=waiting_above][data-queue=chat]")
    expect(chip).to_have_text("微信在线客服：排队 2 人，超过 1", timeout=SERVER_ROUND_MS)
    expect(board.locator("[data-testid=queue-row][data-queue=chat]")).to_have_class(
        re.compile(r"\balerting\b")
    )
    screenshot(board, "wallboard-server-alert-zh")

    alert.get_by_test_id("ack").click()
    expect(alert).to_contain_text("supervisor 已确认")
    expect(chip).to_have_class(re.compile(r"\backed\b"), timeout=SERVER_ROUND_MS)

    page.get_by_test_id("rule-edit-wait-chat").click()
    expect(page.get_by_test_id("rule-id")).to_be_disabled()
    page.get_by_test_id("rule-threshold").fill("5")
    page.get_by_test_id("rule-save").click()
    expect(row.locator("[data-col=threshold]")).to_have_text("5")
    expect(chip).to_have_count(0, timeout=SERVER_ROUND_MS)
    expect(board.locator(".alert-ok")).to_be_visible()
    expect(page.get_by_test_id("no-open-alerts")).to_be_visible(timeout=SERVER_ROUND_MS)
    # the history keeps the alert with the value it fired at
    history = page.locator("[data-testid=history-row]").first
    expect(history).to_contain_text("排队人数超过 · 微信在线客服 · 2")
    expect(history).to_contain_text("已解除")
    screenshot(page, "alerts-console-zh")
    assert page.errors == [] and board.errors == []


def test_the_console_words_refusals_in_english_and_agents_are_refused(server, new_page):
    page = new_page("en")
    login(page, "supervisor")
    page.goto("/alerts")
    page.get_by_test_id("rule-add").click()
    page.get_by_test_id("rule-id").fill("sl")
    page.get_by_test_id("rule-kind").select_option("service_level_below")
    page.get_by_test_id("rule-threshold").fill("")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("rule-error-threshold")).to_have_text("must be a number")
    page.get_by_test_id("rule-threshold").fill("80")  # typed as a percentage
    page.get_by_test_id("rule-save").click()
    row = page.locator("[data-testid=rule-row][data-rule=sl]")
    expect(row.locator("[data-col=threshold]")).to_have_text("80%")
    rules = server.api("supervisor").get("/api/alert-rules").json()["rules"]
    assert [(r["id"], r["threshold"]) for r in rules] == [("sl", 0.8)]  # stored as a fraction
    agent = new_page()
    login(agent, "a01")
    assert agent.goto("/alerts").status == 403
    assert page.errors == [] and agent.errors == []
