"""The pool's controller: one link to the core for every media worker, and who owns which call.

Before, each pjsua2 worker ran its own `CoreClient`: HTTP lanes plus a WebSocket that followed
the *whole* event stream. With W workers every fact was sent, parsed and dropped W times (the
server's fan-out and the workers' CPU grew as W x calls), and each worker carried httpx,
websockets, pydantic, YAML and cryptography: ~62 MB per worker, ~50 conversations per node.

The split chosen here (the first step the issue allows): the controller process holds the one
WebSocket and a few HTTP lanes, and routes each fact about a call to the worker that owns that
call; workers keep the per-call logic (`PhoneCall`: IVR, wait, ring, bridge, survey) and their
media, and talk to the controller over a Unix socket in JSON lines (`link.py`). Why not move
`PhoneCall` itself into the controller? Every play, connect and record would become a round trip
across processes, and the prompt/timer timing the IVR tests check would ride on that; the gain
in memory and CPU comes from the stream fan-out and the imports, which this split removes
without touching the call logic. The controller owns the call *table* (call -> worker) that the
next step needs.

A worker that dies (kill -9, pjlib abort) closes its socket: the controller at once ends each
call it owned in the core (`leave` + a `voice.call` fact with outcome `lost`), so its agents are
freed, and the pool restarts the worker alone. The others never notice.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.channels.sip.config import GatewayConfig, load_flow_file
from hotline.channels.sip.core import CoreClient
from hotline.channels.sip.link import (
    ControlSettings,
    CoreFact,
    CoreReply,
    DialSettings,
    PromptFile,
    SipSettings,
    WorkerSettings,
)
from hotline.channels.sip.prompts import build_prompts

log = logging.getLogger(__name__)
LANES = 64  # HTTP lanes shared by all calls (a lane keeps one call's requests in order)


def worker_settings(config: GatewayConfig) -> WorkerSettings:
    """Validate once, here: the flow is parsed and the prompts are built before any worker."""
    flow = load_flow_file(config.ivr_path())
    built = build_prompts(flow, Path(config.prompts_dir), config.ivr_path())
    s = config.sip
    return WorkerSettings(
        sip=SipSettings(
            s.address,
            s.port,
            s.rtp_port,
            s.rtp_port_range,
            s.log_level,
            s.rtp_timeout_s,
            s.session_timer,
            s.session_expires_s,
        ),
        callers=config.callers_per_worker(),
        numbers=tuple(config.numbers),
        recordings_dir=str(Path(config.recordings_dir).resolve()),
        state_dir=str(Path(config.state_dir).resolve()),
        agents=dict(config.agents),
        ring_grace_s=config.ring_grace_s,
        flow=flow,
        prompts={k: PromptFile(p.id, p.path.resolve(), p.duration_s) for k, p in built.items()},
        registrar_port=config.registrar.port if config.registrar.enabled else None,
        dial=_dial_settings(config),
        control=_control_settings(config),
        legs=s.max_call_legs,
        stereo=config.recording == "stereo",
    )


def _dial_settings(config: GatewayConfig) -> DialSettings | None:
    cb = config.callbacks
    if not cb.enabled:
        return None
    return DialSettings(dict(cb.trunks), cb.caller_id, cb.no_answer_s, cb.short_answer_s)


def _control_settings(config: GatewayConfig) -> ControlSettings:
    c = config.control
    out = DialSettings(dict(c.transfer_trunks), c.caller_id, c.no_answer_s, 0.0)
    return ControlSettings(out if c.transfer_trunks else None, dict(c.supervisors))


@dataclass(eq=False)
class Conn:
    """One worker's socket; `calls` are the calls it owns now."""

    sock: socket.socket
    name: str = "?"
    pid: int = 0
    calls: set[str] = field(default_factory=set)
    dead: bool = False

    def send(self, msg: dict[str, Any]) -> None:
        if self.dead:
            return
        try:
            self.sock.sendall(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        except OSError as exc:  # its reader sees the EOF and ends its calls
            log.warning("worker %s: send failed (%s)", self.name, exc)
            self.dead = True


class Controller:
    """Listens on `sock_path`, follows the core's stream once, routes facts and replies."""

    def __init__(self, config: GatewayConfig, sock_path: Path) -> None:
        self.sock_path = sock_path
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        c = config.core
        self.core = CoreClient(c.url, c.username, c.secret(), self.inbox, lanes=LANES)
        self.owner: dict[str, Conn] = {}
        self.conns: list[Conn] = []
        self.lock = threading.Lock()  # owner / conns: reader threads write, the router reads
        self.stats = {"facts": 0, "routed": 0, "lost_calls": 0}
        self._server: socket.socket | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        self.core.start()
        self.sock_path.parent.mkdir(parents=True, exist_ok=True)
        self.sock_path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.sock_path))
        os.chmod(self.sock_path, 0o600)  # only this user's workers may speak for the gateway
        server.listen(512)
        self._server = server
        threading.Thread(target=self._accept, name="ctl-accept", daemon=True).start()
        threading.Thread(target=self._route, name="ctl-route", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.inbox.put(None)
        if self._server is not None:
            self._server.close()
        self.core.close()
        self.sock_path.unlink(missing_ok=True)

    def live_calls(self) -> dict[str, list[str]]:
        with self.lock:
            return {c.name: sorted(c.calls) for c in self.conns}

    # ------------------------------------------------------------------ workers -> core
    def _accept(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            conn = Conn(sock)
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Conn) -> None:
        try:
            with conn.sock.makefile("rb") as lines:
                for line in lines:
                    try:
                        self._op(conn, json.loads(line))
                    except (ValueError, KeyError, TypeError) as exc:
                        log.warning("worker %s: bad line %r (%s)", conn.name, line[:200], exc)
        except OSError as exc:
            log.warning("worker %s: link error %s", conn.name, exc)
        finally:
            self._lost(conn)

    def _op(self, conn: Conn, msg: dict[str, Any]) -> None:
        op = msg["op"]
        if op == "post":
            call = msg["call"]
            self.core.post(call, msg["path"], msg["body"], msg.get("tag"), msg.get("seal"))
        elif op == "own":
            with self.lock:
                self.owner[msg["call"]] = conn
                conn.calls.add(msg["call"])
        elif op == "forget":
            with self.lock:
                if self.owner.get(msg["call"]) is conn:
                    del self.owner[msg["call"]]
                conn.calls.discard(msg["call"])
        elif op == "hello":
            conn.name, conn.pid = str(msg["worker"]), int(msg.get("pid") or 0)
            log.info("worker %s (pid %d) linked", conn.name, conn.pid)

    def _lost(self, conn: Conn) -> None:
        """The worker is gone and its media with it: end its calls so no agent stays busy."""
        conn.dead = True
        with self.lock:
            calls = sorted(conn.calls)
            conn.calls.clear()
            for call in calls:
                if self.owner.get(call) is conn:
                    del self.owner[call]
            if conn in self.conns:
                self.conns.remove(conn)
        conn.sock.close()
        if self._stop.is_set():
            return
        if calls:
            log.error("worker %s (pid %d) died with %d call(s)", conn.name, conn.pid, len(calls))
        for call in calls:
            self.stats["lost_calls"] += 1
            self.core.post(call, f"/api/contacts/{call}/leave", {})
            data = {"outcome": "lost", "ended_by": "worker_died", "worker": conn.name}
            body = {"kind": "voice.call", "agent_id": None, "data": data}
            self.core.post(call, f"/api/voice/{call}/facts", body)

    # ------------------------------------------------------------------ core -> workers
    def _least_loaded(self, call: str) -> Conn | None:
        """The live worker with the fewest calls now owns `call` (it dials it or drops it)."""
        with self.lock:
            live = [c for c in self.conns if not c.dead]
            if not live:
                return None
            conn = min(live, key=lambda c: len(c.calls))
            self.owner[call] = conn
            conn.calls.add(call)
            return conn

    def _route(self) -> None:
        shown = time.monotonic()
        while True:
            item = self.inbox.get()
            if item is None:
                return
            if time.monotonic() - shown >= 10.0:  # one line in ten seconds: is routing keeping up?
                shown = time.monotonic()
                log.info(
                    "controller: %s, %d calls, backlog %d",
                    self.stats,
                    len(self.owner),
                    self.inbox.qsize(),
                )
            if isinstance(item, CoreFact):
                self.stats["facts"] += 1
                call = item.fact.get("contact_id") or ""
                msg: dict[str, Any] = {"t": "fact", "fact": item.fact}
            elif isinstance(item, CoreReply):
                call = item.call_id
                msg = {"t": "reply", "call": call, "tag": item.tag}
                msg.update(status=item.status, body=item.body)
            else:
                continue
            conn = self.owner.get(call)  # a dict read: atomic; a stale owner just drops it
            if conn is None and isinstance(item, CoreFact) and _callback_offer(item.fact):
                conn = self._least_loaded(call)  # a callback task to dial: a worker takes it
            if conn is not None:
                self.stats["routed"] += 1
                conn.send(msg)
            else:
                self.stats["unowned"] = self.stats.get("unowned", 0) + 1


def _callback_offer(fact: dict[str, Any]) -> bool:
    return fact.get("kind") == "contact.offered" and fact.get("channel") == "callback"
