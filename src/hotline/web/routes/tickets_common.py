"""Shared by the work-order routers: the service, the caller as an `Actor`, refusals → HTTP,
masked views, and the periodic check the server runs.

The `TicketService` is built on first use from the running `CenterService` (its store, its
clock, and `annotate` to publish order facts on the live stream), so the routers work as soon
as they are included; `tickets_loop(app)` adds the once-a-minute check (SLA escalations,
closing unanswered resolved orders, repeat contacts, retraining the intent model).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request

from hotline.notify import notifier_from_env
from hotline.services.federation_orders import FederationNotifier, home_center
from hotline.services.tickets import Actor, TicketService
from hotline.store import DuplicateError, NotFoundError, User
from hotline.tickets import TicketError, TicketsConfig, TicketsConfigError
from hotline.tickets.escalation import sla
from hotline.tickets.order import Order, OrderEvent
from hotline.tickets.records import CustomerRecord
from hotline.tickets.sla import SlaClock
from hotline.web.deps import require
from hotline.web.security import mask

log = logging.getLogger(__name__)
_build_lock = threading.Lock()

TEAM_ROLE = "team"
#: who may use the work-order API at all (scope is checked per order by the service)
ORDER_ROLES = ("agent", "supervisor", "admin", "channel", TEAM_ROLE)


def get_tickets(request: Request) -> TicketService:
    app = request.app
    svc = getattr(app.state, "tickets", None)
    if svc is None:
        with _build_lock:
            svc = getattr(app.state, "tickets", None)
            if svc is None:
                svc = build_tickets(app)
    return svc


def build_tickets(app: FastAPI) -> TicketService:
    center = app.state.service
    notifier = FederationNotifier(
        notifier_from_env(), lambda: getattr(app.state, "federation", None)
    )
    svc = TicketService(
        center.store,
        notifier,
        clock=center.clock,
        publish=center.annotate,
        home_of=lambda cid: home_center(center.store, cid, center.router.config.name),
    )
    app.state.tickets = svc
    return svc


Tickets = Annotated[TicketService, Depends(get_tickets)]


def actor_with(*roles: str):
    """The caller as an Actor, admitted only with one of `roles`."""

    checker = require(*roles)

    def dep(user: User = Depends(checker), tickets: TicketService = Depends(get_tickets)) -> Actor:
        return tickets.actor_for(user.username, user.role, user.agent_id)

    return dep


AnyActor = Annotated[Actor, Depends(actor_with(*ORDER_ROLES))]
StaffActor = Annotated[Actor, Depends(actor_with("agent", "supervisor", "admin"))]
SupervisorActor = Annotated[Actor, Depends(actor_with("supervisor", "admin"))]
ChannelActor = Annotated[Actor, Depends(actor_with("channel", "supervisor", "admin"))]
AdminActor = Annotated[Actor, Depends(actor_with("admin"))]


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Domain refusals become HTTP answers with the reason as `detail`."""
    try:
        yield
    except TicketError as exc:
        raise HTTPException(exc.status, exc.reason) from None
    except TicketsConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None


# -- who may see which customer --------------------------------------------------------------


class CustomerAccess:
    """The customer rule for one caller (see `hotline.web.routes.customers`): supervisors and
    admins see every customer; an agent only a customer one of whose contacts was routed to
    them. Answers are memoised for the request, so a list of orders costs one query per
    distinct customer."""

    def __init__(self, tickets: TicketService, actor: Actor) -> None:
        self.tickets, self.actor = tickets, actor
        self._seen: dict[str, bool] = {}

    def may_see_record(self, rec: CustomerRecord) -> bool:
        if self.actor.supervisor:
            return True
        if self.actor.role != "agent" or not self.actor.agent_id or self.actor.team_scoped:
            return False
        if rec.id not in self._seen:
            self._seen[rec.id] = self.tickets.repo.agent_served(rec.values, self.actor.agent_id)
        return self._seen[rec.id]

    def may_see(self, customer_id: str) -> bool:
        if self.actor.supervisor:
            return True
        if customer_id not in self._seen:
            rec = self.tickets.repo.customer(customer_id)
            self._seen[customer_id] = rec is not None and self.may_see_record(rec)
        return self._seen[customer_id]


