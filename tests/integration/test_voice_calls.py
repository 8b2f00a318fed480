"""Real phone calls through the voice gateway, with real SIP peers on 127.0.0.1.

One demo center (`hotline init --demo-logins`, served with the voice routes), one pjsua2 media
worker running the demo IVR, one baresip phone for agent a01 (auto-answer, plays a 1 kHz tone,
dumps what it hears), and sipp callers playing the RTP and RFC 2833 pcaps Debian ships. Every
process runs under `timeout` and is stopped by its PID.

Asserted: the contact timeline (answered, IVR digits, queued, offered, bridged, hung up, ended,
recording, survey, call summary), sipp's statistics, and the audio itself - the caller-side
recording holds the IVR prompt and then the agent's tone; the agent-side recording (and what the
agent's phone heard) holds the caller's audio, found by cross-correlation with the pcap.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .voice_rig import (
    AGENT_TONE_HZ,
    PCAPS,
    best_match,
    kinds,
    needs_peers,
    pcap_audio,
    per_second,
    read_wav,
    recordings,
    start_center,
    trailing_silence_s,
    wait_until,
)

pytestmark = needs_peers


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    with start_center(tmp_path_factory.mktemp("voice")) as c:
        yield c


# ------------------------------------------------------------------------------------ tests
def test_menu_queue_agent_phone_bridge_recording_and_survey(center):
    a01 = center.client("a01")
    for state in ("login", "available"):
        a01.post("/api/agents/me/state", json={"state": state}).raise_for_status()
    steps = [
        ("pause", 2000),
        ("dtmf", "0"),  # "人工服务请按0": barges into the welcome prompt
        ("pause", 1500),
        ("audio", None),  # the caller speaks (7 s of g711a) while bridged
        ("pause", 7200),
        ("audio", None),
        ("pause", 7000),
        ("dtmf", "4"),  # survey: 满意
        ("wait_bye", 30000),
    ]
    sipp, cid = center.call(steps, "agent")
    bridged = center.stream.wait(lambda f: f["kind"] == "voice.bridged" and f["contact_id"] == cid)
    assert bridged["agent_id"] == "a01"
    time.sleep(max(0.0, bridged["at"] + 6.0 - time.time()))
    center.phone.command("hangup")  # the agent hangs up: the survey follows
    assert sipp.wait(60) == 0, (center.work / "agent.sipp.log").read_text()[-2000:]
    stats = center.sipp_stats("agent")
    assert (stats["SuccessfulCall(C)"], stats["FailedCall(C)"]) == ("1", "0")
    summary = center.stream.wait(lambda f: f["kind"] == "voice.call" and f["contact_id"] == cid)
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == cid
            and f["data"]["files"][0]["leg"] == "caller"
        )
    )
    facts = center.stream.of(cid)
    order = kinds(facts)
    expected = [
        "voice.answered",
        "voice.ivr",
        "contact.created",
        "contact.queued",
        "contact.offered",
        "contact.answered",
        "voice.bridged",
        "contact.ended",
        "voice.hangup",
        "voice.survey",
        "voice.call",
    ]
    assert [k for k in order if k in expected] == expected, order
    by_kind = {f["kind"]: f for f in facts}
    assert by_kind["voice.ivr"]["data"]["digits"] == "0"
    assert by_kind["voice.ivr"]["data"]["path"] == ["welcome", "agent"]
    assert by_kind["contact.ended"]["data"]["by"] == "agent"
    assert by_kind["voice.hangup"]["data"]["by"] == "agent"
    survey = by_kind["voice.survey"]
    assert (survey["agent_id"], survey["data"]["score"]) == ("a01", 4)
    sup = center.client("supervisor")  # ... and reached the surveys store (1-5 keys -> 2-10)

    def stored():
        return [s for s in sup.get("/api/surveys").json() if s["contact_id"] == cid]

    row = wait_until(lambda: [s for s in stored() if s["answered_at"]], 10, "survey stored")[0]
    assert (row["agent_id"], row["queue"], row["score"], row["rating"]) == (
        "a01",
        "general",
        8,
        "satisfied",
    )
    assert summary["data"]["outcome"] == "completed" and not summary["data"]["contained"]
    assert 0 < summary["data"]["answer_to_agent_s"] < 10
    files = {
        f["data"]["files"][0]["leg"]: f["data"]["files"][0]
        for f in facts
        if f["kind"] == "voice.recording"
    }
    assert set(files) == {"caller", "agent"}
    assert files["agent"]["duration_s"] > 4 and files["caller"]["duration_s"] > 10

    # The caller heard the IVR prompt first, then the agent's tone.
    caller = per_second(Path(files["caller"]["path"]))
    tone = [i for i, (rms, hz) in enumerate(caller) if rms > 1000 and abs(hz - AGENT_TONE_HZ) < 20]
    speech = [i for i, (rms, hz) in enumerate(caller) if rms > 300 and abs(hz - AGENT_TONE_HZ) > 50]
    assert len(tone) >= 4, caller
    assert speech and speech[0] < tone[0], caller  # the prompt came before the agent
    assert any(i > tone[-1] for i in speech), caller  # then the survey prompt

    # The agent heard the caller: the pcap's speech is in the agent-side recording and in
    # what baresip itself received.
    reference = pcap_audio(PCAPS / "g711a.pcap")[16000:24000]  # a loud second of it
    _, agent_rec = read_wav(Path(files["agent"]["path"]))
    match = best_match(agent_rec, reference)
    heard = center.phone.dumps("dec")
    assert heard, "baresip dumped nothing"
    phone_match = best_match(read_wav(heard[-1])[1], reference)
    print(f"caller audio found in the agent recording {match:.3f}, at the phone {phone_match:.3f}")
    # Alone both are 1.000. Under a loaded CI run both fell to 0.385 together: sipp, the sender,
    # was starved (what the phone received and what was recorded degrade alike). Other speech
    # (the IVR prompt, the rest of the same pcap) scores 0.16-0.17, a tone 0.002: above 0.3 the
    # agent heard this caller.
    assert match > 0.3 and phone_match > 0.3, (match, phone_match)


def test_self_service_answer_is_contained_and_never_queued(center):
    sipp, cid = center.call(
        [("pause", 2000), ("dtmf", "1"), ("pause", 4000)], "contained"
    )  # 航班动态: a fixed answer
    assert sipp.wait(60) == 0
    summary = center.stream.wait(lambda f: f["kind"] == "voice.call" and f["contact_id"] == cid)
    assert summary["data"]["contained"] is True
    assert summary["data"]["outcome"] == "contained"
    ivr = next(f for f in center.stream.of(cid) if f["kind"] == "voice.ivr")
    assert ivr["data"]["path"] == ["welcome", "flight"] and ivr["data"]["digits"] == "1"
    assert not [k for k in kinds(center.stream.of(cid)) if k.startswith("contact.")]


def test_caller_hanging_up_in_queue_is_abandoned_and_gets_a_callback(center):
    # a01 is busy on another contact, so the caller waits (with nobody able to serve, the demo
    # queue's EWT overflow rule would end the contact at once with a callback instead).
    a01 = center.client("a01")
    a01.post("/api/agents/me/wrap-up-done")
    a01.post("/api/agents/me/state", json={"state": "available"})
    busy = center.client("channel").post("/api/contacts", json={"queue": "general"}).json()["id"]
    a01.post(f"/api/contacts/{busy}/accept").raise_for_status()
    sipp, cid = center.call([("pause", 2000), ("dtmf", "0"), ("pause", 4000)], "abandon")
    assert sipp.wait(60) == 0
    ended = center.stream.wait(lambda f: f["kind"] == "contact.ended" and f["contact_id"] == cid)
    assert ended["data"]["outcome"] == "abandoned"
    created = center.stream.wait(
        lambda f: f["kind"] == "contact.callback_created" and f["contact_id"] == cid
    )
    callback_id = created["data"]["callback_id"]
    sup = center.client("supervisor")
    task = sup.get(f"/api/contacts/{callback_id}").json()
    assert task["channel"] == "callback" and task["origin_id"] == cid
    assert task["customer"].startswith("138")  # the caller's number, masked
    summary = center.stream.wait(lambda f: f["kind"] == "voice.call" and f["contact_id"] == cid)
    assert summary["data"]["outcome"] == "abandoned"


def test_press_9_in_the_menu_for_a_callback_instead_of_waiting(center):
    sipp, cid = center.call([("pause", 2000), ("dtmf", "9"), ("wait_bye", 30000)], "menu9")
    assert sipp.wait(60) == 0  # the gateway confirmed and hung up
    created = center.stream.wait(
        lambda f: f["kind"] == "contact.callback_created" and f["contact_id"] == cid
    )
    assert created["data"]["callback_id"] == f"{cid}-cb"
    summary = center.stream.wait(lambda f: f["kind"] == "voice.call" and f["contact_id"] == cid)
    assert summary["data"]["outcome"] == "callback"
    assert "voice.callback_requested" in kinds(center.stream.of(cid))


def _free(center, agent: str, logout: bool = False):
    """Finish whatever `agent` holds (not ready first, so nothing new is offered meanwhile);
    log them out (nobody can serve) or leave them not ready."""
    c = center.client(agent)

    answers: list = []  # kept for a debugger: what the core said

    def settled() -> bool:
        me = c.get("/api/agents/me").json()
        if me["offer"]:
            answers.append(c.post(f"/api/contacts/{me['offer']['id']}/decline").text)
        for contact in me.get("active") or []:
            answers.append(c.post(f"/api/contacts/{contact['id']}/complete", json={}).text)
        c.post("/api/agents/me/wrap-up-done")
        c.post("/api/agents/me/state", json={"state": "not_ready", "reason": "test"})
        me = c.get("/api/agents/me").json()
        return me["state"] in ("not_ready", "offline") and not me["active"] and not me["offer"]

    wait_until(settled, 20, f"{agent} free")
    if logout:
        c.post("/api/agents/me/state", json={"state": "offline"}).raise_for_status()
        assert c.get("/api/agents/me").json()["state"] == "offline"
    return c


def _keep_busy(center, agent: str) -> None:
    """Make `agent` busy on some contact (whatever the core offers first, e.g. a callback)."""
    c = _free(center, agent)
    for state in ("login", "available"):
        c.post("/api/agents/me/state", json={"state": state})
    channel = center.client("channel")
    made = channel.post("/api/contacts", json={"queue": "general"}).json()["id"]
    offer = wait_until(lambda: c.get("/api/agents/me").json()["offer"], 20, f"an offer to {agent}")
    c.post(f"/api/contacts/{offer['id']}/accept").raise_for_status()
    if offer["id"] != made:  # leave no phantom voice contact (no caller behind it) waiting
        channel.post(f"/api/contacts/{made}/leave").raise_for_status()


def _dead_air(center, cid: str) -> float:
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == cid
            and f["data"]["files"][0]["leg"] == "caller"
        )
    )
    path = Path(recordings(center.stream.of(cid))["caller"]["path"])
    return trailing_silence_s(path)


def test_goodbye_when_nobody_can_serve_hangs_up_at_the_end_of_the_prompt(center):
    _free(center, "a01", logout=True)  # nobody logged in: the core ends the wait at once
    sipp, cid = center.call([("pause", 2000), ("dtmf", "0"), ("wait_bye", 40000)], "nobody")
    assert sipp.wait(60) == 0, center.sipp_log("nobody")  # our BYE came
    summary = center.stream.fact("voice.call", cid)
    assert summary["data"]["outcome"] == "no_agent"
    ended = center.stream.fact("contact.ended", cid)
    assert ended["data"]["outcome"] == "no_agent"
    silence = _dead_air(center, cid)
    print(f"dead air after 当前坐席繁忙…再见: {silence:.2f} s")
    assert silence < 1.0


def test_pressing_9_while_waiting_says_goodbye_and_hangs_up(center):
    _keep_busy(center, "a01")  # the only agent is busy: the caller waits
    # 4 = special assistance: no EWT overflow rule there, so the backlog of callback tasks the
    # earlier tests left in `general` cannot end this wait at once.
    steps = [("pause", 2000), ("dtmf", "4"), ("pause", 5000), ("dtmf", "9"), ("wait_bye", 40000)]
    sipp, cid = center.call(steps, "wait9")
    assert sipp.wait(60) == 0, [(f["kind"], f["data"]) for f in center.stream.of(cid)]
    assert "voice.callback_requested" in kinds(center.stream.of(cid))
    summary = center.stream.fact("voice.call", cid)
    assert summary["data"]["outcome"] == "callback"
    silence = _dead_air(center, cid)
    print(f"dead air after 好的，我们会尽快给您回电…再见: {silence:.2f} s")
    assert silence < 1.0


def test_a_phone_only_agent_is_never_offered_the_callbacks_left_by_an_overload(center):
    """An overload (nobody logged in) turns a caller into a callback task; a phone-only agent
    who then logs in must not be offered it (nothing could ring it) nor knocked out of ready."""
    sup = center.client("supervisor")
    _free(center, "a01", logout=True)
    sipp, cid = center.call([("pause", 2000), ("dtmf", "0"), ("wait_bye", 40000)], "overload")
    assert sipp.wait(60) == 0, center.sipp_log("overload")
    created = center.stream.fact("contact.callback_created", cid)
    callback = created["data"]["callback_id"]

    wait_until(lambda: sup.get(f"/api/contacts/{callback}").json()["status"] == "queued", 20)
    a01 = center.client("a01")
    login = {"state": "login", "channels": ["voice"]}  # a desk phone, no desktop
    for body in (login, {"state": "available"}):
        a01.post("/api/agents/me/state", json=body).raise_for_status()
    end = time.time() + 17  # longer than general's 15 s offer timeout
    while time.time() < end:
        me = a01.get("/api/agents/me").json()
        assert me["state"] == "available" and me["offer"] is None, me
        time.sleep(0.5)
    task = sup.get(f"/api/contacts/{callback}").json()
    assert (task["channel"], task["status"], task["agent_id"]) == ("callback", "queued", None)
    # The phone still takes calls.
    sipp, cid = center.call([("pause", 2000), ("dtmf", "0"), ("pause", 6000)], "phone-only")
    bridged = center.stream.fact("voice.bridged", cid, timeout_s=30)
    assert bridged["agent_id"] == "a01"
    assert sipp.wait(60) == 0, center.sipp_log("phone-only")


def test_hotline_report_prints_ivr_containment_and_survey_figures(center):
    """Runs last: the calls above include a contained one and an answered survey."""
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{center.work / 'hotline.db'}"}
    run = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "report"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "containment rate" in out and "response rate" in out, out[-3000:]
    lines = out.splitlines()
    title = next(i for i, line in enumerate(lines) if "语音自助与满意度" in line)
    row = next(line for line in lines[title:] if line.startswith("│"))
    cells = [c.strip() for c in row.split("│") if c.strip()]
    calls, contained, replies = int(cells[0]), int(cells[1]), int(cells[5])
    assert calls >= 5 and contained >= 1 and replies >= 1, row
