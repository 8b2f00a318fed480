"""After-call work and labels on the agent desk (Chromium, real server, 1366x768).

* Complete keeps the note and disposition on screen during 话后处理, editable, and saves an edit;
* the wrap-up time counts down (not up) and the idle text does not say 未就绪;
* the 已完成 toast does not cover the state buttons;
* codes show as words in both languages (intent, language), earlier contacts carry their date
  and rating, and the agent is greeted by name.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .conftest import login, screenshot

CUSTOMER = "13912345678"


def _overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _call(server, page, **extra) -> dict:
    channel = server.api("channel")
    body = {"queue": "general", "customer": CUSTOMER, "intent": "lost_item", "language": "zh"}
    contact = channel.post("/api/contacts", json=body | extra).json()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", contact["id"])
    page.get_by_test_id("offer-accept").click()
    expect(page.get_by_test_id("contact-card")).to_have_attribute("data-id", contact["id"])
    return contact


def test_after_call_work_keeps_the_notes_and_counts_down(server, new_page):
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    contact = _call(server, page)
    page.get_by_test_id("disposition").select_option("lost_item")
    page.get_by_test_id("note").fill("旅客遗失背包，已登记")
    page.get_by_test_id("btn-complete").click()
    # general's wrap-up is 10 s in the demo center
    pill = page.get_by_test_id("state-pill")
    expect(pill).to_have_attribute("data-state", "wrap_up")
    panel = page.get_by_test_id("wrap-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("wrap-note")).to_have_value("旅客遗失背包，已登记")
    expect(page.get_by_test_id("wrap-disposition")).to_have_value("lost_item")
    expect(panel).not_to_contain_text("未就绪")
    toast = page.locator(".toast").first
    expect(toast).to_contain_text("已完成")
    buttons = page.locator(".state-actions").bounding_box()
    assert not _overlaps(toast.bounding_box(), buttons)
    countdown = page.get_by_test_id("wrap-countdown")
    first = int(countdown.inner_text().split(":")[1])
    time.sleep(2.2)
    later = int(countdown.inner_text().split(":")[1])
    assert 0 < later < first <= 10  # counts down from the wrap-up time
    page.get_by_test_id("wrap-note").fill("旅客遗失背包，已登记；约定明早回电")
    page.get_by_test_id("wrap-save").click()
    expect(panel).to_contain_text("小结已随完成保存")
    page.mouse.move(0, 0)
    screenshot(page, "desk-wrap-up")
    page.get_by_test_id("wrap-done").click()
    expect(pill).to_have_attribute("data-state", "available")
    expect(page.get_by_test_id("idle")).to_be_visible()
    events = server.api("supervisor").get(f"/api/contacts/{contact['id']}/events").json()
    notes = [e["data"]["note"] for e in events if e["kind"] == "contact.note"]
    assert notes == ["旅客遗失背包，已登记", "旅客遗失背包，已登记；约定明早回电"]
    assert page.errors == []


def test_the_idle_text_during_wrap_up_is_about_after_call_work(server, new_page):
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    _call(server, page)
    page.get_by_test_id("btn-complete").click()  # without a note
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "wrap_up")
    idle = page.locator("[data-testid=idle], [data-testid=wrap-panel]").first
    expect(idle).to_be_visible()
    expect(idle).not_to_contain_text("未就绪")
    expect(idle).to_contain_text("话后处理")


def test_codes_show_as_words_and_history_has_dates(server, new_page):
    a02 = server.api("a02")
    a02.post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
    a02.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    channel = server.api("channel")
    earlier = channel.post("/api/contacts", json={"queue": "general", "customer": CUSTOMER}).json()
    a02.post(f"/api/contacts/{earlier['id']}/accept").raise_for_status()
    a02.post(f"/api/contacts/{earlier['id']}/complete", json={"wrap_up_s": 0}).raise_for_status()
    r = channel.post("/api/surveys", json={"contact_id": earlier["id"], "rating": "satisfied"})
    assert r.status_code == 201, r.text
    a02.post("/api/agents/me/state", json={"state": "offline"}).raise_for_status()

    for lang, words in (("zh-CN", ("失物查找", "中文", "满意")), ("en", ("Lost item", "Chinese"))):
        page = new_page(lang)
        login(page, "a01")
        expect(page.get_by_test_id("who")).to_have_text("王静")
        page.get_by_test_id("btn-sign-in").click()
        page.get_by_test_id("btn-ready").click()
        _call(server, page)
        expect(page.get_by_test_id("intent")).to_have_text(words[0])
        table = page.get_by_test_id("history")
        fits = "(t) => t.scrollWidth <= t.parentElement.clientWidth"
        assert page.evaluate(fits, table.element_handle())  # no column cut off
        expect(page.get_by_test_id("language")).to_have_text(words[1])
        card = page.get_by_test_id("contact-card")
        expect(card).not_to_contain_text("lost_item")
        when = page.get_by_test_id("history").locator("tbody tr td").first
        expect(when).to_have_text(re.compile(r"^\d\d-\d\d \d\d:\d\d$"))
        if lang == "zh-CN":
            expect(page.get_by_test_id("last-csat")).to_contain_text("满意")
        page.mouse.move(0, 0)
        screenshot(page, f"desk-card-{lang}")
        page.get_by_test_id("btn-complete").click()
        page.get_by_test_id("btn-acw-done").click()
        page.get_by_test_id("btn-sign-out").click()
        assert page.errors == []
