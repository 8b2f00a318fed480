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

import contextlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from hotline.bootstrap import DEMO_PASSWORD
from hotline.channels.sip.peers import (
    PCAPS,
    Baresip,
    Proc,
    free_port,
    free_port_block,
    sipp_scenario,
    tone_wav,
)

TOOLS = ("sipp", "baresip", "espeak-ng", "sox")


@pytest.fixture(autouse=True, scope="module")
def _voice_peers(require_system) -> None:
    """Missing peers fail under CI=true and skip loudly elsewhere (tests/conftest.py)."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    missing += [] if PCAPS.is_dir() else [f"{PCAPS} (sip-tester)"]
    missing += [] if importlib.util.find_spec("pjsua2") else ["pjsua2 (pip: pjsua2-python)"]
    require_system("real SIP calls", missing)


AGENT_TONE_HZ = 1000
DEMO_IVR = Path(__file__).parents[2] / "src/hotline/channels/sip/demo_ivr.yaml"


class Stream:
    """Follows the server's event stream as the supervisor, keeping every fact."""

    def __init__(self, base: str, token: str) -> None:
        self.facts: list[dict] = []
        self._url = f"ws{base[4:]}/api/stream?token={token}"
        self._ready, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "event stream did not open"

    def _run(self) -> None:
        with connect(self._url, open_timeout=10) as ws:
            ws.recv(timeout=10)  # hello
            self._ready.set()
            while not self._stop.is_set():
                try:
                    item = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                except Exception:
                    return
                if item.get("type") == "event":
                    self.facts.append(item)

    def wait(self, pred, timeout_s: float = 30.0) -> dict:
        end = time.time() + timeout_s
        while time.time() < end:
            for f in list(self.facts):
                if pred(f):
                    return f
            time.sleep(0.05)
        kinds = [(f["kind"], f["contact_id"]) for f in self.facts[-30:]]
        raise AssertionError(f"fact not seen within {timeout_s}s; last facts: {kinds}")

    def of(self, call_id: str) -> list[dict]:
        return [f for f in self.facts if f["contact_id"] == call_id]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class Center:
    def __init__(self, base: str, work: Path, phone: Baresip, stream: Stream) -> None:
        self.base, self.work, self.phone, self.stream = base, work, phone, stream
        self.sip_port = 0
        self._seen: set[str] = set()
        self.callers: list[subprocess.Popen] = []

    def client(self, user: str) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=10)
        r = c.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        r.raise_for_status()
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        return c

    def call(self, steps, name: str, wait: bool = True):
        """Start a sipp caller; returns (process, the call id the gateway gave it)."""
        xml = self.work / f"{name}.xml"
        xml.write_text(sipp_scenario(steps))
        port, media = free_port(), free_port_block(4)
        argv = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-mi", "127.0.0.1"]
        argv += ["-p", str(port), "-mp", str(media), "-m", "1", "-nostdin", "-s", "966666"]
        argv += ["-trace_stat", "-stf", str(self.work / f"{name}.csv"), "-fd", "1"]
        argv += [f"127.0.0.1:{self.sip_port}"]
        proc = subprocess.Popen(
            ["timeout", "-k", "5", "90", *argv],
            cwd=self.work,
            stdout=(self.work / f"{name}.sipp.log").open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.callers.append(proc)
        fact = self.stream.wait(
            lambda f: f["kind"] == "voice.answered" and f["contact_id"] not in self._seen
        )
        self._seen.add(fact["contact_id"])
        return proc, fact["contact_id"]

    def sipp_stats(self, name: str) -> dict[str, str]:
        rows = (self.work / f"{name}.csv").read_text().strip().splitlines()
        head, last = rows[0].split(";"), rows[-1].split(";")
        return dict(zip(head, last, strict=False))


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    work = tmp_path_factory.mktemp("voice")
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{work / 'hotline.db'}"}
    env.setdefault("HOTLINE_PASSWORD_HASH", "cheap")
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "init", "--demo-logins"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    procs: list[Proc] = []
    phone = None
    stream = None
    try:
        port = free_port(__import__("socket").SOCK_STREAM)
        server = Proc(
            [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port), "--no-access-log"],
            work / "server.log",
            env=env,
        )
        procs.append(server)
        base = f"http://127.0.0.1:{port}"
        _wait_http(base, server)
        phone = Baresip(
            work / "a01-phone",
            "a01",
            tone_wav(work / "tone.wav", AGENT_TONE_HZ),
            free_port_block(20),
        ).start()
        sip_port = free_port()
        gateway = work / "gateway.yaml"
        gateway.write_text(
            json.dumps(
                {
                    "core": {"url": base, "username": "channel", "password": DEMO_PASSWORD},
                    "sip": {
                        "address": "127.0.0.1",
                        "port": sip_port,
                        "rtp_port": free_port_block(40),
                    },
                    "ivr": str(DEMO_IVR),
                    "prompts_dir": str(work / "prompts"),
                    "recordings_dir": str(work / "recordings"),
                    "agents": {"a01": phone.uri},
                }
            )
        )
        worker = Proc(
            [sys.executable, "-m", "hotline.channels.sip.worker", "--config", str(gateway)],
            work / "worker.log",
            env=env,
        )
        procs.append(worker)
        worker.wait_for("READY", timeout_s=60)
        sup = Center(base, work, phone, None).client("supervisor")  # type: ignore[arg-type]
        stream = Stream(base, sup.headers["Authorization"].split()[1])
        c = Center(base, work, phone, stream)
        c.sip_port = sip_port
        yield c
        for caller in c.callers:  # a failed test may leave its sipp running: stop it by PID
            if caller.poll() is None:
                caller.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    caller.wait(5)
    finally:
        if stream is not None:
            stream.close()
        if phone is not None:
            phone.stop()
        for p in reversed(procs):
            p.stop()


