"""Desk phones that register with the gateway's Kamailio registrar (digest auth), real peers.

The rig gives agents a01 and a02 a SIP password through the admin API and starts one baresip
desk phone each that registers with it; the gateway has no static URI for them, so an offer
rings whatever phone Kamailio's location table holds for the agent. Asserted: a call through
the IVR and the queue is bridged to the registered phone (the caller hears its tone), a phone
with a wrong password is refused, and a disabled login's phone is unregistered and refused.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hotline.channels.sip.peers import Baresip, free_port_block
from hotline.channels.sip.registrar import registered

from .voice_rig import (
    AGENT_TONE_HZ,
    PHONE_PASSWORD,
    needs_peers,
    per_second,
    recordings,
    start_center,
    wait_until,
)

pytestmark = needs_peers


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    work = tmp_path_factory.mktemp("desk")
    with start_center(work, agents=("a01", "a02"), registrar=True) as c:
        c.fifo = work / "registrar" / "rpc.fifo"
        yield c


def _phone(center, name: str, agent: str, password: str) -> Baresip:
    """Another baresip desk phone registering as `agent` with `password`."""
    registrar = f"127.0.0.1:{center.registrar_port}"
    tone = center.work / "tone.wav"
    return Baresip(center.work / name, agent, tone, free_port_block(20), registrar, password)


def test_a_registered_desk_phone_answers_a_call_from_the_queue(center):
    contacts = registered(center.fifo)
    assert set(contacts) == {"a01", "a02"}
    a01 = center.ready("a01")
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("audio", None), ("pause", 8000)]
    sipp, cid = center.call(steps, "desk")
    bridged = center.stream.fact("voice.bridged", cid)
    assert bridged["agent_id"] == "a01"
    assert bridged["data"]["uri"].startswith("sip:a01@127.0.0.1:")  # rung through the registrar
    assert center.phone_calls("a01") == 1
    time.sleep(max(0.0, bridged["at"] + 5.0 - time.time()))
    center.phone.command("hangup")
    assert sipp.wait(60) == 0, center.sipp_log("desk")
    center.stream.fact("voice.call", cid)
    files = wait_until(
        lambda: "caller" in (got := recordings(center.stream.of(cid))) and got, 20, "recording"
    )
    caller = per_second(Path(files["caller"]["path"]))
    tone = [i for i, (rms, hz) in enumerate(caller) if rms > 1000 and abs(hz - AGENT_TONE_HZ) < 20]
    assert len(tone) >= 3, caller  # the caller heard the desk phone
    a01.post("/api/agents/me/wrap-up-done")


def test_a_wrong_password_is_refused(center):
    rogue = _phone(center, "rogue-a02", "a02", "Not-The-Password-55")
    rogue.start()
    try:
        time.sleep(2)
        assert not rogue.registered()
        log = (center.work / "registrar.log").read_text(errors="replace")
        assert "REGISTER for a02" in log and "refused" in log
        contacts = registered(center.fifo)["a02"]
        assert contacts and all(f":{rogue.sip_port}" not in c for c in contacts)
    finally:
        rogue.stop()


def test_a_disabled_login_loses_its_registration_and_cannot_register_again(center):
    admin = center.client("admin")
    user = next(u for u in admin.get("/api/admin/users").json() if u["username"] == "a02")
    admin.patch(f"/api/admin/users/{user['id']}", json={"active": False}).raise_for_status()
    try:
        wait_until(lambda: "a02" not in registered(center.fifo), 10, "a02 unregistered")
        again = _phone(center, "again-a02", "a02", PHONE_PASSWORD)
        again.start()
        try:
            time.sleep(2)
            assert not again.registered()
            assert "a02" not in registered(center.fifo)
        finally:
            again.stop()
    finally:
        admin.patch(f"/api/admin/users/{user['id']}", json={"active": True}).raise_for_status()


def test_a_phone_that_drops_takes_the_agent_out_of_voice_but_not_chat(center):
    a01 = center.ready("a01")
    wait_until(lambda: a01.get("/api/agents/me").json()["phone_registered"], 10, "phone seen")
    account = (center.phone.dir / "accounts").read_text().strip()
    aor = account.split(">", 1)[0].lstrip("<")
    center.phone.command("uadel", aor)  # the desk phone unregisters (REGISTER, Expires: 0)
    center.stream.wait(
        lambda f: (
            f["kind"] == "agent.phone" and f["agent_id"] == "a01" and not f["data"]["registered"]
        )
    )
    me = a01.get("/api/agents/me").json()
    assert (me["state"], me["phone_registered"]) == ("available", False)
    channel = center.client("channel")
    voice = channel.post("/api/contacts", json={"queue": "general"}).json()["id"]
    chat = channel.post("/api/contacts", json={"queue": "chat", "channel": "chat"}).json()["id"]
    offered = center.stream.fact("contact.offered", chat, 10)
    assert offered["agent_id"] == "a01"  # chat still reaches the agent...
    time.sleep(1.0)
    assert "contact.offered" not in [f["kind"] for f in center.stream.of(voice)]  # ...voice not
    for cid in (voice, chat):
        channel.post(f"/api/contacts/{cid}/leave").raise_for_status()
    center.ready("a01")

    center.phone.command("uanew", account)  # the phone comes back
    wait_until(center.phone.registered, 15, "phone registered again")
    center.stream.wait(
        lambda f: f["kind"] == "agent.phone" and f["agent_id"] == "a01" and f["data"]["registered"]
    )
    sipp, cid = center.call([("pause", 2000), ("dtmf", "0"), ("pause", 6000)], "back")
    assert center.stream.fact("voice.bridged", cid)["agent_id"] == "a01"
    center.phone.command("hangup")
    assert sipp.wait(60) == 0, center.sipp_log("back")
    a01.post("/api/agents/me/wrap-up-done")
