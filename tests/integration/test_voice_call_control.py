"""Call control with real SIP peers: consult then return / transfer, consult then conference,
blind transfer to an outside number, supervisor listen / whisper / barge.

Every party sends its own tone, so who hears whom is a spectrum check of what each one heard:
the caller (a sipp scenario playing a 2200 Hz A-law pcap; what it hears is the gateway's
caller-side recording), agent a01 (baresip, 1000 Hz), specialist a02 (baresip, 1400 Hz) and
the supervisor's phone (baresip, 1800 Hz); the phones' `-dec.wav` dumps are what they heard.
Windows are placed from the facts' times and each WAV's own start (its mtime less its length),
with a margin at both ends.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from hotline.channels.sip.peers import free_port, free_port_block, tone_pcap

from .voice_rig import (
    kinds,
    needs_peers,
    read_wav,
    recordings,
    send_invite,
    start_center,
    wait_until,
)

pytestmark = needs_peers
CALLER, A01, A02, SUP = 2200, 1000, 1400, 1800
TONES = {"a01": A01, "a02": A02}


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    work = tmp_path_factory.mktemp("callctl")
    field_port = free_port()
    control = {"transfer_trunks": {"400": f"sip:{{number}}@127.0.0.1:{field_port}"}}
    with start_center(
        work,
        agents=("a01", "a02", "a03"),
        tones=TONES,
        supervisor_phone=SUP,
        gateway={"control": control},
    ) as c:
        c.field_port = field_port
        c.tone = tone_pcap(work / "caller-tone.pcap", CALLER, seconds=70)
        yield c


# ------------------------------------------------------------------------------- audio
def wav_start(path: Path) -> float:
    """When a WAV's first sample was heard: its last write less its length (wall clock)."""
    rate, a = read_wav(path)
    return os.path.getmtime(path) - len(a) / rate


def share(path: Path, hz: int, t0: float, t1: float, margin: float = 0.6) -> float:
    """The part of the signal's energy within 25 Hz of `hz` between wall-clock t0 and t1."""
    rate, a = read_wav(path)
    start = wav_start(path)
    lo, hi = int((t0 + margin - start) * rate), int((t1 - margin - start) * rate)
    seg = a[max(0, lo) : max(0, hi)]
    assert len(seg) >= rate, f"{path.name}: window {t0:.1f}-{t1:.1f} holds {len(seg)} samples"
    spec = np.abs(np.fft.rfft(seg - seg.mean())) ** 2
    f = np.fft.rfftfreq(len(seg), 1 / rate)
    return float(spec[np.abs(f - hz) <= 25].sum() / max(spec.sum(), 1e-9))


def heard(path: Path, t0: float, t1: float, *present: int, absent: tuple[int, ...] = ()) -> None:
    """A tone heard alone takes ~all the energy, two together ~half each; the hold music's
    harmonics put up to ~0.08 near some of the tones, so "absent" is under 0.1."""
    got = {hz: round(share(path, hz, t0, t1), 3) for hz in (CALLER, A01, A02, SUP)}
    for hz in present:
        assert got[hz] > 0.2, f"{path.name} {t1 - t0:.1f}s window should hold {hz} Hz: {got}"
    for hz in absent:
        assert got[hz] < 0.1, f"{path.name} {t1 - t0:.1f}s window should lack {hz} Hz: {got}"


def newest_dump(center, phone: str, after: float) -> Path:
    dumps = [p for p in center.phones[phone].dumps() if os.path.getmtime(p) >= after]
    assert dumps, f"{phone} recorded nothing"
    return dumps[-1]


# ------------------------------------------------------------------------------- helpers
def caller(center, name: str, talk_ms: int):
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("pcap", center.tone)]
    steps.append(("pause", talk_ms))
    return center.call(steps, name)


def bridged(center, cid: str) -> float:
    f = center.stream.wait(lambda f: f["kind"] == "voice.bridged" and f["contact_id"] == cid)
    return f["at"]


