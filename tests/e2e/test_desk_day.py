"""“My day” on the agent desk, in Chromium against a real `hotline serve`: the agent's own
figures today beside the team's, updated when the agent completes a contact."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, screenshot


def test_my_day_shows_my_figures_against_the_team_and_follows_my_work(server, new_page):
    page = new_page()
    login(page, "a01")
    day = page.get_by_test_id("my-day")
    expect(day).to_contain_text("平均处理时长")
    handled = page.get_by_test_id("day-handled")
    expect(handled.locator("strong")).to_have_text("0")
    expect(page.get_by_test_id("day-aht_s").locator("strong")).to_have_text("—")

    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "available")
    channel = server.api("channel")
    r = channel.post("/api/contacts", json={"queue": "general", "customer": "13812345678"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    page.get_by_test_id("offer-accept").click()
    expect(page.get_by_test_id("contact-card")).to_have_attribute("data-id", cid)
    page.get_by_test_id("btn-complete").click()
    expect(handled.locator("strong")).to_have_text("1")  # without a reload
    expect(handled).to_contain_text("团队人均 1")
    r = channel.post("/api/surveys", json={"contact_id": cid, "dtmf": "1"})
    assert r.status_code == 201, r.text
    page.reload()
    expect(page.get_by_test_id("day-satisfied_rate").locator("strong")).to_have_text("100%")
    expect(page.get_by_test_id("day-satisfied_rate")).to_contain_text("团队 100%")
    aht = page.get_by_test_id("day-aht_s").locator("strong")
    expect(aht).to_have_text(re.compile(r"^\d\d:\d\d$"))
    screenshot(page, "desk-my-day")
    assert page.errors == []


def test_my_day_in_english(server, new_page):
    page = new_page("en")
    login(page, "a01")
    day = page.get_by_test_id("my-day")
    expect(day).to_contain_text("Avg handle time")
    expect(page.get_by_test_id("day-qa_score").locator("strong")).to_have_text("—")
    assert page.errors == []
