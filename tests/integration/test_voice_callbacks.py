"""Callback tasks dialled out by the gateway, with real phones on 127.0.0.1.

A demo center, a01's baresip phone (auto-answer, 1 kHz tone) and two customer phones behind
two "trunks" (the gateway's prefix map): 13800000021 answers and plays a 600 Hz tone,
13800000022 rings and never answers. A sipp caller from the customer's number presses 9 in the
menu, so the core makes a callback task; a01 is made ready and is offered it. Checked: the
agent's phone rings and answers before the customer is dialled (the facts' order and the
customer phone's own log), the center's caller id reaches the customer, each side hears the
other's tone (what each phone received, and both recordings), and the core's retry policy
(2 tries, 4 s apart in the test policy) with no_answer results ending callback_failed, while
only the reached customer counts as a completed callback.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from hotline.channels.sip.peers import Baresip, free_port_block, tone_wav

from .voice_rig import (
    AGENT_TONE_HZ,
    kinds,
    needs_peers,
    per_second,
    recordings,
    start_center,
    wait_until,
)

pytestmark = needs_peers
CUSTOMER_TONE_HZ = 600
ANSWERS, NEVER = "13800000021", "13800000022"


@contextlib.contextmanager
def _center(work: Path, workers: int = 1):
    tone = tone_wav(work / "customer-tone.wav", CUSTOMER_TONE_HZ)
    answers = Baresip(work / "answers", ANSWERS, tone, free_port_block(20)).start()
    never = Baresip(work / "never", NEVER, tone, free_port_block(20), answermode="manual").start()
    trunks = {
        "": answers.uri.replace(ANSWERS, "{number}"),
        NEVER: never.uri.replace(NEVER, "{number}"),
    }
    callbacks = {
        "enabled": True,
        "trunks": trunks,
        "caller_id": "966666",
        "no_answer_s": 4,
        "short_answer_s": 2,
    }
    try:
        with start_center(work, workers=workers, gateway={"callbacks": callbacks}) as c:
            admin = c.client("admin")
            cfg = admin.get("/api/admin/config").json()["config"]
            cfg["center"].update(callback_max_attempts=2, callback_retry_gaps_s=[4])
            admin.put("/api/admin/config", json=cfg).raise_for_status()
            c.customers = {ANSWERS: answers, NEVER: never}
            a01 = c.client("a01")
            for state in ("login", "available"):
                a01.post("/api/agents/me/state", json={"state": state}).raise_for_status()
            a01.post("/api/agents/me/state", json={"state": "not_ready", "reason": "test"})
            yield c
    finally:
        answers.stop()
        never.stop()


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    with _center(tmp_path_factory.mktemp("voice-callbacks")) as c:
        yield c


def _callback_task(center, number: str, name: str) -> str:
    """A caller from `number` presses 9 in the menu; a01 (not ready meanwhile) gets ready."""
    sipp, cid = center.call(
        [("pause", 2000), ("dtmf", "9"), ("wait_bye", 30000)], name, user=number
    )
    assert sipp.wait(60) == 0, center.sipp_log(name)
    created = center.stream.fact("contact.callback_created", cid)
    a01 = center.client("a01")
    a01.post("/api/agents/me/wrap-up-done")
    a01.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    return created["data"]["callback_id"]


def idle(phone: Baresip) -> bool:
    """No call up on this phone: its dumps are closed (the WAV header is written at the end)."""
    data = phone.command("listcalls").get("data") or ""
    return "Active calls (0)" in data


def _tone_seconds(path: Path, hz: int) -> int:
    return sum(1 for rms, f in per_second(path) if rms > 300 and abs(f - hz) < 20)


def test_callback_rings_the_agent_first_then_dials_and_bridges_the_customer(center):
    customer = center.customers[ANSWERS]
    task = _callback_task(center, ANSWERS, "cb-answers")
    offered = center.stream.fact("contact.offered", task, timeout_s=30)
    assert offered["agent_id"] == "a01" and offered["channel"] == "callback"
    bridged = center.stream.wait(
        lambda f: f["kind"] == "voice.bridged" and f["contact_id"] == task, timeout_s=40
    )
    assert bridged["data"]["leg"] == "customer" and ANSWERS in bridged["data"]["uri"]
    time.sleep(max(0.0, bridged["at"] + 6.0 - time.time()))  # both talk for 6 s
    customer.command("hangup")
    ended = center.stream.fact("contact.ended", task, timeout_s=30)
    assert ended["data"]["outcome"] == "completed"

    facts = center.stream.of(task)
    order = [k for k in kinds(facts) if k.startswith(("contact.", "voice."))]
    expected = [
        "contact.offered",
        "contact.answered",  # a01's phone picked up (the accept) ...
        "voice.dialing",  # ... and only now is the customer dialled
        "voice.bridged",
        "contact.callback_attempt",
        "contact.ended",
        "voice.hangup",  # stored in the same commit as the completion
    ]
    assert [k for k in order if k in expected] == expected, order
    attempt = next(f for f in facts if f["kind"] == "contact.callback_attempt")
    assert attempt["data"] == {"reached": True, "attempt": 1, "result": "reached"}
    hangup = next(f for f in facts if f["kind"] == "voice.hangup")
    assert hangup["data"]["by"] == "customer"
    # the customer's phone was called from the center's number (outbound caller id)
    log = (customer.dir / "baresip.log").read_text(errors="replace")
    assert "from sip:966666@127.0.0.1" in log, log[-2000:]

    # audio both ways: each phone heard the other's tone, and both recordings hold it
    wait_until(lambda: idle(customer) and idle(center.phone), 20, "both phones hung up")
    heard_by_customer = customer.dumps("dec")[-1]
    heard_by_agent = center.phone.dumps("dec")[-1]
    assert _tone_seconds(heard_by_customer, AGENT_TONE_HZ) >= 4
    assert _tone_seconds(heard_by_agent, CUSTOMER_TONE_HZ) >= 4
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == task
            and f["data"]["files"][0]["leg"] == "agent"
        ),
        timeout_s=30,
    )
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == task
            and f["data"]["files"][0]["leg"] == "caller"
        ),
        timeout_s=30,
    )
    files = recordings(center.stream.of(task))
    assert _tone_seconds(Path(files["caller"]["path"]), AGENT_TONE_HZ) >= 4  # customer heard
    assert _tone_seconds(Path(files["agent"]["path"]), CUSTOMER_TONE_HZ) >= 4  # agent heard

    sup = center.client("supervisor")
    k = sup.get("/api/kpis", params={"channel": "callback"}).json()
    assert (k["callbacks_created"], k["callbacks_completed"]) == (1, 1), k
    wait_until(lambda: center.agent_state("a01") in ("wrap_up", "available"), 30, "a01 free")


def test_a_customer_who_does_not_answer_is_tried_again_by_the_policy_then_failed(center):
    never = center.customers[NEVER]
    task = _callback_task(center, NEVER, "cb-never")
    first = center.stream.wait(
        lambda f: f["kind"] == "contact.callback_attempt" and f["contact_id"] == task,
        timeout_s=60,
    )
    assert first["data"] == {"reached": False, "attempt": 1, "result": "no_answer"}
    scheduled = [
        f for f in center.stream.of(task) if f["kind"] == "contact.scheduled" and f["at"] > 0
    ]
    retry = scheduled[-1]
    assert retry["data"]["due_at"] == pytest.approx(first["at"] + 4, abs=0.01)  # the policy gap
    ended = center.stream.fact("contact.ended", task, timeout_s=90)
    assert ended["data"]["outcome"] == "callback_failed"

    facts = center.stream.of(task)
    attempts = [f for f in facts if f["kind"] == "contact.callback_attempt"]
    assert [(a["data"]["attempt"], a["data"]["result"]) for a in attempts] == [
        (1, "no_answer"),
        (2, "no_answer"),
    ]
    offers = [f for f in facts if f["kind"] == "contact.offered"]
    assert len(offers) == 2 and offers[1]["at"] >= retry["data"]["due_at"]
    results = [f for f in facts if f["kind"] == "voice.callback_result"]
    assert [r["data"]["result"] for r in results] == ["no_answer", "no_answer"]
    # the customer's phone rang twice, ~4 s each (no_answer_s), and was never answered
    log = (never.dir / "baresip.log").read_text(errors="replace")
    assert log.lower().count("incoming call") >= 2, log[-2000:]
    dialing = [f for f in facts if f["kind"] == "voice.dialing"]
    for d, r in zip(dialing, results, strict=True):
        assert 3.5 <= r["at"] - d["at"] <= 12, (d, r)

    sup = center.client("supervisor")
    k = sup.get("/api/kpis", params={"channel": "callback"}).json()
    assert (k["callbacks_created"], k["callbacks_completed"]) == (2, 1), k  # not reached
    # nobody is left reserved or busy by the failed dial-outs
    wait_until(lambda: center.agent_state("a01") in ("wrap_up", "available"), 30, "a01 free")
    assert center.phone_calls("a01") == 0
