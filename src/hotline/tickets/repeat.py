"""Repeat-contact detection: the same customer about the same topic within N days.

A contact's topic is its intent (declared in the IVR, predicted, or the agent's disposition),
else its queue. A repeat about an order still being worked is "the customer called again about
it", which feeds the escalation rules (催办).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hotline.tickets.order import Order
from hotline.tickets.states import OrderState

#: topics that mean "about something already under way", whatever its category
FOLLOW_UP_TOPICS = frozenset({None, "follow_up", "general"})


@dataclass(frozen=True, slots=True)
class PastContact:
    id: str
    at: float
    topic: str | None


@dataclass(frozen=True, slots=True)
class RepeatCheck:
    repeat: bool
    earlier: tuple[PastContact, ...]  # same-topic contacts within the window, newest first
    orders: tuple[Order, ...]  # the customer's live orders this contact is probably about
    window_s: float


def same_topic(
    history: Iterable[PastContact], at: float, topic: str | None, window_s: float
) -> list[PastContact]:
    """Earlier contacts within `window_s` before `at` on the same topic, newest first.

    An unknown topic (None) matches any earlier contact: the customer is coming back, and we
    cannot tell about what."""
    hits = [
        c
        for c in history
        if at - window_s <= c.at < at and (topic is None or c.topic is None or c.topic == topic)
    ]
    return sorted(hits, key=lambda c: c.at, reverse=True)


def live(order: Order) -> bool:
    """Still being worked, or resolved and awaiting the customer's confirmation."""
    return order.state.open or order.state is OrderState.RESOLVED


def orders_about(orders: Iterable[Order], topic: str | None) -> list[Order]:
    """The customer's live orders a contact on `topic` is about, most recent first."""
    mine = [o for o in orders if live(o)]
    if topic not in FOLLOW_UP_TOPICS:
        same = [o for o in mine if o.category == topic]
        mine = same or mine  # a topic with no matching order may still be about the open one
    return sorted(mine, key=lambda o: o.created_at, reverse=True)


def check(
    history: Sequence[PastContact],
    orders: Sequence[Order],
    at: float,
    topic: str | None,
    window_s: float,
) -> RepeatCheck:
    earlier = same_topic(history, at, topic, window_s)
    about = orders_about(orders, topic)
    return RepeatCheck(bool(earlier) or bool(about), tuple(earlier), tuple(about), window_s)
