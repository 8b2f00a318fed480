"""The supervisor runs an SMS campaign from the campaigns page (外呼任务).

Opened from the top bar; a campaign without its text is refused with the reason beside the
message field and nothing is stored; with the text and two numbers it is created and started,
its row shows 进行中 and its results (sent by the server's rounds when the contact policy
allows: outside quiet hours and holidays), and Pause stops it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, screenshot


def test_a_supervisor_creates_starts_and_pauses_an_sms_campaign(server, new_page):
    page = new_page()
    login(page, "supervisor")
    page.locator(".mainnav").get_by_role("link", name="外呼任务").click()
    page.wait_for_url("**/campaigns")
    expect(page.get_by_test_id("no-campaigns")).to_be_visible()
    page.get_by_test_id("campaign-add").click()
    page.get_by_test_id("campaign-name").fill("话费提醒")
    page.get_by_test_id("campaign-customers").fill("13800000001\n13800000002")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-error-message")).to_be_visible()
    expect(page.get_by_test_id("campaign-message")).to_have_class(re.compile(r"\binvalid\b"))
    assert server.api("supervisor").get("/api/campaigns").json() == []  # nothing stored

    page.get_by_test_id("campaign-message").fill("【联通】您本月话费余额不足10元。")
    page.get_by_test_id("campaign-save").click()
    row = page.get_by_test_id("campaign-row")
    expect(row).to_have_count(1)
    expect(row.locator("[data-col=status]")).to_have_text("进行中")
    expect(row.locator("[data-col=results]")).to_have_text(re.compile(r"(待发送|已送达) 2"))
    screenshot(page, "campaigns-zh")
    row.get_by_test_id("campaign-pause").click()
    expect(row.locator("[data-col=status]")).to_have_text("已暂停")
    [stored] = server.api("supervisor").get("/api/campaigns").json()
    assert stored["status"] == "paused" and sum(stored["results"].values()) == 2
    assert page.errors == []
