"""What a media worker knows and how it talks: its settings, and the local link to the controller.

A pool worker imports only this, `media`, `calls` (the IVR interpreter) and `screen`: no HTTP
client, no WebSocket, no pydantic, no YAML, no cryptography. Those cost ~37 MB per process
(measured: 62 MB RSS before, the bare pjsua2 endpoint is ~25 MB) and they are only needed
once, in the controller. The controller hands each worker its settings as a pickle of
`WorkerSettings` (the validated gateway file reduced to what a worker reads, the parsed IVR flow,
the built prompts), and the worker talks to the controller over a Unix socket in JSON lines:

    worker -> controller  {"op": "hello", "worker": "w3", "pid": 123}
                          {"op": "own", "call": ID}        a caller was admitted here
                          {"op": "post", "call": ID, "path": "/api/...", "body": {...},
                           "tag": "created" | null, "seal": [wav paths to encrypt first]}
                          {"op": "forget", "call": ID}     the call is over
    controller -> worker  {"t": "fact", "fact": {...}}     a stream fact about a call it owns
                          {"t": "reply", "call": ID, "tag": ..., "status": 201, "body": ...}

The standalone worker (`workers: 1`) puts the same `CoreFact`/`CoreReply` values in its inbox
from its own `core.CoreClient`, so the call logic cannot tell the two apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hotline.ivr import Flow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CoreFact:
    """One fact from the stream (`event_view` shape: kind, contact_id, agent_id, data…)."""

    fact: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CoreReply:
    """The answer to a request that asked for one (`tag` says what it was)."""

    call_id: str
    tag: str
    status: int
    body: Any


class CoreLink(Protocol):
    """What a worker needs from the core, directly (`CoreClient`) or via the controller."""

    def start(self) -> None: ...
    def close(self) -> None: ...
    def own(self, call_id: str) -> None: ...
    def forget(self, call_id: str) -> None: ...
    def post(
        self,
        call_id: str,
        path: str,
        body: dict[str, Any],
        tag: str | None = None,
        seal: list[str] | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class PromptFile:
    id: str
    path: Path
    duration_s: float


@dataclass(frozen=True, slots=True)
class SipSettings:
    address: str
    port: int
    rtp_port: int
    rtp_port_range: int
    log_level: int
    rtp_timeout_s: float
    session_timer: str
    session_expires_s: int


@dataclass(frozen=True, slots=True)
class DialSettings:
    """How a worker dials the customer of a callback task (`CallbacksConfig`, validated)."""

    trunks: dict[str, str]
    caller_id: str
    no_answer_s: float
    short_answer_s: float

    def uri(self, number: str) -> str | None:
        """The trunk of the longest prefix that matches, with the number in it."""
        digits = number.strip()
        if not digits or not all(ch.isdigit() or ch == "+" for ch in digits):
            return None
        best = max((p for p in self.trunks if digits.startswith(p)), key=len, default=None)
        return None if best is None else self.trunks[best].replace("{number}", digits)


@dataclass(frozen=True, slots=True)
class ControlSettings:
    """Call control in a worker (`ControlConfig`, validated): outside trunks, supervisors."""

    out: DialSettings | None = None  # blind transfer out: trunks and the caller id shown
    supervisors: dict[str, str] = field(default_factory=dict)  # login -> phone URI


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """The part of gateway.yaml a media worker reads (same attribute names as GatewayConfig)."""

    sip: SipSettings
    callers: int  # callers admitted per worker (each keeps a leg free for its agent)
    numbers: tuple[str, ...]
    recordings_dir: str
    state_dir: str
    agents: dict[str, str]
    ring_grace_s: float
    flow: Flow
    prompts: dict[str, PromptFile] = field(default_factory=dict)
    registrar_port: int | None = None  # agents without a static URI ring through it
    dial: DialSettings | None = None  # None: callback tasks are not dialled here
    control: ControlSettings = field(default_factory=ControlSettings)
    legs: int = 4  # call legs pjsua allows this process (sip.max_call_legs)
    stereo: bool = False  # one stereo WAV per call (caller left, agent right)

    def callers_per_worker(self) -> int:
        return self.callers

    def phone_uri(self, agent_id: str) -> str | None:
        return phone_uri(self.agents, agent_id, self.sip.address, self.registrar_port)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(self))
        return path

    @staticmethod
    def load(path: Path) -> WorkerSettings:
        # Written by this worker's own controller in its run directory: a trusted local file.
        return pickle.loads(path.read_bytes())


def phone_uri(
    agents: dict[str, str], agent_id: str, address: str, registrar_port: int | None
) -> str | None:
    """Where to ring `agent_id`: the static URI if one is set, else through the registrar
    (which looks up the registered contact), else nowhere."""
    static = agents.get(agent_id)
    if static or registrar_port is None:
        return static
    return f"sip:{agent_id}@{address}:{registrar_port}"


def busy_ports(ports: range, address: str) -> list[int]:
    """The UDP ports of `ports` another program holds now (the start-time overlap check)."""
    taken = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((address, port))
            except OSError:
                taken.append(port)
    return taken


class LinkClient:
    """The worker's end of the controller link. Sends go through a writer thread, so the
    pjsua poll loop never blocks on the socket; a reader thread turns lines into inbox items.
    When the controller goes away the worker stops (`on_lost`): nobody could tell the core
    about its calls any more, and the pool restarts as a whole."""

    def __init__(
        self, path: str, inbox: queue.SimpleQueue, name: str, on_lost: Callable[[], None]
    ) -> None:
        self.path, self.inbox, self.name, self.on_lost = path, inbox, name, on_lost
        self._out: queue.SimpleQueue = queue.SimpleQueue()
        self._sock: socket.socket | None = None
        self._closing = False

    def start(self) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(self.path)
        self._send({"op": "hello", "worker": self.name, "pid": os.getpid()})
        threading.Thread(target=self._read, name="link-in", daemon=True).start()
        threading.Thread(target=self._write, name="link-out", daemon=True).start()

    def close(self) -> None:
        self._closing = True
        self._out.put(None)

    def own(self, call_id: str) -> None:
        self._out.put({"op": "own", "call": call_id})

    def forget(self, call_id: str) -> None:
        self._out.put({"op": "forget", "call": call_id})

    def post(
        self,
        call_id: str,
        path: str,
        body: dict[str, Any],
        tag: str | None = None,
        seal: list[str] | None = None,
    ) -> None:
        msg = {"op": "post", "call": call_id, "path": path, "body": body, "tag": tag}
        if seal:
            msg["seal"] = seal
        self._out.put(msg)

    def _send(self, msg: dict[str, Any]) -> None:
        assert self._sock is not None
        self._sock.sendall(json.dumps(msg, separators=(",", ":")).encode() + b"\n")

    def _write(self) -> None:
        while True:
            msg = self._out.get()
            if msg is None:
                break
            try:
                self._send(msg)
            except OSError as exc:
                log.error("controller link lost while sending: %s", exc)
                break
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)

    def _read(self) -> None:
        assert self._sock is not None
        with self._sock.makefile("rb") as lines:
            for line in lines:
                try:
                    msg = json.loads(line)
                except ValueError:
                    log.warning("bad line from the controller: %r", line[:200])
                    continue
                if msg.get("t") == "fact":
                    self.inbox.put(CoreFact(msg["fact"]))
                elif msg.get("t") == "reply":
                    reply = CoreReply(msg["call"], msg["tag"], msg["status"], msg["body"])
                    self.inbox.put(reply)
        if not self._closing:
            log.error("%s: the controller closed the link; stopping", self.name)
            self.on_lost()