def _wait_http(base: str, proc: Proc) -> None:
    end = time.time() + 30
    while time.time() < end:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server did not start:\n{proc.log.read_text()[-3000:]}")


# ------------------------------------------------------------------------------- audio helpers
def read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(float)
    return rate, data


def per_second(path: Path) -> list[tuple[float, float]]:
    """(RMS level, dominant frequency in Hz) for each second of a WAV."""
    rate, a = read_wav(path)
    out = []
    for s in range(0, len(a) - rate // 2, rate):
        seg = a[s : s + rate]
        spectrum = np.abs(np.fft.rfft(seg - seg.mean()))
        out.append(
            (
                float(np.sqrt((seg**2).mean())),
                float(np.fft.rfftfreq(len(seg), 1 / rate)[spectrum.argmax()]),
            )
        )
    return out


def alaw_decode(data: bytes) -> np.ndarray:
    """G.711 A-law bytes to linear samples (ITU-T G.711)."""
    a = np.frombuffer(data, dtype=np.uint8) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = (a & 0x0F).astype(np.int32)
    value = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << (exponent.astype(np.int32) - 1),
    )
    return np.where(sign != 0, value, -value).astype(float)


def pcap_audio(path: Path) -> np.ndarray:
    """The A-law RTP payloads of a pcap (Ethernet/IPv4/UDP), decoded, in capture order."""
    raw = path.read_bytes()
    off, payload = 24, b""
    while off + 16 <= len(raw):
        incl = struct.unpack("<I", raw[off + 8 : off + 12])[0]
        pkt = raw[off + 16 : off + 16 + incl][14:]
        off += 16 + incl
        udp = pkt[(pkt[0] & 0x0F) * 4 :]
        payload += udp[8 + 12 :]
    return alaw_decode(payload)


def best_match(recording: np.ndarray, reference: np.ndarray) -> float:
    """Highest normalised cross-correlation of `reference` anywhere in `recording`."""
    n = len(recording) + len(reference)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(reference, size)), size)
    corr = corr[: len(recording) - len(reference) + 1]
    energy = np.convolve(recording**2, np.ones(len(reference)), "valid")
    norm = np.sqrt(np.maximum(energy, 1e-9) * (reference**2).sum())
    return float((corr / norm).max())


def kinds(facts: list[dict]) -> list[str]:
    return [f["kind"] for f in facts]


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
    assert match > 0.9 and phone_match > 0.8, (match, phone_match)


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