def fact(center, kind: str, cid: str, n: int = 1, **data) -> dict:
    def match(f):
        return (
            f["kind"] == kind
            and f["contact_id"] == cid
            and all(f["data"].get(k) == v for k, v in data.items())
        )

    wait_until(lambda: len([f for f in center.stream.facts if match(f)]) >= n, 20, kind)
    return [f for f in center.stream.facts if match(f)][n - 1]


def not_ready(center, agent: str):
    c = center.client(agent)
    c.post("/api/agents/me/wrap-up-done")
    for state in ("login", "not_ready"):
        c.post("/api/agents/me/state", json={"state": state})
    return c


def ok(r) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def caller_wav(center, cid: str) -> Path:
    center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == cid
            and f["data"]["files"][0]["leg"] == "caller"
        ),
        30,
    )
    return Path(recordings(center.stream.of(cid))["caller"]["path"])


# ------------------------------------------------------------------------------- tests
def test_consult_then_return_then_consult_again_and_complete_the_transfer(center):
    a01, a02 = center.ready("a01"), not_ready(center, "a02")
    t_call = time.time()
    sipp, cid = caller(center, "consult_transfer", 34000)
    t_b = bridged(center, cid)
    time.sleep(max(0.0, t_b + 3 - time.time()))
    ok(a02.post("/api/agents/me/state", json={"state": "available"}))
    r = ok(a01.post(f"/api/contacts/{cid}/consult", json={"agent_id": "a02"}))
    assert r["consult"]["agent"] == "a02" and center.agent_state("a02") in ("reserved", "busy")
    t1 = fact(center, "contact.consult_answered", cid)["at"]
    assert center.agent_state("a02") == "busy"
    time.sleep(4)
    t2 = time.time()
    ok(a01.post(f"/api/contacts/{cid}/consult/return"))
    fact(center, "contact.consult_ended", cid, how="return")
    wait_until(lambda: center.agent_state("a02") == "available", 10, "a02 freed by the return")
    time.sleep(3)
    t3 = time.time()
    ok(a01.post(f"/api/contacts/{cid}/consult", json={"agent_id": "a02"}))
    t4 = fact(center, "contact.consult_answered", cid, n=2)["at"]
    time.sleep(4)
    t5 = time.time()
    ok(a01.post(f"/api/contacts/{cid}/consult/transfer"))
    moved = fact(center, "contact.transferred", cid)
    assert (moved["agent_id"], moved["data"]["to_agent"], moved["data"]["consult"]) == (
        "a01",
        "a02",
        True,
    )
    wait_until(lambda: center.agent_state("a01") in ("wrap_up", "available"), 10, "a01 freed")
    assert center.agent_state("a02") == "busy"
    assert ok(center.client("supervisor").get(f"/api/contacts/{cid}"))["agent_id"] == "a02"
    assert sipp.wait(60) == 0, center.sipp_log("consult_transfer")
    t6 = time.time() - 1.0
    ended = fact(center, "contact.ended", cid)
    assert ended["data"]["outcome"] == "completed"
    wait_until(lambda: center.agent_state("a02") in ("wrap_up", "available"), 10, "a02 freed")
    order = [
        k
        for k in kinds(center.stream.of(cid))
        if k.startswith("contact.consult") or k in ("contact.transferred", "contact.ended")
    ]
    assert order == [
        "contact.consult_started",
        "contact.consult_answered",
        "contact.consult_ended",
        "contact.consult_started",
        "contact.consult_answered",
        "contact.consult_ended",
        "contact.transferred",
        "contact.ended",
    ]
    done = fact(center, "contact.consult_ended", cid, how="transfer")
    assert 3.5 < done["data"]["consult_s"] < 10
    # who heard whom: the caller heard music while a01 consulted, a01 between, a02 at the end
    rec = caller_wav(center, cid)
    heard(rec, t1, t2, absent=(A01, A02))
    heard(rec, t2 + 0.5, t3, A01, absent=(A02,))
    heard(rec, t4, t5, absent=(A01, A02))
    heard(rec, t5 + 0.5, t6, A02, absent=(A01,))
    a01_heard = newest_dump(center, "a01", t_call)
    heard(a01_heard, t1, t2, A02, absent=(CALLER,))
    heard(a01_heard, t2 + 0.5, t3, CALLER, absent=(A02,))
    a02_heard = newest_dump(center, "a02", t4)
    heard(a02_heard, t4, t5, A01, absent=(CALLER,))
    heard(a02_heard, t5 + 0.5, t6, CALLER, absent=(A01,))