# -- views ---------------------------------------------------------------------------------


def clock_view(c: SlaClock) -> dict[str, Any]:
    return {
        "budget_s": c.budget_s,
        "consumed_s": round(c.consumed_s, 3),
        "fraction": round(c.fraction, 4),
        "due_at": c.due_at,
        "done_at": c.done_at,
        "paused": c.paused,
        "breached": c.breached,
    }


def order_view(
    o: Order,
    cfg: TicketsConfig,
    now: float,
    actor: Actor,
    customer_visible: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """An order as `actor` may see it: the customer masked, hidden from outside teams on a
    confidential order (GB/T 33358). `customer_id` (the key to the customer's profile) only
    for callers who may see that customer: an agent may type any number into an order, and
    the id must not tell them it is a customer (`customer_visible`, e.g.
    `CustomerAccess.may_see`; without it agents get none)."""
    hide = o.confidential and actor.team_scoped
    if o.customer_id is None or actor.team_scoped:
        show_customer = False
    elif actor.supervisor or actor.role == "channel":
        show_customer = True
    else:
        show_customer = customer_visible is not None and customer_visible(o.customer_id)
    status = sla(o, cfg, now)
    cat = cfg.categories.get(o.category)
    view: dict[str, Any] = {
        "id": o.id,
        "category": o.category,
        "category_name": cat.name if cat else o.category,
        "state": o.state.value,
        "priority": o.priority,
        "expedited": o.expedited,
        "title": o.title,
        "description": o.description,
        "customer": None if hide else mask(o.customer),
        "customer_id": o.customer_id if show_customer else None,
        "area": o.area,
        "fields": dict(o.fields),
        "confidential": o.confidential,
        "origin": o.origin,
        "owner": o.owner,
        "assignee": o.assignee,
        "team": o.team,
        "contact_ids": [] if actor.team_scoped else list(o.contact_ids),
        "created_at": o.created_at,
        "created_by": o.created_by,
        "updated_at": o.updated_at,
        "first_action_at": o.first_action_at,
        "waiting_on": o.waiting_on,
        "resolved_at": o.resolved_at,
        "resolution": o.resolution,
        "confirm_due": o.confirm_due,
        "closed_at": o.closed_at,
        "close_reason": o.close_reason,
        "reopened": o.reopened,
        "repeat_contacts": o.repeat_contacts,
        "escalations": o.escalations,
        "version": o.version,
        "sla": None,
    }
    if status is not None:
        worst = status.worst()
        view["sla"] = {
            "first_action": clock_view(status.first_action),
            "resolution": clock_view(status.resolution),
            "at_risk": o.state.open and worst.fraction >= cfg.at_risk,
            "worst": worst.name,
        }
    return view


def event_view(e: OrderEvent, actor: Actor, confidential: bool) -> dict[str, Any]:
    data = dict(e.data)
    if "customer" in data:
        data["customer"] = None if (confidential and actor.team_scoped) else mask(data["customer"])
    return {
        "seq": e.seq,
        "version": e.version,
        "at": e.at,
        "kind": e.kind,
        "actor": e.actor,
        "data": data,
    }


def customer_view(c: CustomerRecord) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "language": c.language,
        "area": c.area,
        "tags": list(c.tags),
        "identifiers": [{"kind": k, "value": mask(v)} for k, v in c.identifiers],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


# -- the periodic check ----------------------------------------------------------------------


async def tickets_loop(app: FastAPI, every_s: float = 60.0) -> None:
    """Run `TicketService.tick` every `every_s` seconds in a worker thread, forever."""
    while True:
        await asyncio.sleep(every_s)
        try:
            svc = getattr(app.state, "tickets", None) or build_tickets(app)
            report = await asyncio.to_thread(svc.tick)
            if report.escalated or report.closed or report.linked or report.auto_created:
                log.info("work orders: %s", report)
        except Exception:  # keep the server running; logged and retried next minute
            log.exception("work-order check failed")
