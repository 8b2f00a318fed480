"""The work order as a value folded from its audit trail (h11 style: events in, value out).

Every change is an `OrderEvent` with who (`actor`) and when (`at`); the current `Order` is
`fold(events)`. Nothing is ever overwritten: the store appends events and keeps the folded
value only as a projection for queries. `decide` checks a requested action against the state
table and returns the events it produces; `apply` folds one event. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hotline.tickets.states import (
    EVENT_KIND,
    Action,
    InvalidOrder,
    OrderState,
    next_state,
)

PRIORITY_MIN, PRIORITY_MAX = 0, 10
WAIT_ON = ("customer", "department")
Pause = tuple[float, float | None]  # [start, end); end None = still paused


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One audit-trail line. `version` numbers an order's events 1, 2, 3…; `seq` is global."""

    order_id: str
    version: int
    at: float
    kind: str
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    category: str
    state: OrderState
    priority: int
    title: str
    created_at: float
    created_by: str
    origin: str = "api"  # "contact" (an agent), "api", "auto" (e.g. a callback that failed 3 times)
    description: str = ""
    customer: str | None = None  # the identifier the customer used (phone, open id…)
    customer_id: str | None = None  # the customer profile, when known
    area: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    confidential: bool = False  # GB/T 33358: hide the caller from the handling department
    owner: str | None = None  # the agent who took the request and follows the closed loop
    assignee: str | None = None  # agent working it
    team: str | None = None  # outside team working it
    contact_ids: tuple[str, ...] = ()
    first_action_at: float | None = None
    resolved_at: float | None = None
    resolution: str | None = None
    confirm_due: float | None = None
    closed_at: float | None = None
    close_reason: str | None = None
    waiting_on: str | None = None
    pauses: tuple[Pause, ...] = ()  # SLA resolution clock stopped (customer, or confirmation)
    reopened: int = 0
    repeat_contacts: int = 0
    escalations: int = 0
    expedited: bool = False
    fired: frozenset[str] = frozenset()  # escalation keys already fired (a rule fires once)
    updated_at: float = 0.0
    version: int = 0

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None


def created(order_id: str, at: float, actor: str, **data: Any) -> OrderEvent:
    """The first event of an order; `data` holds the `Order` fields given at creation."""
    if not data.get("category") or not data.get("title"):
        raise InvalidOrder("category and title are required")
    return OrderEvent(order_id, 1, at, "order.created", actor, data)


def decide(order: Order, action: Action, at: float, actor: str, **data: Any) -> list[OrderEvent]:
    """The events `action` produces on `order`; raises `IllegalMove`/`InvalidOrder` if refused.

    Confirming also closes the order (the loop is complete); the reason is `confirmed`.
    """
    next_state(order.state, action)  # refuses before anything else
    _validate(order, action, data)
    version = order.version + 1
    events = [OrderEvent(order.id, version, at, EVENT_KIND[action], actor, data)]
    if action is Action.CONFIRM:
        events.append(
            OrderEvent(order.id, version + 1, at, "order.closed", actor, {"reason": "confirmed"})
        )
    return events


def _validate(order: Order, action: Action, data: Mapping[str, Any]) -> None:
    if action is Action.ASSIGN and not data.get("agent_id"):
        raise InvalidOrder("agent_id: required to assign an order")
    if action is Action.DISPATCH and not data.get("team"):
        raise InvalidOrder("team: required to dispatch an order")
    if action is Action.WAIT and data.get("on") not in WAIT_ON:
        raise InvalidOrder(f"on: must be one of {', '.join(WAIT_ON)}")
    if action is Action.RESOLVE and not data.get("resolution"):
        raise InvalidOrder("resolution: tell the customer what was done")
    if action in (Action.PROGRESS,) and not data.get("note"):
        raise InvalidOrder("note: required")
    if action is Action.PRIORITY:
        to = data.get("to")
        if not isinstance(to, int) or not PRIORITY_MIN <= to <= PRIORITY_MAX:
            raise InvalidOrder(f"priority: must be {PRIORITY_MIN}..{PRIORITY_MAX}")
    if action is Action.LINK and not data.get("contact_id"):
        raise InvalidOrder("contact_id: required")
    if action is Action.LINK and data["contact_id"] in order.contact_ids:
        raise InvalidOrder(f"contact {data['contact_id']} is already linked to this order")


