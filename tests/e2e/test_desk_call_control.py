"""Call control buttons (Chromium, real server, 1366x768): the desk's consult, conference,
transfer and transfer out, and the wallboard's listen / whisper / barge.

No phones here: the router decides every step and the API answers, so the buttons are checked
against the core's state; the channel account plays the gateway's part (the specialist's phone
picking up). The media side is tested with real SIP peers in
tests/integration/test_voice_call_control.py.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import login, screenshot


def _desk_with_a_call(server, page) -> str:
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    body = {"queue": "general", "customer": "13912345678", "channel": "voice"}
    contact = server.api("channel").post("/api/contacts", json=body).json()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", contact["id"])
    page.get_by_test_id("offer-accept").click()
    expect(page.get_by_test_id("contact-card")).to_have_attribute("data-id", contact["id"])
    return contact["id"]


def _ready(server, agent: str) -> None:
    c = server.api(agent)
    for state in ("login", "available"):
        c.post("/api/agents/me/state", json={"state": state})


def _state(server, agent: str) -> str:
    agents = server.api("supervisor").get("/api/agents").json()
    return next(a for a in agents if a["id"] == agent)["state"]


def test_consult_an_agent_then_conference_then_complete_the_transfer(server, new_page):
    page = new_page()
    cid = _desk_with_a_call(server, page)
    _ready(server, "a02")
    page.get_by_test_id("btn-consult").click()
    page.get_by_test_id("consult-agent").select_option("a02")
    page.get_by_test_id("consult-go").click()
    state = page.get_by_test_id("consult-state")
    expect(state).to_contain_text("a02")
    expect(page.get_by_test_id("consult-conference")).to_be_hidden()  # still ringing
    assert _state(server, "a02") == "reserved"
    r = server.api("channel").post(f"/api/voice/{cid}/consult/answered", json={"agent_id": "a02"})
    assert r.status_code == 200, r.text
    page.reload()  # the desk shows the consult as the core has it now
    expect(page.get_by_test_id("consult-state")).to_contain_text("咨询")
    page.get_by_test_id("consult-conference").click()
    expect(page.get_by_test_id("consult-state")).to_contain_text("三方通话")
    screenshot(page, "desk-conference")
    page.get_by_test_id("consult-transfer").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "wrap_up")
    assert _state(server, "a02") == "busy"
    events = server.api("supervisor").get(f"/api/contacts/{cid}/events").json()
    kinds = [e["kind"] for e in events]
    assert "contact.conference" in kinds and "contact.transferred" in kinds
    assert page.errors == []


def test_return_to_the_caller_and_transfer_out_from_the_desk(server, new_page):
    page = new_page()
    cid = _desk_with_a_call(server, page)
    _ready(server, "a02")
    page.get_by_test_id("btn-consult").click()
    page.get_by_test_id("consult-agent").select_option("a02")
    page.get_by_test_id("consult-go").click()
    page.get_by_test_id("consult-return").click()
    expect(page.get_by_test_id("btn-consult")).to_be_visible()
    assert _state(server, "a02") == "available"
    page.get_by_test_id("btn-transfer-out").click()
    page.get_by_test_id("out-number").fill("4008001234")
    page.get_by_test_id("out-go").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "wrap_up")
    ended = server.api("supervisor").get(f"/api/contacts/{cid}").json()
    assert ended["outcome"] == "transferred_out"
    assert page.errors == []


def test_the_wallboard_monitors_a_busy_agents_call(server, new_page):
    desk = new_page()
    cid = _desk_with_a_call(server, desk)
    page = new_page()
    login(page, "supervisor")
    page.goto("/wallboard")
    menu = page.get_by_test_id("monitor-a01")
    expect(menu).to_be_visible()
    expect(page.get_by_test_id("monitor-a02")).to_be_hidden()  # nothing to monitor
    menu.select_option("whisper")
    expect(page.locator(".toast").first).to_contain_text("正在呼叫您的电话")
    events = server.api("supervisor").get(f"/api/contacts/{cid}/events").json()
    asked = [e["data"] for e in events if e["kind"] == "voice.monitor_requested"]
    assert asked == [{"mode": "whisper", "supervisor": "supervisor"}]
    assert page.errors == [] and desk.errors == []