def test_consult_a_queue_then_merge_into_a_three_way_conference(center):
    a01, a02 = center.ready("a01"), not_ready(center, "a02")
    sipp, cid = caller(center, "conference", 22000)
    t_b = bridged(center, cid)
    time.sleep(max(0.0, t_b + 2 - time.time()))
    ok(a02.post("/api/agents/me/state", json={"state": "available"}))
    r = ok(a01.post(f"/api/contacts/{cid}/consult", json={"queue": "general"}))
    assert r["consult"]["agent"] == "a02"  # the free agent of the queue
    t1 = fact(center, "contact.consult_answered", cid)["at"]
    time.sleep(3)
    t2 = time.time()
    ok(a01.post(f"/api/contacts/{cid}/consult/conference"))
    conf = fact(center, "contact.conference", cid)
    assert sorted(conf["data"]["parties"]) == ["a01", "a02"]
    time.sleep(6)
    t3 = time.time()
    assert center.agent_state("a01") == "busy" and center.agent_state("a02") == "busy"
    assert sipp.wait(60) == 0, center.sipp_log("conference")
    fact(center, "contact.consult_ended", cid, how="customer_left")
    wait_until(lambda: center.agent_state("a02") == "available", 10, "a02 freed")
    wait_until(lambda: center.agent_state("a01") in ("wrap_up", "available"), 10, "a01 freed")
    rec = caller_wav(center, cid)
    heard(rec, t1, t2, absent=(A01, A02))  # on hold while the agents talk
    heard(rec, t2 + 0.5, t3, A01, A02)  # the caller hears both agents
    heard(newest_dump(center, "a01", t_b), t2 + 0.5, t3, CALLER, A02)
    heard(newest_dump(center, "a02", t1), t2 + 0.5, t3, CALLER, A01)
    heard(newest_dump(center, "a02", t1), t1, t2, A01, absent=(CALLER,))


