"""`CenterService`: one center's router, persisted and published, driven by ONE router thread.

Every use case is a typed command (`runtime/commands.py`) put on a queue. The router thread
takes what is waiting, applies it in order, and writes the facts of the whole batch in one
transaction (group commit: under load many commands share one commit, idle it is one command
per commit and no added wait); then it publishes the stored facts and answers each caller
through a future. Callers on the event loop `await service.submit(event)`, threads call
`service.apply(event)`; nobody but the router thread touches the database for the router, so no
commit ever runs on the event loop and no lock is held across I/O. The only lock protects the
router's memory while a batch is applied (microseconds per command), so reads (`read`) can run
from any thread meanwhile; they may see a batch whose commit is in flight.

Crash safety: a caller is answered only after its facts are committed. Refusals (`RoutingError`)
change nothing; values the database would refuse are refused the same way, before the router
acts (`runtime/values.py`). If the database is unreachable, the batch's callers get
`Unavailable` and the router is rebuilt from the database (once; if that fails too, the next
command tries again - never recursively). A data error at commit (the values, not the
connection) is narrowed down per command and never rebuilds the router for the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hotline.config import config_from_dict, dump_config
from hotline.domain.models import CenterConfig
from hotline.domain.records import EventRecord
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev
from hotline.routing.errors import InvalidEvent
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.runtime.commands import Annotate, Apply, Command, Reconcile, Reconfigure, Tick
from hotline.runtime.values import check_event
from hotline.store import Rejected, Store, value_limits

log = logging.getLogger(__name__)
Subscriber = Callable[[list[EventRecord]], None]
#: told (what was decided, seconds) after each router command (see `observe_decisions`)
DecisionObserver = Callable[[str, float], None]


class Unavailable(Exception):
    """The database refused a write; the request can be retried (HTTP 503)."""


@dataclass
class Stats:
    """Counters of the router thread (benchmarks, soak, tests of group commit)."""

    commands: int = 0
    commits: int = 0
    max_batch: int = 0
    rebuilds: int = 0
    rejected: int = 0


@dataclass
class _Plan:
    cmd: Command
    facts: list[EventRecord]
    value: Any = None
    error: BaseException | None = None
    stored: list[EventRecord] = field(default_factory=list)


class CenterService:
    """The live center: a `Router` fed by commands on one thread, persisted in a `Store`.

    `timer=True` (the server) lets the router thread fire deadlines itself - ring-no-answer,
    wrap-up end, overflow, callbacks due - sleeping until the next one (at most `max_sleep`).
    Without it (tests, CLI) deadlines fire on the next command or an explicit `tick()`.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        *,
        timer: bool = False,
        max_sleep: float = 1.0,
        max_batch: int = 64,
    ) -> None:
        self.store = store
        self.clock = clock
        self.stats = Stats()
        self._lock = threading.RLock()  # the router's memory; never held across I/O
        self._subscribers: list[Subscriber] = []
        self._deciders: list[DecisionObserver] = []
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._held: Command | None = None  # taken off the queue, runs in the next batch
        self._limits = value_limits()
        self._timer, self._max_sleep, self._max_batch = timer, max_sleep, max_batch
        self._stale = False  # memory may be ahead of the database: rebuild before going on
        self._closed = False
        latest = store.latest_config()
        if latest is None:
            raise RuntimeError("no center configuration stored; run `hotline init` first")
        self.config_version, body = latest
        self.router = Router(config_from_dict(body, source="database"))
        self._rebuild()
        self._thread = threading.Thread(target=self._run, name="hotline-router", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ use cases (any thread)
    def apply(self, event: ev.Event) -> list[EventRecord]:
        """Apply one event now; raises `RoutingError` (nothing changed) or `Unavailable`.

        Blocks the calling thread until the facts are committed: from the event loop use
        `await submit(event)` instead."""
        return self._call(Apply(event=event))

    async def submit(self, event: ev.Event) -> list[EventRecord]:
        """`apply` for coroutines: the event loop keeps serving while the facts commit."""
        return await self._acall(Apply(event=event))

    def annotate(self, record: EventRecord) -> EventRecord:
        """Store a fact the router does not decide on (a note, a disposition) and publish it."""
        return self._call(Annotate(record=record))

    async def note(self, record: EventRecord) -> EventRecord:
        """`annotate` for coroutines."""
        return await self._acall(Annotate(record=record))

    def execute(self, cmd: Command) -> Any:
        """Run any typed command (`Arrive`, `Accept`, ...) and wait for its answer."""
        return self._call(cmd)

    async def send(self, cmd: Command) -> Any:
        """`execute` for coroutines."""
        return await self._acall(cmd)

    def tick(self) -> list[EventRecord]:
        """Fire due deadlines (ring-no-answer, wrap-up end, overflow, callbacks due)."""
        return self._call(Tick())

    def reconcile(self) -> list[str]:
        """Check invariants; repair and report what was wrong (normally nothing)."""
        return self._call(Reconcile())

    def reconfigure(self, config: CenterConfig, author: str) -> int:
        """Store and apply a new center configuration; refused if it strands a contact."""

        def save() -> int:
            self.config_version = self.store.save_config(dump_config(config), author)
            return self.config_version

        return self._call(Reconfigure(config=config, save=save))

    def read(self, fn: Callable[[Router], object]) -> object:
        """Run a read-only query against the router's memory (never waits for a commit)."""
        with self._lock:
            return fn(self.router)

    def next_deadline(self) -> float | None:
        with self._lock:
            return self.router.next_deadline()

    def observe_decisions(self, fn: DecisionObserver) -> None:
        """`fn(kind, seconds)` after each router command (`Apply` named by its event): the
        router's own work, without the commit or the wait in line (`/metrics` histogram)."""
        self._deciders.append(fn)

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Receive every stored batch of facts (on the router thread); returns unsubscribe."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn) if fn in self._subscribers else None

    def close(self) -> None:
        """Stop the router thread after the commands already queued."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _call(self, cmd: Command) -> Any:
        if threading.get_ident() == self._thread.ident:  # a subscriber calling back: inline
            self._execute([cmd])
        else:
            self._enqueue(cmd)
        return cmd.future.result()

    async def _acall(self, cmd: Command) -> Any:
        self._enqueue(cmd)
        return await asyncio.wrap_future(cmd.future)

    def _enqueue(self, cmd: Command) -> None:
        if self._closed:
            raise Unavailable("the center is shutting down; retry")
        self._queue.put(cmd)

    # ------------------------------------------------------------------ the router thread
    def _run(self) -> None:
        stop = False
        while not stop:
            cmd, self._held = self._held, None
            if cmd is None:
                try:
                    cmd = self._queue.get(timeout=self._sleep())
                except queue.Empty:
                    cmd = Tick()  # a deadline fell due
            if cmd is None:
                break
            batch = [cmd]
            while not cmd.alone and len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None or nxt.alone:
                    stop, self._held = nxt is None, nxt
                    break
                batch.append(nxt)
            try:
                self._execute(batch)
            except Exception:  # never let the router thread die; answer what is left
                log.exception("router thread: batch failed")
                self._fail([_Plan(c, []) for c in batch], None)
        left = [self._held] if self._held else []
        while True:
            try:
                left.append(self._queue.get_nowait())
            except queue.Empty:
                break
        self._fail([_Plan(c, []) for c in left if c is not None], None)

    def _sleep(self) -> float | None:
        if not self._timer:
            return None
        deadline = self.router.next_deadline()
        if deadline is None:
            return self._max_sleep
        return min(self._max_sleep, max(0.0, deadline - self.clock()))

    def _execute(self, batch: list[Command]) -> None:
        if self._stale:
            try:
                self._rebuild()
            except Exception as exc:  # still down: refuse this batch, the next one retries
                log.exception("rebuild failed")
                self._fail([_Plan(c, []) for c in batch], exc)
                return
        plans: list[_Plan] = []
        with self._lock:
            router = self.router
            for cmd in batch:
                plans.append(self._plan(router, cmd))
            ended = {s.id: s for s in router.pop_ended()}
        facts = [f for p in plans for f in p.facts]
        self.stats.commands += len(batch)
        self.stats.max_batch = max(self.stats.max_batch, len(batch))
        if facts or ended:
            contacts, agents = _snapshots(router, facts, ended)
            try:
                stored = self.store.append(facts, contacts, agents)
            except Rejected:
                self._narrow(router, plans, ended)
                return
            except Exception as exc:
                self._outage(plans, exc)
                return
            self.stats.commits += 1
            i = 0
            for p in plans:
                p.stored, i = stored[i : i + len(p.facts)], i + len(p.facts)
            self._publish(stored)
        self._answer(plans)

    def _plan(self, router: Router, cmd: Command) -> _Plan:
        try:
            if isinstance(cmd, Apply):
                check_event(cmd.event, self._limits)
            t = time.perf_counter()
            try:
                facts, value = cmd.run(router, self.clock())
            finally:  # refusals are decisions too; notes (Annotate) decide nothing
                if self._deciders and cmd.mutates:
                    self._decided(cmd, time.perf_counter() - t)
            return _Plan(cmd, list(facts), value)
        except RoutingError as exc:  # refused; the deadlines that fell due are still facts
            return _Plan(cmd, list(getattr(exc, "outputs", [])), error=exc)
        except Exception as exc:  # a bug: answer it, keep serving (reconcile repairs)
            log.exception("command %r failed", cmd)
            return _Plan(cmd, [], error=exc)

    def _decided(self, cmd: Command, seconds: float) -> None:
        kind = type(cmd.event if isinstance(cmd, Apply) else cmd).__name__
        for fn in self._deciders:
            try:
                fn(kind, seconds)
            except Exception:  # a metrics hook must never fail a routing command
                log.exception("decision observer failed")

    def _narrow(self, router: Router, plans: list[_Plan], ended: dict) -> None:
        """The batch's values were refused: commit command by command, so one bad value
        fails only its own caller. A refused note changed nothing; a refused router command
        left memory ahead (the value check missed it), so only then the router is rebuilt."""
        last = len(plans) - 1
        for i, p in enumerate(plans):
            rest = ended if i == last else {c: ended.pop(c) for c in _cids(p.facts) if c in ended}
            contacts, agents = _snapshots(router, p.facts, rest)
            try:
                p.stored = self.store.append(p.facts, contacts, agents)
            except Rejected as exc:
                self.stats.rejected += 1
                if p.cmd.mutates:
                    log.error("facts of %r refused by the database; rebuilding", p.cmd)
                    self._outage(plans[i:], exc)
                    self._answer(plans[:i])
                    return
                p.error = InvalidEvent(f"the database refused a value: {_first_line(exc)}")
                continue
            except Exception as exc:
                self._outage(plans[i:], exc)
                self._answer(plans[:i])
                return
            self.stats.commits += 1
            self._publish(p.stored)
        self._answer(plans)

    def _outage(self, plans: list[_Plan], exc: BaseException) -> None:
        """The commit failed for a reason other than the values: rebuild memory from the
        database (once, here; if that fails the next batch retries) and refuse the batch."""
        log.error(
            "could not store %d facts (%s); rebuilding from the database",
            sum(len(p.facts) for p in plans),
            _first_line(exc),
        )
        self._stale = True
        try:
            self._rebuild()
        except Exception:
            log.exception("rebuild failed; the next command retries")
        self._fail(plans, exc)

    def _rebuild(self) -> None:
        """A router rebuilt from the stored projections; its repairs are stored directly
        (never through `_execute`, so a failure here cannot recurse)."""
        router = Router(self.router.config)
        out = router.restore(
            self.store.live_contacts(),
            self.store.agents(),
            self.clock(),
            self.store.max_contact_seq(),
        )
        contacts, agents = _snapshots(router, out, {s.id: s for s in router.pop_ended()})
        stored = self.store.append(out, contacts, agents) if out else []
        with self._lock:
            self.router = router
        self._stale = False
        self.stats.rebuilds += 1
        self._publish(stored)

    # ------------------------------------------------------------------ answers and fan-out
    def _publish(self, stored: list[EventRecord]) -> None:
        if not stored:
            return
        for fn in list(self._subscribers):
            try:
                fn(stored)
            except Exception:  # a broken subscriber must not break the center
                log.exception("subscriber failed")

    @staticmethod
    def _answer(plans: list[_Plan]) -> None:
        for p in plans:
            if p.cmd.future.done():
                continue
            if p.error is not None:
                p.cmd.future.set_exception(p.error)
                continue
            try:
                p.cmd.future.set_result(p.cmd.answer(p.stored, p.value))
            except Exception as exc:
                p.cmd.future.set_exception(exc)

    @staticmethod
    def _fail(plans: list[_Plan], cause: BaseException | None) -> None:
        for p in plans:
            if not p.cmd.future.done():
                err = Unavailable("the database did not accept the change; retry")
                err.__cause__ = cause
                p.cmd.future.set_exception(err)


def _cids(facts: list[EventRecord]) -> set[str]:
    return {r.contact_id for r in facts if r.contact_id}


def _snapshots(
    router: Router, facts: list[EventRecord], ended: dict[str, ContactSnapshot]
) -> tuple[list[ContactSnapshot], list[AgentSnapshot]]:
    """Projections touched by `facts`: the contacts' and agents' current snapshots, plus
    the final snapshots of contacts that ended (no longer in the router)."""
    contacts = list(ended.values())
    contacts += [s for cid in _cids(facts) if cid not in ended and (s := router.contact(cid))]
    aids = {r.agent_id for r in facts if r.agent_id}
    agents = [s for aid in aids if (s := router.agent(aid)) is not None]
    return contacts, agents


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
