"""The real-peer rig shared by the voice tests: a served center, media worker(s), phones, callers.

`start_center` runs `hotline init --demo-logins` on a fresh SQLite file, `hotline serve`, one
baresip phone per agent (auto-answer, plays a tone, dumps what it hears) and either one pjsua2
media worker or, with `workers > 1`, the Kamailio pool (`hotline.channels.sip.front`). Callers
are sipp scenarios (`Center.call`). Every process runs under `timeout` and is stopped by PID.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def missing_peers() -> list[str]:
    """The SIP peers and tools the real-call tests need that this machine lacks."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    missing += [] if PCAPS.is_dir() else [f"{PCAPS} (sip-tester)"]
    missing += [] if importlib.util.find_spec("pjsua2") else ["pjsua2 (pip: pjsua2-python)"]
    return missing


# Missing peers fail under CI=true and skip loudly elsewhere (`voice_peers` in conftest.py).
needs_peers = pytest.mark.usefixtures("voice_peers")
AGENT_TONE_HZ = 1000
PHONE_PASSWORD = "Desk-Phone-Pass-7391"  # the agents' SIP password in `registrar` rigs
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

    def fact(self, kind: str, call_id: str, timeout_s: float = 30.0) -> dict:
        return self.wait(lambda f: f["kind"] == kind and f["contact_id"] == call_id, timeout_s)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class Center:
    """A running center: its URL, work dir, agents' phones, event stream and callers."""

    def __init__(self, base: str, work: Path, phones: dict[str, Baresip], stream: Stream) -> None:
        self.base, self.work, self.phones, self.stream = base, work, phones, stream
        self.phone = phones.get("a01")
        self.sip_port = 0
        self.registrar_port = 0  # `start_center(registrar=True)`: where desk phones register
        self.gateway: Proc | None = None
        self._seen: set[str] = set()
        self.callers: list[subprocess.Popen] = []

    def client(self, user: str) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=10)
        r = c.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        r.raise_for_status()
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        return c

    def ready(self, agent: str) -> httpx.Client:
        """Log `agent` in and make them available (whatever state they were left in)."""
        c = self.client(agent)
        c.post("/api/agents/me/wrap-up-done")
        for state in ("login", "available"):
            c.post("/api/agents/me/state", json={"state": state})
        assert c.get("/api/agents/me").json()["state"] == "available"
        return c

    def call(self, steps, name: str, service: str = "966666", answered: bool = True, **scenario):
        """Start a sipp caller; returns (process, the call id the gateway gave it).

        The caller leads its own process group, so `vanish` can kill it without a BYE.
        """
        xml = self.work / f"{name}.xml"
        xml.write_text(sipp_scenario(steps, **scenario))
        port, media = free_port(), free_port_block(4)
        argv = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-mi", "127.0.0.1"]
        argv += ["-p", str(port), "-mp", str(media), "-m", "1", "-nostdin", "-s", service]
        argv += ["-trace_stat", "-stf", str(self.work / f"{name}.csv"), "-fd", "1"]
        argv += [f"127.0.0.1:{self.sip_port}"]
        proc = subprocess.Popen(
            ["timeout", "-k", "5", "90", *argv],
            cwd=self.work,
            stdout=(self.work / f"{name}.sipp.log").open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.callers.append(proc)
        if not answered:
            return proc, None
        fact = self.stream.wait(
            lambda f: f["kind"] == "voice.answered" and f["contact_id"] not in self._seen
        )
        self._seen.add(fact["contact_id"])
        return proc, fact["contact_id"]

    @staticmethod
    def vanish(proc: subprocess.Popen) -> None:
        """The caller disappears: SIGKILL, so no BYE and no more RTP."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)

    def sipp_log(self, name: str) -> str:
        return (self.work / f"{name}.sipp.log").read_text(errors="replace")[-2000:]

    def sipp_stats(self, name: str) -> dict[str, str]:
        rows = (self.work / f"{name}.csv").read_text().strip().splitlines()
        head, last = rows[0].split(";"), rows[-1].split(";")
        return dict(zip(head, last, strict=False))

    def phone_calls(self, agent: str) -> int:
        """How many calls `agent`'s phone has up (baresip: "--- Active calls (N) ---")."""
        data = self.phones[agent].command("listcalls").get("data") or ""
        return int(data.split("Active calls (", 1)[1].split(")", 1)[0])

    def agent_state(self, agent: str) -> str:
        sup = self.client("supervisor")
        return next(a for a in sup.get("/api/agents").json() if a["id"] == agent)["state"]

    def stop_callers(self) -> None:
        for caller in self.callers:  # a failed test may leave its sipp running: stop it by PID
            if caller.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(caller.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    caller.wait(5)


@contextlib.contextmanager
def start_center(
    work: Path,
    agents: tuple[str, ...] = ("a01",),
    workers: int = 1,
    gateway: dict[str, Any] | None = None,
    sip: dict[str, Any] | None = None,
    registrar: bool = False,
    tones: dict[str, int] | None = None,
    supervisor_phone: int | None = None,
    softphone: bool | dict[str, Any] = False,
) -> Iterator[Center]:
    """Init, serve, phones, gateway (worker or pool); stops everything it started.

    `registrar`: the agents' phones are desk phones that register (digest auth, password
    `PHONE_PASSWORD` set through the admin API) with the gateway's Kamailio registrar, and the
    gateway has no static URI for them. `tones`: each named phone sends its own frequency
    (others `AGENT_TONE_HZ`); `supervisor_phone`: a phone for the supervisor login sending that
    frequency (`center.phones["supervisor"]`, `control.supervisors` in the gateway file).
    `softphone`: the registrar also takes browsers over WSS (rtpengine for their media) and the
    agents get no baresip phone: a browser is theirs."""
    registrar = registrar or bool(softphone)
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
    phones: dict[str, Baresip] = {}
    stream = None
    center = None
    try:
        port = free_port(socket.SOCK_STREAM)
        server = Proc(
            [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port), "--no-access-log"],
            work / "server.log",
            env=env,
        )
        procs.append(server)
        base = f"http://127.0.0.1:{port}"
        _wait_http(base, server)
        tone = tone_wav(work / "tone.wav", AGENT_TONE_HZ)
        sip_port = free_port()
        reg_port = free_port() if registrar else 0
        if registrar:
            admin = _token(base, "admin")
            for agent in agents:
                r = httpx.put(
                    f"{base}/api/admin/phones/{agent}",
                    json={"password": PHONE_PASSWORD},
                    headers={"Authorization": f"Bearer {admin}"},
                )
                r.raise_for_status()
        for agent in () if softphone else agents:
            where = {"registrar": f"127.0.0.1:{reg_port}", "password": PHONE_PASSWORD}
            hz = (tones or {}).get(agent)
            phones[agent] = Baresip(
                work / f"{agent}-phone",
                agent,
                tone_wav(work / f"tone-{hz}.wav", hz) if hz else tone,
                free_port_block(20),
                **(where if registrar else {}),
            )
        sup_phone = None
        if supervisor_phone:
            sup_tone = tone_wav(work / f"tone-{supervisor_phone}.wav", supervisor_phone)
            sup_phone = Baresip(
                work / "supervisor-phone", "supervisor", sup_tone, free_port_block(20)
            )
        sip_cfg = {
            "address": "127.0.0.1",
            "port": sip_port,
            "rtp_port": free_port_block(40 * workers),
            **(sip or {}),
        }
        config = {
            "core": {"url": base, "username": "channel", "password": DEMO_PASSWORD},
            "sip": sip_cfg,
            "ivr": str(DEMO_IVR),
            "prompts_dir": str(work / "prompts"),
            "recordings_dir": str(work / "recordings"),
            "state_dir": str(work / "state"),
            "agents": {} if registrar else {a: p.uri for a, p in phones.items()},
            **(gateway or {}),
        }
        if sup_phone is not None:
            control = config.setdefault("control", {})
            control["supervisors"] = {"supervisor": sup_phone.uri}
            phones["supervisor"] = sup_phone
        if registrar:
            config["registrar"] = {
                "enabled": True,
                "port": reg_port,
                "run_dir": str(work / "registrar"),
                "sync_s": 0.5,
            }
        if softphone:
            config["softphone"] = {
                "enabled": True,
                "wss_port": free_port(socket.SOCK_STREAM),
                "ng_port": free_port(),
                # above the workers' RTP block (free_port_block alone would pick the same base)
                "rtp_port_min": (
                    low := free_port_block(100, sip_cfg["rtp_port"] + 40 * workers, 65000)
                ),
                "rtp_port_max": low + 99,
                "cert": str(work / "tls" / "softphone.crt"),
                "key": str(work / "tls" / "softphone.key"),
                **(softphone if isinstance(softphone, dict) else {}),
            }
        if workers > 1:
            config["workers"] = workers
            config["front"] = {
                "worker_port": free_port_block(workers + 1) - 1,
                "run_dir": str(work / "kamailio"),
            }
        path = work / "gateway.yaml"
        path.write_text(json.dumps(config))
        if registrar:
            reg = Proc(
                [sys.executable, "-m", "hotline.channels.sip.registrar", "--config", str(path)],
                work / "registrar.log",
                env=env,
            )
            procs.append(reg)
            reg.wait_for("REGISTRAR READY", timeout_s=30)
        for phone in phones.values():
            phone.start()
        if registrar:
            for phone in phones.values():
                wait_until(phone.registered, 15, f"{phone.user}'s desk phone registered")
        module = "front" if workers > 1 else "worker"
        gw = Proc(
            [sys.executable, "-m", f"hotline.channels.sip.{module}", "--config", str(path)],
            work / "gateway.log",
            env=env,
        )
        procs.append(gw)
        for i in range(workers):
            gw.wait_for(f"READY w{i + 1 if workers > 1 else 0}", timeout_s=90)
        if workers > 1:
            gw.wait_for("POOL READY", timeout_s=90)
        sup_token = _token(base, "supervisor")
        stream = Stream(base, sup_token)
        center = Center(base, work, phones, stream)
        center.sip_port = sip_port
        center.registrar_port = reg_port
        center.gateway = gw
        yield center
    finally:
        if center is not None:
            center.stop_callers()
        if stream is not None:
            stream.close()
        for phone in phones.values():
            phone.stop()
        for p in reversed(procs):
            p.stop()


def _token(base: str, user: str) -> str:
    r = httpx.post(
        f"{base}/api/auth/login", json={"username": user, "password": DEMO_PASSWORD}, timeout=10
    )
    r.raise_for_status()
    return r.json()["token"]


def _wait_http(base: str, proc: Proc) -> None:
    end = time.time() + 90  # as test_restart: a start can take half a minute on a busy machine
    while time.time() < end:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server did not start:\n{proc.log.read_text()[-3000:]}")


def send_invite(port: int, user: str = "966666", length: int | None = None, extra: str = ""):
    """One raw INVITE over UDP; returns the first final response line (or '' on silence)."""
    sdp = (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        me = s.getsockname()[1]
        n = len(sdp) if length is None else length
        msg = (
            f"INVITE sip:{user}@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK{uuid.uuid4().hex}\r\n"
            f"From: <sip:13800000009@127.0.0.1:{me}>;tag={uuid.uuid4().hex[:8]}\r\n"
            f"To: <sip:{user}@127.0.0.1:{port}>\r\nCall-ID: {uuid.uuid4().hex}\r\n"
            f"CSeq: 1 INVITE\r\nContact: <sip:13800000009@127.0.0.1:{me}>\r\n"
            f"Max-Forwards: 70\r\n{extra}Content-Type: application/sdp\r\n"
            f"Content-Length: {n}\r\n\r\n{sdp}"
        )
        s.sendto(msg.encode(), ("127.0.0.1", port))
        s.settimeout(5)
        end = time.time() + 8
        while time.time() < end:
            try:
                data = s.recv(70000).decode(errors="replace")
            except TimeoutError:
                break
            line = data.split("\r\n", 1)[0]
            if line.startswith("SIP/2.0 ") and not line.startswith("SIP/2.0 1"):
                return line
    return ""


def wait_until(pred, timeout_s: float = 30.0, what: str = "condition") -> Any:
    """Poll `pred` until it returns something truthy; fail after a generous deadline."""
    end = time.time() + timeout_s
    last = None
    while time.time() < end:
        last = pred()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not met within {timeout_s}s (last: {last!r})")


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


def trailing_silence_s(path: Path, frame_s: float = 0.05, level: float = 200.0) -> float:
    """Seconds of silence at the end of a WAV: dead air after the last sound."""
    rate, a = read_wav(path)
    n = max(1, int(rate * frame_s))
    frames = [a[i : i + n] for i in range(0, len(a) - n + 1, n)]
    loud = [i for i, f in enumerate(frames) if np.sqrt((f**2).mean()) > level]
    if not loud:
        return len(a) / rate
    return (len(frames) - 1 - loud[-1]) * frame_s


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


def recordings(facts: list[dict]) -> dict[str, dict]:
    """leg -> {path, duration_s} from a call's `voice.recording` facts."""
    return {
        f["data"]["files"][0]["leg"]: f["data"]["files"][0]
        for f in facts
        if f["kind"] == "voice.recording"
    }


def find_in(recording: np.ndarray, reference: np.ndarray, rate: int = 8000) -> tuple[float, float]:
    """(normalised match, offset in seconds) of the best place of `reference` in `recording`:
    which prompt a caller heard, and when."""
    n = len(recording) + len(reference)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(reference, size)), size)
    corr = corr[: len(recording) - len(reference) + 1]
    run = np.concatenate([[0.0], np.cumsum(recording**2)])  # window energies in O(n)
    energy = run[len(reference) :] - run[: len(run) - len(reference)]
    score = corr / np.sqrt(np.maximum(energy, 1e-9) * (reference**2).sum())
    best = int(score.argmax())
    return float(score[best]), best / rate


def prompt_audio(work: Path, prompt_id: str) -> np.ndarray:
    """The samples of a built prompt (`<prompts_dir>/<id>-<digest>.wav`)."""
    (path,) = sorted((work / "prompts").glob(f"{prompt_id}-*.wav"))
    return read_wav(path)[1]