def test_blind_transfer_to_a_field_team_number_bridges_the_caller_and_frees_the_agent(center):
    a01 = center.ready("a01")
    not_ready(center, "a02")
    work = center.work
    media = free_port_block(4, start=20000, end=29000)  # clear of the callers' blocks
    argv = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin"]
    argv += ["-p", str(center.field_port), "-mp", str(media), "-rtp_echo"]
    uas = subprocess.Popen(
        ["timeout", "-k", "5", "90", *argv, "-trace_stat", "-stf", str(work / "field.csv")],
        cwd=work,
        stdout=(work / "field.log").open("wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        sipp, cid = caller(center, "transfer_out", 16000)
        t_b = bridged(center, cid)
        time.sleep(max(0.0, t_b + 2 - time.time()))
        r = a01.post(f"/api/contacts/{cid}/transfer-out", json={"number": "12;x"})
        assert r.status_code == 422
        ok(a01.post(f"/api/contacts/{cid}/transfer-out", json={"number": "4008001234"}))
        ended = fact(center, "contact.ended", cid)
        assert ended["data"]["outcome"] == "transferred_out"
        assert ended["data"]["to_number"] == "4008001234"
        assert center.agent_state("a01") in ("wrap_up", "available")
        t1 = fact(center, "voice.transfer_out", cid, result="bridged")["at"]
        time.sleep(5)
        t2 = time.time()
        assert sipp.wait(60) == 0, center.sipp_log("transfer_out")
        assert uas.wait(30) == 0, (work / "field.log").read_text()[-2000:]
        summary = fact(center, "voice.call", cid)
        assert summary["data"]["outcome"] == "transferred_out"
        # the field team's phone echoes what it hears: the caller hears themself, not a01
        heard(caller_wav(center, cid), t1, t2, CALLER, absent=(A01,))
    finally:
        if uas.poll() is None:
            os.killpg(uas.pid, 15)
            uas.wait(10)


def test_supervisor_listens_whispers_and_barges_role_checked_and_audited(center):
    a01 = center.ready("a01")
    not_ready(center, "a02")
    sup = center.client("supervisor")
    sipp, cid = caller(center, "monitor", 26000)
    t_b = bridged(center, cid)
    time.sleep(max(0.0, t_b + 2 - time.time()))
    assert a01.post(f"/api/voice/{cid}/monitor", json={"mode": "listen"}).status_code == 403
    assert sup.post(f"/api/voice/{cid}/monitor", json={"mode": "spy"}).status_code == 422
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "listen"}))
    t1 = fact(center, "voice.monitor", cid, state="started")["at"]
    assert center.agent_state("a01") == "busy"
    time.sleep(4)
    t2 = time.time()
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "whisper"}))
    fact(center, "voice.monitor", cid, state="changed", mode="whisper")
    time.sleep(4)
    t3 = time.time()
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "barge"}))
    fact(center, "voice.monitor", cid, state="changed", mode="barge")
    time.sleep(4)
    t4 = time.time()
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "stop"}))
    fact(center, "voice.monitor", cid, state="ended")
    assert sipp.wait(60) == 0, center.sipp_log("monitor")
    rec = caller_wav(center, cid)
    heard(rec, t1, t2, A01, absent=(SUP,))  # listen: the caller does not hear the supervisor
    heard(rec, t2 + 0.3, t3, A01, absent=(SUP,))  # whisper: still not
    heard(rec, t3 + 0.3, t4, A01, SUP)  # barge: now they do
    agent_heard = newest_dump(center, "a01", t_b)
    heard(agent_heard, t1, t2, CALLER, absent=(SUP,))
    heard(agent_heard, t2 + 0.3, t3, CALLER, SUP)  # whisper: the agent hears the supervisor
    sup_heard = newest_dump(center, "supervisor", t1)
    heard(sup_heard, t1, t2, CALLER, A01)  # the supervisor hears both sides
    db = sqlite3.connect(center.work / "hotline.db")
    rows = db.execute(
        "SELECT user, action FROM audit_log WHERE target = ? ORDER BY id", (cid,)
    ).fetchall()
    assert rows == [
        ("supervisor", "monitor_listen"),
        ("supervisor", "monitor_whisper"),
        ("supervisor", "monitor_barge"),
        ("supervisor", "monitor_stop"),
    ]


def test_a_worker_whose_legs_are_all_bridged_fails_the_consult_and_frees_the_specialist(center):
    """The wheel's 4 legs hold 2 bridged callers: no third leg for a consult (the default
    `control.reserve_legs: 0` keeps the node's capacity); the core hears why and frees a03."""
    a01, a02 = center.ready("a01"), not_ready(center, "a02")
    not_ready(center, "a03")
    s1, c1 = caller(center, "full1", 14000)
    bridged(center, c1)
    ok(a02.post("/api/agents/me/state", json={"state": "available"}))
    s2, c2 = caller(center, "full2", 14000)
    bridged(center, c2)
    assert send_invite(center.sip_port).startswith("SIP/2.0 486")  # and no third caller
    center.ready("a03")
    ok(a01.post(f"/api/contacts/{c1}/consult", json={"agent_id": "a03"}))
    ended = fact(center, "contact.consult_ended", c1)
    assert (ended["data"]["how"], ended["data"]["reason"]) == ("failed", "no_slot")
    assert fact(center, "voice.consult", c1)["data"]["state"] == "failed"
    assert center.agent_state("a03") == "available"
    assert ok(a01.get(f"/api/contacts/{c1}"))["status"] == "active"
    assert s1.wait(60) == 0 and s2.wait(60) == 0
    not_ready(center, "a03")
