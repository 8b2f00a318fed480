"""`CenterService`: one center's router, persisted and published.

Every use case goes through `apply`: read the clock, let the router decide, write the facts and
the touched projections in ONE transaction, then publish the stored facts (with their sequence
numbers) to subscribers. The router is not thread-safe, so a lock makes this the single writer;
web handlers call in from worker threads.

Crash safety: facts are committed before the caller is answered. If the commit fails, the
router is rebuilt from the database, so memory never runs ahead of what is stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from hotline.config import config_from_dict, dump_config
from hotline.domain.models import CenterConfig
from hotline.domain.records import EventRecord
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev
from hotline.routing.invariants import reconcile, violations
from hotline.store import Store

log = logging.getLogger(__name__)
Subscriber = Callable[[list[EventRecord]], None]


class Unavailable(Exception):
    """The database refused a write; the request can be retried (HTTP 503)."""


class CenterService:
    """The live center: a `Router` fed by API calls and a timer, persisted in a `Store`."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        latest = store.latest_config()
        if latest is None:
            raise RuntimeError("no center configuration stored; run `hotline init` first")
        self.config_version, body = latest
        self.router = self._restored(config_from_dict(body, source="database"))

    # ------------------------------------------------------------------ start-up / repair
    def _restored(self, config: CenterConfig) -> Router:
        """A router rebuilt from the stored projections; its repairs are stored too."""
        router = Router(config)
        now = self.clock()
        out = router.restore(
            self.store.live_contacts(), self.store.agents(), now, self.store.max_contact_seq()
        )
        self.router = router
        self._persist(out)
        return router

    # ------------------------------------------------------------------ use cases
    def apply(self, event: ev.Event) -> list[EventRecord]:
        """Apply one event now; raises `RoutingError` (nothing changed) or `Unavailable`."""
        with self._lock:
            try:
                out = self.router.handle(event, self.clock())
            except RoutingError as exc:
                self._persist(getattr(exc, "outputs", []))
                raise
            return self._persist(out)

    def tick(self) -> list[EventRecord]:
        """Fire due deadlines (ring-no-answer, wrap-up end, overflow, callbacks due)."""
        with self._lock:
            return self._persist(self.router.tick(self.clock()))

    def next_deadline(self) -> float | None:
        with self._lock:
            return self.router.next_deadline()

    def reconcile(self) -> list[str]:
        """Check invariants; repair and report what was wrong (normally nothing)."""
        with self._lock:
            problems = violations(self.router)
            if problems:
                log.warning("reconciling router: %s", problems)
                self._persist(reconcile(self.router, self.clock()))
            return problems

    def reconfigure(self, config: CenterConfig, author: str) -> int:
        """Store and apply a new center configuration; refused if it strands a contact."""
        with self._lock:
            out = self.router.reconfigure(config, self.clock())
            self._persist(out)
            self.config_version = self.store.save_config(dump_config(config), author)
            return self.config_version

    def annotate(self, record: EventRecord) -> EventRecord:
        """Store a fact the router does not decide on (a note, a disposition) and publish it."""
        with self._lock:
            stored = self.store.append([record])
            for fn in list(self._subscribers):
                fn(stored)
            return stored[0]

    def read(self, fn: Callable[[Router], object]) -> object:
        """Run a read-only query against the router under the lock."""
        with self._lock:
            return fn(self.router)

    # ------------------------------------------------------------------ fan-out
    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Receive every stored batch of facts; returns the unsubscribe function."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn) if fn in self._subscribers else None

    def _persist(self, out: list[EventRecord]) -> list[EventRecord]:
        if not out:
            return []
        router = self.router
        touched_c = {r.contact_id for r in out if r.contact_id}
        touched_a = {r.agent_id for r in out if r.agent_id}
        contacts = router.pop_ended()
        contacts += [s for cid in touched_c if (s := router.contact(cid)) is not None]
        agents = [s for aid in touched_a if (s := router.agent(aid)) is not None]
        try:
            stored = self.store.append(out, contacts, agents)
        except Exception as exc:  # the database is the truth: rebuild memory from it
            log.exception("could not store %d facts; rebuilding from the database", len(out))
            try:
                self._restored(router.config)
            except Exception:  # still down; the next call retries
                log.exception("rebuild failed")
            raise Unavailable("the database did not accept the change; retry") from exc
        for fn in list(self._subscribers):
            try:
                fn(stored)
            except Exception:  # a broken subscriber must not break the center
                log.exception("subscriber failed")
        return stored
