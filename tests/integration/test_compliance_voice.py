"""A real SIP call with `HOTLINE_RECORDING_KEY` set: the gateway leaves only encrypted
recordings on disk, the API serves them decrypted to a supervisor and refuses an agent who did
not take the call, and the IVR's recording notice is a fact on the call. Real peers (sipp,
baresip, the pjsua2 gateway), like tests/integration/test_voice_calls.py whose world it reuses."""

from __future__ import annotations

import base64
import io
import os
import time
import wave
from pathlib import Path

import pytest

from .test_voice_calls import center  # noqa: F401 - the real-SIP fixture
from .voice_rig import needs_peers

pytestmark = needs_peers

KEY = "test-2026:" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture(autouse=True, scope="module")
def _recording_key():
    """Set before the module's gateway starts (autouse runs first): the worker inherits it."""
    old = os.environ.get("HOTLINE_RECORDING_KEY")
    os.environ["HOTLINE_RECORDING_KEY"] = KEY
    yield
    if old is None:
        os.environ.pop("HOTLINE_RECORDING_KEY", None)
    else:
        os.environ["HOTLINE_RECORDING_KEY"] = old


def test_recordings_are_encrypted_on_disk_and_served_by_role(center):  # noqa: F811
    a01 = center.client("a01")
    for state in ("login", "available"):
        a01.post("/api/agents/me/state", json={"state": state}).raise_for_status()
    steps = [
        ("pause", 2000),
        ("dtmf", "0"),
        ("pause", 1500),
        ("audio", None),
        ("pause", 7200),
        ("audio", None),
        ("pause", 7000),
        ("dtmf", "4"),
        ("wait_bye", 30000),
    ]
    sipp, cid = center.call(steps, "encrypted")
    bridged = center.stream.wait(lambda f: f["kind"] == "voice.bridged" and f["contact_id"] == cid)
    time.sleep(max(0.0, bridged["at"] + 6.0 - time.time()))
    center.phone.command("hangup")
    assert sipp.wait(60) == 0
    fact = center.stream.wait(
        lambda f: (
            f["kind"] == "voice.recording"
            and f["contact_id"] == cid
            and f["data"]["files"][0]["leg"] == "caller"
        )
    )
    wav = Path(fact["data"]["files"][0]["path"])
    enc = wav.with_name(wav.name + ".enc")
    assert not wav.exists() and enc.exists()
    assert not enc.read_bytes().startswith(b"RIFF")
    with pytest.raises((wave.Error, EOFError)), wave.open(str(enc), "rb"):
        pass

    sup = center.client("supervisor")
    r = sup.get(f"/api/compliance/recordings/{cid}/caller")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content), "rb") as w:
        assert w.getframerate() == 8000 and w.getnframes() > 8000 * 10
    assert a01.get(f"/api/compliance/recordings/{cid}/caller").status_code == 200
    assert center.client("a02").get(f"/api/compliance/recordings/{cid}/caller").status_code == 403

    events = sup.get(f"/api/contacts/{cid}/events").json()
    notice = [e["data"] for e in events if e["kind"] == "compliance.notice"]
    assert notice and notice[0]["medium"] == "ivr" and notice[0]["node"] == "welcome"
