"""The review page in headless Chromium against a real server: the background QA loop finds
a recorded call (real speech, shipped Whisper model), the supervisor sees it flagged first,
listens at the flagged second (audited) and confirms; the agent sees it and disputes once."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from hotline.store import open_store
from tests.unit.qa_audio import planted_call

from .conftest import login, screenshot


@pytest.fixture
def asr_on(monkeypatch):
    """tests/conftest.py turns speech-to-text off for test servers; this page needs it."""
    monkeypatch.setenv("HOTLINE_QA_ASR", "on")


@pytest.fixture
def server(asr_on, server):
    """The e2e server, started with speech-to-text on."""
    return server


def _recorded_call(server, call) -> None:
    a01, ch = server.api("a01"), server.api("channel")
    for state in ("login", "available"):
        a01.post("/api/agents/me/state", json={"state": state}).raise_for_status()
    ch.post("/api/contacts", json={"queue": "general", "id": "call1", "language": "en"})
    body = {"agent_id": "a01", "uri": "sip:a01@127.0.0.1"}
    ch.post("/api/voice/call1/answered", json=body).raise_for_status()
    ch.post("/api/voice/call1/hangup", json=body).raise_for_status()
    for leg, key in (("caller", "agent_wav"), ("agent", "customer_wav")):
        files = [{"leg": leg, "path": str(call[key]), "duration_s": call["duration_s"]}]
        fact = {"kind": "voice.recording", "agent_id": "a01", "data": {"files": files}}
        ch.post("/api/voice/call1/facts", json=fact).raise_for_status()
    sup = server.api("supervisor")
    deadline = time.monotonic() + 240
    while sup.get("/api/qa/contacts/call1").status_code != 200:
        assert time.monotonic() < deadline, sup.get("/api/qa/status").json()
        time.sleep(1)


def test_supervisor_reviews_at_the_flagged_second_and_the_agent_disputes(
    server, new_page, tmp_path
):
    call = planted_call(tmp_path / "call")
    _recorded_call(server, call)

    page = new_page("en")
    login(page, "supervisor")
    page.goto("/qa")
    first = page.locator("[data-testid=qa-row]").first
    expect(first).to_have_attribute("data-contact", "call1")
    expect(first).to_contain_text("flagged")
    first.locator("[data-testid=qa-open]").click()
    rude = page.locator("[data-testid=qa-finding][data-kind=forbidden]").filter(has_text="stupid")
    expect(rude.first).to_be_visible()
    at = float(rude.first.locator("[data-testid=qa-at]").inner_text().split()[0])
    assert abs(at - call["forbidden_at"]) <= 1.0
    dead = page.locator("[data-testid=qa-finding][data-kind=dead_air]")
    assert (
        abs(
            float(dead.locator("[data-testid=qa-at]").inner_text().split()[0]) - call["dead_air"][0]
        )
        <= 1.0
    )
    rude.first.locator("[data-testid=qa-listen]").click()
    audio = page.locator("[data-testid=qa-audio]")
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=qa-audio]');"
        " return a.readyState >= 1 && a.currentTime > 0; }"
    )
    assert abs(audio.evaluate("a => a.currentTime") - at) <= 0.5
    assert audio.evaluate("a => a.duration") > 30
    screenshot(page, "qa-review")
    rude.first.locator("[data-testid=qa-confirm]").click()
    expect(rude.first.locator("[data-testid=qa-status]")).to_have_text("confirmed")
    assert page.errors == []

    store = open_store(f"sqlite:///{server.db}")
    try:
        listens = store.audit_entries(target="call1", action="qa.listen")
    finally:
        store.close()
    assert listens and listens[0].user == "supervisor" and listens[0].data["speaker"] == "agent"

    agent = new_page("en")
    login(agent, "a01")
    agent.goto("/qa")
    agent.locator("[data-testid=qa-row][data-contact=call1] [data-testid=qa-open]").click()
    mine = agent.locator("[data-testid=qa-finding][data-kind=forbidden]").filter(has_text="stupid")
    agent.once("dialog", lambda d: d.accept("I was quoting the customer"))
    mine.first.locator("[data-testid=qa-dispute]").click()
    expect(mine.first.locator("[data-testid=qa-status]")).to_have_text("disputed")
    expect(mine.first.locator("[data-testid=qa-dispute]")).to_have_count(0)  # only once
    assert agent.errors == []
