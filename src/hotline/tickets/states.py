"""Work-order states and every legal move between them, in one table.

    new → assigned → in_progress ⇄ waiting → resolved → confirmed → closed
                                               ↘ reopened → assigned / in_progress …

`TRANSITIONS[state][action]` is the state an action leads to; anything not in the table is
refused with `IllegalMove`, whose `reason` says what is allowed instead. Actions that record a
fact without moving the order (link a contact, change priority, escalate, notify) are allowed
in every state but `closed` (a delivery may still be recorded on a closed order).
"""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"  # given to an agent or dispatched to an outside team, not yet accepted
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the customer (SLA paused) or on another department (not paused)
    RESOLVED = "resolved"  # result told to the customer, who is asked to confirm
    CONFIRMED = "confirmed"
    REOPENED = "reopened"  # the customer said "not solved"
    CLOSED = "closed"

    @property
    def open(self) -> bool:
        """True while someone still has to work on the order."""
        return self in _OPEN


_OPEN = frozenset(
    {
        OrderState.NEW,
        OrderState.ASSIGNED,
        OrderState.IN_PROGRESS,
        OrderState.WAITING,
        OrderState.REOPENED,
    }
)


class Action(StrEnum):
    ASSIGN = "assign"  # to an agent of the center
    DISPATCH = "dispatch"  # to an outside team (on-site desk, train crew, repair crew…)
    ACCEPT = "accept"  # the assignee / team starts work
    PROGRESS = "progress"  # a progress note
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    CONFIRM = "confirm"  # the customer confirms the result
    REOPEN = "reopen"  # the customer says it is not solved
    CLOSE = "close"  # no answer in N days, or a supervisor closes a confirmed order
    CANCEL = "cancel"  # duplicate / invalid, before work started
    # facts that do not move the order
    LINK = "link"
    PRIORITY = "priority"
    ESCALATE = "escalate"
    NOTIFY = "notify"


S, A = OrderState, Action
_HAND_OVER = {A.ASSIGN: S.ASSIGNED, A.DISPATCH: S.ASSIGNED}

TRANSITIONS: dict[OrderState, dict[Action, OrderState]] = {
    # An agent may resolve a new order on the spot (即时办结); an assigned order must be accepted.
    S.NEW: {**_HAND_OVER, A.ACCEPT: S.IN_PROGRESS, A.RESOLVE: S.RESOLVED, A.CANCEL: S.CLOSED},
    S.ASSIGNED: {**_HAND_OVER, A.ACCEPT: S.IN_PROGRESS, A.CANCEL: S.CLOSED},
    S.IN_PROGRESS: {
        **_HAND_OVER,
        A.PROGRESS: S.IN_PROGRESS,
        A.WAIT: S.WAITING,
        A.RESOLVE: S.RESOLVED,
    },
    S.WAITING: {
        **_HAND_OVER,
        A.PROGRESS: S.WAITING,
        A.RESUME: S.IN_PROGRESS,
        A.RESOLVE: S.RESOLVED,
    },
    S.RESOLVED: {A.CONFIRM: S.CONFIRMED, A.REOPEN: S.REOPENED, A.CLOSE: S.CLOSED},
    S.CONFIRMED: {A.CLOSE: S.CLOSED},
    S.REOPENED: {**_HAND_OVER, A.ACCEPT: S.IN_PROGRESS},
    S.CLOSED: {},
}

#: Actions that record a fact and keep the state.
FACTS = frozenset({A.LINK, A.PRIORITY, A.ESCALATE, A.NOTIFY})

#: The audit-trail event kind each action produces.
EVENT_KIND: dict[Action, str] = {
    A.ASSIGN: "order.assigned",
    A.DISPATCH: "order.dispatched",
    A.ACCEPT: "order.accepted",
    A.PROGRESS: "order.progress",
    A.WAIT: "order.waiting",
    A.RESUME: "order.resumed",
    A.RESOLVE: "order.resolved",
    A.CONFIRM: "order.confirmed",
    A.REOPEN: "order.reopened",
    A.CLOSE: "order.closed",
    A.CANCEL: "order.closed",
    A.LINK: "order.contact_linked",
    A.PRIORITY: "order.priority",
    A.ESCALATE: "order.escalated",
    A.NOTIFY: "order.notified",
}


class TicketError(Exception):
    """A refusal meant for the person who asked; `status` is the HTTP code it maps to."""

    status = 409

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IllegalMove(TicketError):
    """The action is not allowed in the order's current state (HTTP 409)."""


class InvalidOrder(TicketError):
    """The request itself is wrong: unknown category, missing field… (HTTP 422)."""

    status = 422


def allowed_from(action: Action) -> list[OrderState]:
    """The states in which `action` is legal, in lifecycle order."""
    if action in FACTS:
        return [s for s in OrderState if s is not S.CLOSED]
    return [s for s, moves in TRANSITIONS.items() if action in moves]


def next_state(state: OrderState, action: Action) -> OrderState:
    """Where `action` leads from `state`; raises `IllegalMove` with a readable reason."""
    if action in FACTS:
        if state is S.CLOSED and action is not A.NOTIFY:  # a delivery may be recorded late
            raise IllegalMove(f"the order is closed: cannot {action.value} it; open a new order")
        return state
    target = TRANSITIONS[state].get(action)
    if target is None:
        where = ", ".join(s.value for s in allowed_from(action))
        raise IllegalMove(
            f"cannot {action.value} an order that is {state.value}; "
            f"{action.value} is allowed only when it is {where}"
        )
    return target
