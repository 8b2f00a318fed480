"""Real callers waiting in line: the place-in-line announcement, and "press 9" kept apart from
abandons in the KPIs.

A demo center with one baresip phone (a01), kept busy on another contact so that sipp callers
wait in `special_assistance` (menu key 4: no EWT overflow rule there). What each caller heard
is checked in the caller-side recording: every built prompt is looked for by normalised
cross-correlation (1.0 = that exact audio), so "您前面还有一位" is told apart from "两位".
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .voice_rig import (
    DEMO_IVR,
    find_in,
    needs_peers,
    prompt_audio,
    read_wav,
    recordings,
    start_center,
)

pytestmark = needs_peers
HEARD = 0.9  # an exact prompt scores ~1.0; the look-alike "两位" for "一位" about 0.73


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    # sipp sends no RTP while it pauses: let a caller stay silent longer than the 30 s default
    # and announce every 12 s (the demo's 30 s would outlast special_assistance's 40 s overflow)
    work = tmp_path_factory.mktemp("voice-place")
    flow = DEMO_IVR.read_text(encoding="utf-8").replace(
        "announce_every_s: 30", "announce_every_s: 12"
    )
    assert "announce_every_s: 12" in flow
    (work / "ivr.yaml").write_text(flow, encoding="utf-8")
    gateway = {"ivr": str(work / "ivr.yaml")}
    with start_center(work, sip={"rtp_timeout_s": 120}, gateway=gateway) as c:
        a01 = c.ready("a01")
        busy = c.client("channel").post("/api/contacts", json={"queue": "general"}).json()["id"]
        a01.post(f"/api/contacts/{busy}/accept").raise_for_status()  # nobody serves the callers
        c.busy_with = busy
        yield c


def _caller_audio(center, cid: str):
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == cid
            and f["data"]["files"][0]["leg"] == "caller"
        ),
        timeout_s=60,
    )
    return read_wav(Path(recordings(center.stream.of(cid))["caller"]["path"]))[1]


def _heard(center, audio, *prompt_ids: str) -> dict[str, tuple[float, float]]:
    return {p: find_in(audio, prompt_audio(center.work, p)) for p in prompt_ids}


def test_the_place_in_line_is_announced_before_the_wait_and_follows_the_line(center):
    first, a = center.call(
        [("pause", 2000), ("dtmf", "4"), ("pause", 26000)], "first", user="13800000011"
    )
    queued_a = center.stream.fact("contact.queued", a)
    assert queued_a["data"]["position"] == 0
    second, b = center.call(
        [("pause", 2000), ("dtmf", "4"), ("pause", 34000)], "second", user="13800000012"
    )
    queued_b = center.stream.fact("contact.queued", b)
    assert queued_b["data"]["position"] == 1  # the first caller is ahead
    # Once the second caller's first announcement began (welcome, key 4, "connecting": ~7 s
    # into the call), a01 finishes and takes the first caller: the second is next in line now,
    # which the gateway asks the core just before the next announcement (12 s later).
    answered_b = center.stream.fact("voice.answered", b)
    time.sleep(max(0.0, answered_b["at"] + 10.0 - time.time()))
    a01 = center.client("a01")
    a01.post(f"/api/contacts/{center.busy_with}/complete", json={}).raise_for_status()
    a01.post("/api/agents/me/wrap-up-done").raise_for_status()
    bridged = center.stream.fact("voice.bridged", a, timeout_s=30)
    assert bridged["agent_id"] == "a01"
    a01.post("/api/agents/me/state", json={"state": "not_ready", "reason": "test"})
    assert first.wait(90) == 0, center.sipp_log("first")
    assert second.wait(120) == 0, center.sipp_log("second")

    ewts = [f"ewt_{n}" for n in range(1, 6)] + ["ewt_long"]
    heard_a = _heard(center, _caller_audio(center, a), "pos_0", "pos_1", *ewts)
    print("first caller:", heard_a)
    assert heard_a["pos_0"][0] > HEARD and heard_a["pos_1"][0] < heard_a["pos_0"][0] - 0.1
    ewt_a = max(ewts, key=lambda p: heard_a[p][0])
    assert heard_a[ewt_a][0] > HEARD and heard_a["pos_0"][1] < heard_a[ewt_a][1]

    audio_b = _caller_audio(center, b)
    heard_b = _heard(center, audio_b, "pos_0", "pos_1", "pos_2", "comfort", *ewts)
    print("second caller:", heard_b)
    # first announcement: one caller ahead ("您前面还有一位"), then the estimated wait
    assert heard_b["pos_1"][0] > HEARD and heard_b["pos_2"][0] < heard_b["pos_1"][0] - 0.1
    ewt_b = max(ewts, key=lambda p: heard_b[p][0])
    assert heard_b[ewt_b][0] > HEARD and heard_b["pos_1"][1] < heard_b[ewt_b][1]
    # 12 s later (announce_every_s) the first caller is with a01: comfort, "您是下一位", wait
    assert heard_b["pos_0"][0] > HEARD, heard_b
    assert heard_b["pos_0"][1] > heard_b["pos_1"][1] + 8, heard_b
    assert heard_b["comfort"][1] < heard_b["pos_0"][1], heard_b


def test_press_9_while_waiting_is_counted_apart_from_abandons(center):
    sup = center.client("supervisor")
    scope = {"queue": "special_assistance", "channel": "voice"}
    before = sup.get("/api/kpis", params=scope).json()
    asks, c = center.call(
        [("pause", 2000), ("dtmf", "4"), ("pause", 7000), ("dtmf", "9"), ("wait_bye", 40000)],
        "asks",
        user="13800000013",
    )
    leaves, d = center.call(
        [("pause", 2000), ("dtmf", "4"), ("pause", 9000)], "leaves", user="13800000014"
    )
    assert asks.wait(90) == 0, center.sipp_log("asks")
    assert leaves.wait(90) == 0, center.sipp_log("leaves")
    ended_c = center.stream.fact("contact.ended", c, timeout_s=30)
    ended_d = center.stream.fact("contact.ended", d, timeout_s=30)
    assert ended_c["data"]["outcome"] == "callback_requested"
    assert ended_d["data"]["outcome"] == "abandoned"
    created = center.stream.fact("contact.callback_created", c)
    task = sup.get(f"/api/contacts/{created['data']['callback_id']}").json()
    contact = sup.get(f"/api/contacts/{c}").json()
    assert task["enqueued_at"] == contact["enqueued_at"]  # the place in line is kept
    summary = center.stream.fact("voice.call", c, timeout_s=30)
    assert summary["data"]["outcome"] == "callback"

    after = sup.get("/api/kpis", params=scope).json()
    delta = {k: after[k] - before[k] for k in ("offered", "answered", "abandoned")}
    assert delta == {"offered": 2, "answered": 0, "abandoned": 1}, (before, after)
    assert after["callbacks_created"] == 0  # callback tasks count under channel=callback
    every = sup.get("/api/kpis", params={"queue": "special_assistance"}).json()
    assert every["abandoned"] == after["abandoned"]
