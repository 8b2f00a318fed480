"""Typed commands for the router thread: what to do to the router, and what to answer.

A command runs in two steps. `run(router, now)` mutates the router (under the service's
memory lock, no I/O) and returns the facts to store plus a value; `answer(stored, value)`
builds the caller's result once those facts are committed. A `RoutingError` raised by `run`
is a refusal: nothing changed, but the deadline facts travelling on it are still stored and
the caller gets the refusal after that commit.
"""

from __future__ import annotations

import concurrent.futures
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hotline.domain.enums import ContactStatus
from hotline.domain.models import CenterConfig
from hotline.domain.records import EventRecord
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev
from hotline.routing.invariants import reconcile, violations


@dataclass
class Command(ABC):
    """Base: one unit of work for the router thread, answered through `future`."""

    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    #: a command that must commit alone (it does more I/O after its facts are stored)
    alone = False
    #: True when `run` touches the router (a rejected commit then leaves memory ahead)
    mutates = True

    @abstractmethod
    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        """Act on the router at `now`: the facts to store and the value to answer with."""

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return stored


@dataclass
class Apply(Command):
    event: ev.Event | None = None

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        return router.handle(self.event, now), None  # type: ignore[arg-type]


@dataclass
class Arrive(Command):
    """A contact arrives, with the notes that belong to the same use case (one commit).

    Idempotent by contact id: if the router already holds a contact with this id (a network
    retry of the same request, or two requests racing), nothing is stored and the answer is
    `False` - the caller compares the request with what exists. `True`: created now."""

    event: ev.ContactArrived | None = None
    notes: tuple[EventRecord, ...] = ()

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        assert self.event is not None
        if router.contact(self.event.contact_id) is not None:
            return [], False
        return router.handle(self.event, now) + list(self.notes), True

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return value


@dataclass
class Accept(Command):
    """An agent accepts an offer, decided on the router thread (no check-then-act).

    Idempotent: the phone picking up after the agent clicked "accept" (or a retried
    request) finds the contact already active with this agent, stores no second answer and
    is no error. `notes` (the voice bridge) commit with the accept."""

    agent_id: str = ""
    contact_id: str = ""
    notes: tuple[EventRecord, ...] = ()

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        snap = router.contact(self.contact_id)
        if snap is not None and snap.agent_id == self.agent_id and snap.status in _SERVED:
            return list(self.notes), False
        facts = router.handle(ev.OfferAccepted(self.agent_id, self.contact_id), now)
        return facts + list(self.notes), True


@dataclass
class Finish(Command):
    """The agent's side ended (the phone hung up): complete the contact if this agent still
    holds it, decided on the router thread, and store `notes` in the same commit.

    Answers False when the router refused the completion (nothing changed; the notes are
    stored anyway). A contact the agent no longer holds (completed on the desktop) is no
    error: only the notes are stored."""

    agent_id: str = ""
    contact_id: str = ""
    notes: tuple[EventRecord, ...] = ()
    reached: bool = True  # a callback whose customer never answered: False, with `result`
    result: str | None = None

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        snap = router.contact(self.contact_id)
        if snap is None or snap.agent_id != self.agent_id or snap.status not in _SERVED:
            return list(self.notes), True
        done = ev.ContactCompleted(
            self.agent_id, self.contact_id, reached=self.reached, result=self.result
        )
        try:
            facts = router.handle(done, now)
        except RoutingError as exc:
            return list(getattr(exc, "outputs", [])) + list(self.notes), False
        return facts + list(self.notes), True

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return value


_SERVED = (ContactStatus.ACTIVE, ContactStatus.HELD)


@dataclass
class Tick(Command):
    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        return router.tick(now), None


@dataclass
class Reconcile(Command):
    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        problems = violations(router)
        return (reconcile(router, now) if problems else []), problems

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return value


@dataclass
class Annotate(Command):
    """A fact the router does not decide on (a note, a voice fact): stored and published."""

    record: EventRecord | None = None
    mutates = False

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        return [self.record], None  # type: ignore[list-item]

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return stored[0]


@dataclass
class Reconfigure(Command):
    """Swap the configuration; `save` stores it after the facts commit (returns the version)."""

    config: CenterConfig | None = None
    save: Callable[[], int] | None = None
    alone = True

    def run(self, router: Router, now: float) -> tuple[list[EventRecord], Any]:
        return router.reconfigure(self.config, now), None  # type: ignore[arg-type]

    def answer(self, stored: list[EventRecord], value: Any) -> Any:
        return self.save()  # type: ignore[misc]
