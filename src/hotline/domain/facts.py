"""Typed router facts: `Answered`, `Ended`, `Offered`, ... instead of `kind` strings and dicts.

The router's vocabulary (every `contact.*` and `agent.*` kind it emits, see `KINDS` in
`hotline.domain.records`) as frozen dataclasses, so adapters match on types and fields, and a
misspelt kind or data key is an error rather than a silent miss:

    match fact(record):
        case Answered(agent_id=agent):
            ...
        case Ended(outcome=Outcome.OVERFLOWED_OUT):
            ...

`fact(record)` reads a stored or published `EventRecord` (None for the facts the router does
not make: notes, `voice.*`, `chat.*`, ...); `Fact.record()` writes one, field for field, so
`fact(r).record() == r` for everything the router emits (tested over random event
sequences). This is the first step of the migration: the router still emits `EventRecord`s
and the store, KPIs and the stream still read them; adapters move to `fact()` one by one,
then the router emits these classes and the runtime serialises each once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from hotline.domain.enums import AgentState, Outcome
from hotline.domain.records import EventRecord


class FactError(ValueError):
    """A record of a router kind whose data does not match its typed fact."""


def _key(name: str, enum: type[Enum] | None = None, optional: bool = False) -> Any:
    """A data field: stored under `name`, as `enum`'s value, and (`optional`) only when set."""
    meta = {"key": name, "enum": enum, "optional": optional}
    return field(default=None, metadata=meta) if optional else field(metadata=meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """Base: the record's envelope. `seq` is the store's (0 until stored)."""

    KIND: ClassVar[str] = ""
    at: float
    contact_id: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    channel: str | None = None
    seq: int = 0

    def record(self) -> EventRecord:
        """The one serialised shape (store, KPIs, stream)."""
        data: dict[str, Any] = {}
        for f in _data_fields(type(self)):
            value = getattr(self, f.name)
            unset = value is None or value is False
            if f.metadata["optional"] and unset and not self._keeps(f.name):
                continue
            data[f.metadata["key"]] = value.value if isinstance(value, Enum) else value
        return EventRecord(
            self.at, self.KIND, self.contact_id, self.agent_id, self.queue, self.channel, data,
            self.seq,
        )  # fmt: skip

    def _keeps(self, name: str) -> bool:
        """Whether an optional field that is unset is still written (as None)."""
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Created(Fact):
    KIND = "contact.created"
    customer: str | None = _key("customer")
    priority: int = _key("priority")
    green: bool = _key("green")
    language: str | None = _key("language")
    intent: str | None = _key("intent")
    origin_id: str | None = _key("origin_id")  # the contact a callback task was made for
    region: str | None = _key("region", optional=True)
    asked_queue: str | None = _key("asked_queue", optional=True)  # before the region chose


@dataclass(frozen=True, slots=True, kw_only=True)
class Scheduled(Fact):
    KIND = "contact.scheduled"
    due_at: float | None = _key("due_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class Queued(Fact):
    KIND = "contact.queued"
    ewt_s: float | None = _key("ewt_s")
    position: int | None = _key("position")
    stage: int = _key("stage")
    requeued: bool = _key("requeued", optional=True)  # back in line after an offer failed


@dataclass(frozen=True, slots=True, kw_only=True)
class Offered(Fact):
    KIND = "contact.offered"
    expires_at: float = _key("expires_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferRevoked(Fact):
    KIND = "contact.offer_revoked"
    reason: str = _key("reason")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answered(Fact):
    KIND = "contact.answered"
    wait_s: float = _key("wait_s")
    first: bool = _key("first")


@dataclass(frozen=True, slots=True, kw_only=True)
class Held(Fact):
    KIND = "contact.held"


@dataclass(frozen=True, slots=True, kw_only=True)
class Resumed(Fact):
    KIND = "contact.resumed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transferred(Fact):
    KIND = "contact.transferred"
    from_agent: str = _key("from_agent")
    to_queue: str | None = _key("to_queue", optional=True)
    to_agent: str | None = _key("to_agent", optional=True)
    to_number: str | None = _key("to_number", optional=True)  # a blind transfer out
    consult: bool | None = _key("consult", optional=True)  # after a consult (warm transfer)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultStarted(Fact):
    KIND = "contact.consult_started"
    to_agent: str = _key("to_agent")
    to_queue: str | None = _key("to_queue")
    from_agent: str = _key("from_agent")
    expires_at: float = _key("expires_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultAnswered(Fact):
    KIND = "contact.consult_answered"
    to_agent: str = _key("to_agent")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultEnded(Fact):
    KIND = "contact.consult_ended"
    how: str = _key("how")
    by: str | None = _key("by", optional=True)
    to_agent: str = _key("to_agent")
    to_queue: str | None = _key("to_queue")
    consult_s: float = _key("consult_s")
    conference_s: float | None = _key("conference_s", optional=True)
    reason: str | None = _key("reason", optional=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Conference(Fact):
    KIND = "contact.conference"
    parties: list[str] = _key("parties")  # noqa: RUF009 (a field(), as the others)


@dataclass(frozen=True, slots=True, kw_only=True)
class Moved(Fact):
    KIND = "contact.moved"
    from_queue: str = _key("from_queue")
    to_queue: str = _key("to_queue")


@dataclass(frozen=True, slots=True, kw_only=True)
class Overflowed(Fact):
    KIND = "contact.overflowed"
    from_queue: str = _key("from_queue")
    to_queue: str | None = _key("to_queue", optional=True)
    to_center: str | None = _key("to_center", optional=True)
    rule: str = _key("rule")  # ewt, timeout or federation
    ewt_s: float | None = _key("ewt_s", optional=True)  # None: unknown; absent for federation

    def _keeps(self, name: str) -> bool:
        return name == "ewt_s" and self.rule != "federation"


@dataclass(frozen=True, slots=True, kw_only=True)
class Relaxed(Fact):
    KIND = "contact.relaxed"
    stage: int = _key("stage")
    min_level: int = _key("min_level")


@dataclass(frozen=True, slots=True, kw_only=True)
class GreenSwitched(Fact):
    KIND = "contact.green"
    on: bool = _key("on")


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackCreated(Fact):
    KIND = "contact.callback_created"
    callback_id: str = _key("callback_id")
    due_at: float | None = _key("due_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackAttempt(Fact):
    KIND = "contact.callback_attempt"
    reached: bool = _key("reached")
    attempt: int = _key("attempt")
    result: str | None = _key("result")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ended(Fact):
    KIND = "contact.ended"
    outcome: Outcome = _key("outcome", Outcome)  # noqa: RUF009 (a field(), as the others)
    wait_s: float = _key("wait_s")
    talk_s: float | None = _key("talk_s")
    by: str | None = _key("by", optional=True)  # who completed it: agent or customer
    to_number: str | None = _key("to_number", optional=True)  # ended by a transfer out


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(Fact):
    KIND = "agent.state"
    from_state: AgentState = _key("from", AgentState)  # noqa: RUF009 (a field(), as the others)
    to_state: AgentState = _key("to", AgentState)  # noqa: RUF009 (a field(), as the others)
    reason: str | None = _key("reason")


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneRegistration(Fact):
    KIND = "agent.phone"
    registered: bool = _key("registered")


FACTS: dict[str, type[Fact]] = {
    cls.KIND: cls
    for cls in (
        Created, Scheduled, Queued, Offered, OfferRevoked, Answered, Held, Resumed, Transferred,
        ConsultStarted, ConsultAnswered, ConsultEnded, Conference,
        Moved, Overflowed, Relaxed, GreenSwitched, CallbackCreated, CallbackAttempt, Ended,
        AgentStateChanged, PhoneRegistration,
    )
}  # fmt: skip
_ENVELOPE = frozenset(f.name for f in dataclasses.fields(Fact))


def _data_fields(cls: type[Fact]) -> tuple[dataclasses.Field, ...]:
    return _FIELDS[cls]


_FIELDS: dict[type[Fact], tuple[dataclasses.Field, ...]] = {
    cls: tuple(f for f in dataclasses.fields(cls) if f.name not in _ENVELOPE)
    for cls in FACTS.values()
}


def fact(record: EventRecord) -> Fact | None:
    """The typed fact of `record`; None for a kind the router does not emit (a note, a
    channel's fact). Raises `FactError` when a router kind carries unknown or missing data."""
    cls = FACTS.get(record.kind)
    if cls is None:
        return None
    data, values = record.data, {}
    for f in _data_fields(cls):
        key, enum = f.metadata["key"], f.metadata["enum"]
        if key not in data:
            if not f.metadata["optional"]:
                raise FactError(f"{record.kind}: data has no {key!r}")
            continue
        values[f.name] = (
            enum(data[key]) if enum is not None and data[key] is not None else data[key]
        )
    unknown = set(data) - {f.metadata["key"] for f in _data_fields(cls)}
    if unknown:
        raise FactError(f"{record.kind}: unknown data {sorted(unknown)}")
    return cls(
        at=record.at,
        contact_id=record.contact_id,
        agent_id=record.agent_id,
        queue=record.queue,
        channel=record.channel,
        seq=record.seq,
        **values,
    )