# -- folding ---------------------------------------------------------------------------------

_CREATE_FIELDS = (
    "category",
    "title",
    "origin",
    "description",
    "customer",
    "customer_id",
    "area",
    "confidential",
    "owner",
)


def _end_pause(pauses: tuple[Pause, ...], at: float) -> tuple[Pause, ...]:
    if pauses and pauses[-1][1] is None:
        return (*pauses[:-1], (pauses[-1][0], at))
    return pauses


def _first_action(o: Order, at: float) -> float:
    return o.first_action_at if o.first_action_at is not None else at


def apply(order: Order | None, e: OrderEvent) -> Order:
    """Fold one event into the order (the first event must be `order.created`)."""
    d = e.data
    if order is None:
        if e.kind != "order.created":
            raise ValueError(f"order {e.order_id}: first event is {e.kind}, not order.created")
        o = Order(
            id=e.order_id,
            state=OrderState.NEW,
            priority=int(d.get("priority", 0)),
            created_at=e.at,
            created_by=e.actor,
            fields=dict(d.get("fields") or {}),
            contact_ids=tuple(d.get("contact_ids") or ()),
            **{k: d[k] for k in _CREATE_FIELDS if k in d},
        )
        return replace(o, updated_at=e.at, version=e.version)
    o = _apply_kind(order, e)
    return replace(o, updated_at=e.at, version=e.version)


def _apply_kind(o: Order, e: OrderEvent) -> Order:
    d, at, k = e.data, e.at, e.kind
    S = OrderState
    if k == "order.assigned":
        return replace(o, state=S.ASSIGNED, assignee=d["agent_id"], team=None)
    if k == "order.dispatched":
        return replace(o, state=S.ASSIGNED, team=d["team"], assignee=None)
    if k == "order.accepted":
        return replace(o, state=S.IN_PROGRESS, first_action_at=_first_action(o, at))
    if k == "order.progress":
        return replace(o, first_action_at=_first_action(o, at))
    if k == "order.waiting":
        pauses = (*o.pauses, (at, None)) if d["on"] == "customer" else o.pauses
        return replace(
            o,
            state=S.WAITING,
            waiting_on=d["on"],
            pauses=pauses,
            first_action_at=_first_action(o, at),
        )
    if k == "order.resumed":
        return replace(o, state=S.IN_PROGRESS, waiting_on=None, pauses=_end_pause(o.pauses, at))
    if k == "order.resolved":
        return replace(
            o,
            state=S.RESOLVED,
            waiting_on=None,
            pauses=_end_pause(o.pauses, at),
            resolved_at=at,
            resolution=d["resolution"],
            confirm_due=d.get("confirm_due"),
            first_action_at=_first_action(o, at),
        )
    if k == "order.confirmed":
        return replace(o, state=S.CONFIRMED, confirm_due=None)
    if k == "order.reopened":
        # The time the customer held the result does not count against the center.
        pauses = o.pauses + (((o.resolved_at, at),) if o.resolved_at is not None else ())
        return replace(
            o,
            state=S.REOPENED,
            reopened=o.reopened + 1,
            resolved_at=None,
            resolution=None,
            confirm_due=None,
            pauses=pauses,
        )
    if k == "order.closed":
        return replace(
            o,
            state=S.CLOSED,
            closed_at=at,
            close_reason=d.get("reason"),
            confirm_due=None,
            pauses=_end_pause(o.pauses, at),
        )
    if k == "order.contact_linked":
        return replace(
            o,
            contact_ids=(*o.contact_ids, d["contact_id"]),
            repeat_contacts=o.repeat_contacts + (1 if d.get("repeat") else 0),
        )
    if k == "order.priority":
        return replace(o, priority=int(d["to"]))
    if k == "order.escalated":
        return replace(
            o,
            escalations=o.escalations + 1,
            fired=o.fired | {d["key"]},
            expedited=o.expedited or bool(d.get("expedite")),
        )
    if k == "order.notified":
        return o
    raise ValueError(f"unknown order event kind {k!r}")


def fold(events: Iterable[OrderEvent]) -> Order:
    """The order after all its events, in version order."""
    order: Order | None = None
    for e in events:
        order = apply(order, e)
    if order is None:
        raise ValueError("no events to fold")
    return order
