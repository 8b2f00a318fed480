"""A media worker: one pjsua endpoint, its calls, and the poll loop that drives them all.

One thread does everything pjsua-related (the polling model that proved reliable with the
wheel): it polls pjsua (see `wait_ms`), handles the media events the callbacks queued, drains the
inbox its core link fills (facts about its calls, answers to requests) and fires due timers
(prompt ends, IVR time-outs, announcements). No lock is needed because nothing else touches a
call.

A worker admits `(max_call_legs - control.reserve_legs) // 2` callers (2 with the PyPI wheel):
every caller keeps a leg free for the agent it will be bridged to, so a bridge never fails for
want of a slot. A consult, conference, outside transfer or supervisor takes a third leg in the
same worker (`control.py`); the worker counts its legs (`legs_in_use`) and refuses a new caller
(486) whose two legs would not fit, and a third leg that does not fit fails the consult.

Run one directly with `python -m hotline.channels.sip.worker --config gateway.yaml` (standalone:
its own `CoreClient`); `hotline voice serve` does that for a single worker, or starts the pool's
controller (`front.py`), which starts N of them behind Kamailio with `--settings`/`--link`: then
the worker imports nothing but pjsua2, the IVR and `link.py` (see there for why).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotline.channels.sip.calls import PhoneCall
from hotline.channels.sip.dialout import CallbackCall
from hotline.channels.sip.link import (
    CoreFact,
    CoreLink,
    CoreReply,
    LinkClient,
    WorkerSettings,
    busy_ports,
)
from hotline.channels.sip.media import DISCONNECTED, Engine, Leg
from hotline.channels.sip.screen import screen_invite

log = logging.getLogger(__name__)
POLL_MS = 20  # with a call up (as in the lab pool that held 200 calls): prompt ends, answers
IDLE_POLL_MS = 100  # no call: an INVITE still wakes the poll at once (it is a socket event)


def wait_ms(has_calls: bool, next_timer_s: float | None) -> int:
    """How long one pjsua poll may block.

    A node runs ~100 workers; at a 10 ms poll each idle one woke 100 times a second and the
    pool's idle cost alone was 1.3 % of a core per worker (1.4 cores for 105 workers, measured)
    before any call; at 100 ms it is 0.5 %. A profile of 21 busy workers showed 45 % of their
    CPU in the kernel (select, task switches): wake-ups are the cost. An idle worker only waits
    for an INVITE, which ends the poll by itself, and for the controller's rare requests (a
    callback to dial), which may wait 100 ms. A due timer shortens the wait either way."""
    ms = POLL_MS if has_calls else IDLE_POLL_MS
    if next_timer_s is not None:
        ms = min(ms, max(1, int(next_timer_s * 1000)))
    return ms


class Worker:
    """Owns the endpoint, the calls, the timers and the link to the core."""

    def __init__(
        self,
        config: WorkerSettings,
        connect: Callable[[queue.SimpleQueue], CoreLink],
        name: str = "w0",
        port: int | None = None,
        rtp_port: int | None = None,
        ledger: bool = True,
    ) -> None:
        """`connect(inbox)` makes the link to the core: a `CoreClient` of its own (standalone)
        or a `LinkClient` to the pool's controller. `ledger`: keep the calls on disk so a
        successor can end them (standalone only; in a pool the controller does that)."""
        self.config, self.name = config, name
        self.port = port or config.sip.port
        self.rtp_port = rtp_port or config.sip.rtp_port
        self.flow = config.flow
        self.prompts = config.prompts
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.core: CoreLink = connect(self.inbox)
        self.engine: Engine = None  # type: ignore[assignment]  # created in run()
        self.calls: dict[str, PhoneCall] = {}
        self.legs: set[Leg] = set()  # every live leg stays referenced until DISCONNECTED
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.stop = threading.Event()
        self.stats = {"offered": 0, "admitted": 0, "rejected": 0, "ended": 0, "dead_legs": 0}
        self.clock = time.time
        self._rx: dict[Leg, tuple[int, float]] = {}  # leg -> (RTP packets seen, when it moved)
        self._next_check = 0.0
        # The calls this process holds, on disk: if it dies (abort, kill -9), its successor of
        # the same name ends those contacts in the core, so no agent stays busy for a dead call.
        state = Path(config.state_dir).resolve()
        self.ledger: Path | None = state / f"{name}.calls" if ledger else None

    # ------------------------------------------------------------------ services for calls
    def schedule(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._seq), fn))

    def fact(
        self,
        call_id: str,
        kind: str,
        data: dict[str, Any],
        agent_id: str | None = None,
        seal: list[str] | None = None,
    ) -> None:
        body = {"kind": kind, "agent_id": agent_id, "data": data}
        self.core.post(call_id, f"/api/voice/{call_id}/facts", body, seal=seal)

    def legs_in_use(self) -> int:
        """Call legs this worker's calls hold (a caller with a consult or a supervisor holds
        three): pjsua allows `config.legs` in all, and a new caller needs two."""
        return sum(getattr(c, "legs_in_use", lambda: 2)() for c in self.calls.values())

    def forget(self, call: PhoneCall) -> None:
        self.calls.pop(call.id, None)
        self.stats["ended"] += 1
        self.core.forget(call.id)
        self._write_ledger()

    def _write_ledger(self) -> None:
        if self.ledger is None:
            return
        try:
            self.ledger.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.ledger.with_suffix(".tmp")
            tmp.write_text(json.dumps(sorted(self.calls)))
            tmp.replace(self.ledger)
        except OSError as exc:  # losing the ledger only weakens recovery; keep the call
            log.warning("call ledger %s: %s", self.ledger, exc)

    def _recover(self) -> None:
        """End the calls a predecessor of this name held when it died: their media is gone."""
        if self.ledger is None:
            return
        try:
            lost = json.loads(self.ledger.read_text())
        except (OSError, ValueError):
            return
        for call_id in lost:
            log.warning("%s: call %s died with the previous process", self.name, call_id)
            self.core.post(call_id, f"/api/contacts/{call_id}/leave", {})
            data = {"outcome": "lost", "ended_by": "worker_restart", "worker": self.name}
            self.fact(call_id, "voice.call", data)
        self._write_ledger()

    # ------------------------------------------------------------------ loop
    def run(self, ready: Callable[[], None] | None = None) -> None:
        sip = self.config.sip
        mine = range(self.rtp_port, self.rtp_port + sip.rtp_port_range)
        taken = busy_ports(mine, sip.address)
        if len(taken) > len(mine) // 2:  # pjsua needs pairs; a few taken ones it skips
            raise RuntimeError(
                f"sip.rtp_port: {len(taken)} of RTP ports {mine.start}-{mine.stop - 1} are in "
                f"use by another program (e.g. {taken[:5]}); move the range"
            )
        self.core.start()
        self._recover()
        self.engine = Engine(
            sip.address,
            self.port,
            self.rtp_port,
            sip.rtp_port_range,
            sip.log_level,
            session_timer=sip.session_timer,
            session_expires_s=sip.session_expires_s,
        )
        log.info("%s: SIP on %s:%d, RTP from %d", self.name, sip.address, self.port, self.rtp_port)
        if ready:
            ready()
        try:
            while not self.stop.is_set():
                self.step()
        finally:
            self._shutdown()

    def step(self) -> None:
        due = self._timers[0][0] - self.clock() if self._timers else None
        self.engine.poll(wait_ms(bool(self.calls or self.legs), due))
        events = self.engine.events
        while events:
            self._media(events.popleft())
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            self._from_core(item)
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            try:
                fn()
            except Exception:  # one call's bug must not take the others down
                log.exception("timer failed")
        if now >= self._next_check:
            self._next_check = now + 1.0
            self._check_rtp(now)

    def _check_rtp(self, now: float) -> None:
        """End legs whose RTP stopped for `rtp_timeout_s` (a phone gone without a BYE)."""
        limit = self.config.sip.rtp_timeout_s
        if limit <= 0:
            return
        for leg in list(self.legs):
            count = None if leg.gone else leg.rx_packets()
            seen = self._rx.get(leg)
            if count is None:
                self._rx.pop(leg, None)  # not flowing yet, on hold, or ended: start over later
            elif seen is None or seen[0] != count:
                self._rx[leg] = (count, now)
            elif now - seen[1] >= limit:
                self._rx.pop(leg, None)
                self.stats["dead_legs"] += 1
                log.warning("%s: no RTP on a %s leg for %.0f s", self.name, leg.role, limit)
                owner = leg.owner
                if owner is not None:
                    owner.on_dead_leg(leg)
                else:
                    self.engine.hangup(leg)

    def _media(self, e: Any) -> None:
        leg: Leg = e.leg
        try:
            if e.kind == "incoming":
                self._incoming(leg, e.data)
                return
            if e.kind == "state" and e.data[0] == DISCONNECTED:
                self.legs.discard(leg)
                self._rx.pop(leg, None)
            call: PhoneCall | None = leg.owner
            if call is None:
                return
            if e.kind == "state":
                call.on_state(leg, *e.data)
            elif e.kind == "media":
                call.on_media(leg)
            elif e.kind == "dtmf":
                call.on_digit(leg, e.data)
        except Exception:
            log.exception("media event %s failed", e.kind)

    def _incoming(self, leg: Leg, invite: tuple[str, str]) -> None:
        remote_uri, whole = invite
        self.legs.add(leg)
        self.stats["offered"] += 1
        refusal = screen_invite(whole, self.config.numbers) if whole else None
        if refusal is not None:
            self.stats["rejected"] += 1
            log.info("%s: INVITE from %s refused: %s %s", self.name, remote_uri, *refusal)
            self.engine.answer(leg, *refusal)
            return
        full = len(self.calls) >= self.config.callers_per_worker()
        if self.stop.is_set() or full or self.legs_in_use() + 2 > self.config.legs:
            self.stats["rejected"] += 1
            self.engine.answer(leg, 486)  # Kamailio (or the caller) tries elsewhere
            return
        call_id = uuid.uuid4().hex
        self.core.own(call_id)  # before the call's first request: the controller routes by it
        call = PhoneCall(self, call_id, leg, remote_uri)
        self.calls[call.id] = call
        self.stats["admitted"] += 1
        self._write_ledger()
        self.engine.answer(leg, 200)

    def _from_core(self, item: Any) -> None:
        try:
            if isinstance(item, CoreReply):
                call = self.calls.get(item.call_id)
                if call is not None:
                    call.on_reply(item.tag, item.status, item.body)
            elif isinstance(item, CoreFact):
                f = item.fact
                call = self.calls.get(f.get("contact_id") or "")
                if call is not None:
                    call.on_fact(f["kind"], f.get("agent_id"), f.get("data") or {})
                elif f.get("kind") == "contact.offered" and f.get("channel") == "callback":
                    self._callback_offered(f)
        except Exception:
            log.exception("core item failed: %r", item)

    def _callback_offered(self, fact: dict[str, Any]) -> None:
        """A callback task offered to an agent: dial it here if this gateway dials callbacks
        and the agent has a phone; otherwise the agent works it from the desk (by hand)."""
        task, agent = fact.get("contact_id") or "", fact.get("agent_id") or ""
        uri = self.config.phone_uri(agent) if agent else None
        if self.config.dial is None or uri is None or self.stop.is_set():
            self.core.forget(task)  # in a pool the controller handed it here: not ours
            return
        if len(self.calls) >= self.config.callers_per_worker():
            self.core.forget(task)
            body = {"agent_id": agent, "uri": uri, "reason": "gateway_full"}
            self.core.post(task, f"/api/voice/{task}/declined", body)
            return
        self.core.own(task)
        expires = (fact.get("data") or {}).get("expires_at")
        call = CallbackCall(self, task, agent, uri, expires)
        self.calls[task] = call  # type: ignore[assignment]
        self._write_ledger()
        call.start()

    def _shutdown(self) -> None:
        """Hang up, let BYEs out, drop every pjsua object, then destroy the library."""
        for call in list(self.calls.values()):
            call.drop_agent()
            getattr(call, "drop_control", lambda: None)()
            call.hang_up_caller()
        end = self.clock() + 2.0
        while (self.calls or self.legs) and self.clock() < end:
            self.step()
        self.calls.clear()
        self.legs.clear()
        self._timers.clear()
        self.engine.shutdown()
        self.core.close()


def setup_logging(name: str) -> None:
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise


def standalone(config_path: str | None, name: str = "w0") -> Worker:
    """A worker with its own link to the core (`workers: 1`): reads gateway.yaml itself."""
    from hotline.channels.sip.config import load_gateway_config
    from hotline.channels.sip.controller import worker_settings
    from hotline.channels.sip.core import CoreClient

    config = load_gateway_config(config_path)
    core = config.core

    def connect(inbox: queue.SimpleQueue) -> CoreLink:
        return CoreClient(core.url, core.username, core.secret(), inbox)

    return Worker(worker_settings(config), connect, name)


def pooled(settings: Path, link: str, name: str, port: int, rtp_port: int) -> Worker:
    """A pool worker: settings from the controller's file, the core only through its link."""
    worker: Worker

    def connect(inbox: queue.SimpleQueue) -> CoreLink:
        return LinkClient(link, inbox, name, on_lost=lambda: worker.stop.set())

    worker = Worker(WorkerSettings.load(settings), connect, name, port, rtp_port, ledger=False)
    return worker


def main(argv: list[str] | None = None) -> None:
    """Entry point of one worker process (also used by `hotline voice serve`)."""
    ap = argparse.ArgumentParser(description="hotline voice media worker")
    ap.add_argument("--config", default=None, help="gateway YAML (standalone worker)")
    ap.add_argument("--settings", default=None, help="pool worker: the controller's settings")
    ap.add_argument("--link", default=None, help="pool worker: the controller's Unix socket")
    ap.add_argument("--name", default="w0")
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--rtp-port", type=int, default=None)
    args = ap.parse_args(argv)
    setup_logging(args.name)
    if args.link:
        worker = pooled(Path(args.settings), args.link, args.name, args.port, args.rtp_port)
    else:
        worker = standalone(args.config, args.name)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop.set())
    try:
        line = f"READY {worker.name} {worker.port} pid={os.getpid()}"
        worker.run(ready=lambda: print(line, flush=True))
        code = 0
    except Exception:
        log.exception("worker failed")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # pjsua's atexit handlers may assert after libDestroy: skip them


if __name__ == "__main__":
    main()
