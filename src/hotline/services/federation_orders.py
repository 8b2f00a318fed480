"""Work orders go home: an order taken for a peer's caller belongs to the caller's center.

When center B answers a contact that center A overflowed to it (12306 interconnection) and its
agent opens a work order, the customer, the follow-up and the closed loop are A's: the order is
sent to A, which opens the same order there, linked to A's copy of the contact. B keeps its
order, and its audit trail records the hand-over (`order.notified` to `center:A`, with A's
order id), so either side can find the other's.

The hand-over rides the work-order outbox: the message is committed with B's order, sent after
the commit, and kept for a later round while A cannot be reached (`RetryLater`), so a crash or
a peer outage never loses it. A's side is idempotent by B's order id (the id A gives the order
is derived from it), because the outbox delivers at least once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hotline.notify import Delivery, Notification, Notifier, RetryLater
from hotline.services.federation_wire import PeerUnreachable
from hotline.services.tickets_values import Actor, NewOrder

if TYPE_CHECKING:  # pragma: no cover
    from hotline.services.federation import Federation
    from hotline.services.tickets import TicketService
    from hotline.store import Store
    from hotline.tickets.order import Order

CENTER = "center:"
DOWN_FOR_S = 10.0
ORDERS_PATH = "/api/federation/orders"


def home_center(store: Store, contact_id: str, own: str) -> str | None:
    """The peer center `contact_id` was handed over from, or None for our own callers."""
    for r in store.events_for_contact(contact_id):
        if r.kind == "federation.transferred_in":
            home = r.data.get("home_center") or r.data.get("from_center")
            return home if home and home != own else None
    return None


def home_order_id(from_center: str, order_id: str) -> str:
    """The id the home center gives a peer's order: the same for every retry of it."""
    return "f" + hashlib.sha256(f"{from_center}\0{order_id}".encode()).hexdigest()[:15]


class FederationNotifier:
    """Sends `center:<peer>` messages to that peer's order API; everything else to `inner`."""

    def __init__(
        self,
        inner: Notifier,
        federation: Callable[[], Federation | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self._federation = federation
        self._clock = clock
        #: a peer that just failed is not tried again for a while: a round with many orders
        #: for a dead peer must not wait out one timeout per order
        self._down_until: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # e.g. LogNotifier.sent

    def send(self, message: Notification) -> Delivery:
        if not message.to.startswith(CENTER):
            return self.inner.send(message)
        fed = self._federation()
        if fed is None:
            raise RetryLater("federation is starting")
        peer = message.to.removeprefix(CENTER)
        if fed.config.peer(peer) is None:
            return Delivery(False, "federation", f"{peer} is not a configured peer")
        if self._down_until.get(peer, 0.0) > self._clock():
            raise RetryLater(f"{peer} failed a moment ago")
        body = {"from_center": fed.name, **message.data["order"]}
        try:
            ans = fed.client(peer).post(ORDERS_PATH, body)
        except PeerUnreachable as exc:
            self._down_until[peer] = self._clock() + DOWN_FOR_S
            raise RetryLater(str(exc)) from exc
        if ans.status >= 500 or ans.status in (408, 429):
            self._down_until[peer] = self._clock() + DOWN_FOR_S
            raise RetryLater(f"{peer}: {ans.status} {ans.reason}")
        if ans.status >= 300:  # refused for good (e.g. a category the home center lacks)
            return Delivery(False, "federation", f"{ans.status} {ans.reason}"[:300])
        return Delivery(True, "federation", str(ans.body.get("id")))


def receive_order(tickets: TicketService, body: dict[str, Any], login: str) -> Order:
    """Open a peer's order for one of our callers (the caller checked as our peer first)."""
    contact = body.get("contact_id")
    known = contact if contact and tickets.repo.contact(contact) is not None else None
    fields = dict(body.get("fields") or {})
    fields.setdefault("peer_center", body["from_center"])
    fields.setdefault("peer_order_id", body["order_id"])
    new = NewOrder(
        id=home_order_id(body["from_center"], body["order_id"]),
        category=body["category"],
        title=body["title"],
        description=body.get("description") or "",
        customer=body.get("customer"),
        contact_id=known,
        fields=fields,
        priority=body.get("priority"),
        confidential=bool(body.get("confidential")),
        origin="federation",
    )
    return tickets.create(Actor(login, "channel"), new)
