"""The whole contact in one place, and the timers an agent lives by (Chromium, real server).

* a call that came through the IVR shows the path the caller took - the self-service answer
  heard, the keys pressed - as the voice gateway reported it (`voice.ivr` fact);
* the hold timer counts while the call is on hold and keeps the total after resuming;
* the talk timer turns amber, then red, past its thresholds (5 and 10 minutes).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, screenshot


def test_the_card_shows_the_ivr_path_and_the_hold_timer(server, new_page):
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    channel = server.api("channel")
    # the gateway: the caller heard the flight answer, then pressed 0 for a person
    ivr = {"outcome": "transferred", "path": ["welcome", "flight", "agent"], "digits": "10",
           "contained": False, "ivr_s": 21.4}  # fmt: skip
    cid = "call-ivr-1"
    r = channel.post(f"/api/voice/{cid}/facts", json={"kind": "voice.ivr", "data": ivr})
    assert r.status_code == 201, r.text
    body = {"id": cid, "queue": "general", "channel": "voice", "customer": "13912345678"}
    channel.post("/api/contacts", json=body).raise_for_status()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", cid)
    page.get_by_test_id("offer-accept").click()
    path = page.get_by_test_id("ivr-path")
    expect(path).to_contain_text("欢迎语")
    expect(path).to_contain_text("航班动态（自助答复）")
    expect(path).to_contain_text("转人工")
    expect(path).to_contain_text("按键 1 0 · IVR 21 秒")

    hold = page.get_by_test_id("hold-time")
    expect(page.get_by_test_id("hold-time-box")).to_be_hidden()  # never held yet
    page.get_by_test_id("btn-hold").click()
    expect(hold).to_have_text(re.compile(r"^00:0[2-9]$"), timeout=6_000)  # it counts
    page.get_by_test_id("btn-hold").click()  # resume: the total stays on the card
    stopped = hold.inner_text()
    page.wait_for_timeout(1500)
    assert hold.inner_text() == stopped
    page.mouse.move(0, 0)
    screenshot(page, "desk-card-ivr")
    assert page.errors == []


def test_the_talk_timer_changes_colour_past_its_thresholds(server, new_page):
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    channel = server.api("channel")
    c = channel.post("/api/contacts", json={"queue": "general", "customer": "13912345678"}).json()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", c["id"])
    page.get_by_test_id("offer-accept").click()
    talk = page.get_by_test_id("talk-time")
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "busy")
    page.wait_for_timeout(600)  # the re-reads after accepting reset the clock offset
    expect(talk).not_to_have_class(re.compile(r"t-(warn|bad)"))
    # the desk's clock runs on the server's: shift it forward as if 6, then 11 minutes passed
    shift = "(s) => { Alpine.$data(document.querySelector('.desk')).skew += s; }"
    page.evaluate(shift, 360)
    expect(talk).to_have_class(re.compile(r"\bt-warn\b"))
    page.evaluate(shift, 300)
    expect(talk).to_have_class(re.compile(r"\bt-bad\b"))
