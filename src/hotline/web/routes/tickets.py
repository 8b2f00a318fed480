"""Work orders: create, follow and work them; the closed loop; SLA risk; KPIs; configuration.

Scope is checked per order by the service: agents see orders they own, work, or whose contacts
they handled; supervisors see all; an outside team sees only orders dispatched to it. Every
change is an event with who and when (`GET /api/tickets/{id}/events`); illegal moves answer
409 with the reason, e.g. "cannot resolve an order that is assigned; …".
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from hotline.services.tickets import Actor, NewOrder
from hotline.store.tickets import OrderFilter
from hotline.tickets import Action
from hotline.tickets.escalation import sla
from hotline.tickets.kpi import DEFINITIONS
from hotline.web.responses import errors
from hotline.web.routes.compliance import guard_identity
from hotline.web.routes.tickets_common import (
    AdminActor,
    AnyActor,
    CustomerAccess,
    StaffActor,
    SupervisorActor,
    Tickets,
    event_view,
    order_view,
    refusals,
)
from hotline.web.schemas import Finite

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=errors(404, 409))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderIn(Strict):
    category: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    customer: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    fields: dict[str, Any] = Field(default_factory=dict)
    priority: int | None = Field(default=None, ge=0, le=10)
    area: str | None = Field(default=None, max_length=64)
    confidential: bool = False
    team: str | None = Field(default=None, max_length=64)
    assign_to: str | None = Field(default=None, max_length=64)


class AssignIn(Strict):
    agent_id: str = Field(min_length=1, max_length=64)


class DispatchIn(Strict):
    team: str = Field(min_length=1, max_length=64)


class NoteIn(Strict):
    note: str = Field(min_length=1, max_length=4000)


class WaitIn(Strict):
    on: Literal["customer", "department"]
    note: str | None = Field(default=None, max_length=4000)


class ResolveIn(Strict):
    resolution: str = Field(min_length=1, max_length=4000)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class AnswerIn(Strict):
    solved: bool
    comment: str | None = Field(default=None, max_length=2000)


class PriorityIn(Strict):
    priority: int = Field(ge=0, le=10)
    reason: str = Field(default="supervisor", max_length=200)


class LinkIn(Strict):
    contact_id: str = Field(min_length=1, max_length=64)


def _view(tickets: Tickets, actor: Actor, order, access: CustomerAccess | None = None) -> dict:
    """The order for this caller; `customer_id` only if they may see the customer."""
    access = access or CustomerAccess(tickets, actor)
    return order_view(order, tickets.config(), tickets.clock(), actor, access.may_see)


@router.post("", status_code=201)
def create_order(body: OrderIn, tickets: Tickets, actor: AnyActor) -> dict[str, Any]:
    with refusals():
        order = tickets.create(actor, NewOrder(**body.model_dump()))
    return _view(tickets, actor, order)


@router.get("")
def list_orders(
    tickets: Tickets,
    actor: AnyActor,
    state: list[str] = Query(default=[]),
    category: str | None = None,
    team: str | None = None,
    customer_id: str | None = None,
    open: bool = False,
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    f = OrderFilter(
        states=tuple(state),
        category=category,
        team=team,
        customer_id=customer_id,
        open_only=open,
        limit=limit,
    )
    with refusals():
        orders = tickets.list(actor, f)
    access = CustomerAccess(tickets, actor)
    return [_view(tickets, actor, o, access) for o in orders]


@router.get("/at-risk")
def at_risk(tickets: Tickets, actor: SupervisorActor) -> list[dict[str, Any]]:
    """Open orders past the configured share of an SLA budget, worst first (wallboard)."""
    cfg, now = tickets.config(), tickets.clock()
    rows = []
    for o in tickets.list(actor, OrderFilter(open_only=True, limit=None)):
        status = sla(o, cfg, now)
        if status is not None and status.worst().fraction >= cfg.at_risk:
            rows.append((status.worst().fraction, o))
    rows.sort(key=lambda r: -r[0])
    access = CustomerAccess(tickets, actor)
    return [_view(tickets, actor, o, access) for _f, o in rows]


@router.get("/kpis")
def kpis(
    tickets: Tickets,
    _actor: SupervisorActor,
    start: Finite | None = Query(default=None, alias="from", description="epoch seconds"),
    end: Finite | None = Query(default=None, alias="to", description="epoch seconds"),
) -> dict[str, Any]:
    """Order KPIs for orders created in [from, to) (default: the last 24 h), with definitions."""
    now = tickets.clock()
    end = now if end is None else end
    start = end - 86400 if start is None else start
    total, per = tickets.kpis(start, end)
    return {
        "from": start,
        "to": end,
        **total.as_dict(),
        "by_category": {k: v.as_dict() for k, v in per.items()},
        "definitions": DEFINITIONS,
    }


@router.get("/config")
def get_config(tickets: Tickets, _actor: SupervisorActor) -> dict[str, Any]:
    return {"version": tickets.config_version(), "config": dict(tickets.config().body)}


@router.put("/config")
def put_config(body: dict[str, Any], tickets: Tickets, actor: AdminActor) -> dict[str, Any]:
    """Categories, SLA budgets, escalation rules… as data; 422 names the offending field."""
    with refusals():
        version = tickets.set_config(body, actor.username)
    return {"version": version}


@router.get("/{order_id}")
def get_order(order_id: str, tickets: Tickets, actor: AnyActor) -> dict[str, Any]:
    with refusals():
        return _view(tickets, actor, tickets.get(actor, order_id))


@router.get("/{order_id}/events")
def order_events(order_id: str, tickets: Tickets, actor: AnyActor) -> list[dict[str, Any]]:
    """The audit trail: every change with who and when."""
    with refusals():
        order = tickets.get(actor, order_id)
        events = tickets.events(actor, order_id)
    return [event_view(e, actor, order.confidential) for e in events]


@router.post("/{order_id}/reveal")
def reveal(order_id: str, tickets: Tickets, actor: AnyActor) -> dict[str, Any]:
    """The full customer identifier (to call them back); audited; never for a confidential
    order's outside team."""
    with refusals():
        order = tickets.get(actor, order_id)
    if actor.role == "channel" or (order.confidential and actor.team_scoped):
        raise HTTPException(403, "the customer's identity is confidential for this order")
    guard_identity(tickets.core, order.customer, actor.role)  # GB/T 33358 confidential caller
    tickets.core.audit(
        actor.username,
        "reveal_customer",
        f"order:{order_id}",
        {"role": actor.role},
        at=tickets.clock(),
    )
    return {"id": order_id, "customer": order.customer}


def _act(tickets: Tickets, actor: Actor, order_id: str, action: Action, **data: Any) -> dict:
    with refusals():
        order = tickets.act(actor, order_id, action, **data)
    return _view(tickets, actor, order)


@router.post("/{order_id}/assign")
def assign(order_id: str, body: AssignIn, tickets: Tickets, actor: StaffActor) -> dict:
    return _act(tickets, actor, order_id, Action.ASSIGN, agent_id=body.agent_id)


@router.post("/{order_id}/dispatch")
def dispatch(order_id: str, body: DispatchIn, tickets: Tickets, actor: StaffActor) -> dict:
    """Hand the order to an outside team (on-site desk, train crew, repair crew…)."""
    return _act(tickets, actor, order_id, Action.DISPATCH, team=body.team)


@router.post("/{order_id}/accept")
def accept(order_id: str, tickets: Tickets, actor: AnyActor) -> dict:
    return _act(tickets, actor, order_id, Action.ACCEPT)


@router.post("/{order_id}/progress")
def progress(order_id: str, body: NoteIn, tickets: Tickets, actor: AnyActor) -> dict:
    return _act(tickets, actor, order_id, Action.PROGRESS, note=body.note)


@router.post("/{order_id}/wait")
def wait(order_id: str, body: WaitIn, tickets: Tickets, actor: AnyActor) -> dict:
    """Waiting on the customer pauses the resolution clock; on a department it does not."""
    data = {"on": body.on, **({"note": body.note} if body.note else {})}
    return _act(tickets, actor, order_id, Action.WAIT, **data)


@router.post("/{order_id}/resume")
def resume(order_id: str, tickets: Tickets, actor: AnyActor) -> dict:
    return _act(tickets, actor, order_id, Action.RESUME)


@router.post("/{order_id}/resolve")
def resolve(order_id: str, body: ResolveIn, tickets: Tickets, actor: AnyActor) -> dict:
    """The customer is told the result and asked to confirm (closed loop)."""
    return _act(tickets, actor, order_id, Action.RESOLVE, resolution=body.resolution)


@router.post("/{order_id}/answer")
def customer_answer(order_id: str, body: AnswerIn, tickets: Tickets, actor: AnyActor) -> dict:
    """The customer's answer (SMS reply, IVR, call-back): solved closes, not solved reopens."""
    with refusals():
        order = tickets.customer_answer(actor, order_id, body.solved, body.comment)
    return _view(tickets, actor, order)


@router.post("/{order_id}/close")
def close(order_id: str, body: ReasonIn, tickets: Tickets, actor: SupervisorActor) -> dict:
    return _act(tickets, actor, order_id, Action.CLOSE, reason=body.reason)


@router.post("/{order_id}/cancel")
def cancel(order_id: str, body: ReasonIn, tickets: Tickets, actor: SupervisorActor) -> dict:
    return _act(tickets, actor, order_id, Action.CANCEL, reason=body.reason)


@router.post("/{order_id}/priority")
def priority(order_id: str, body: PriorityIn, tickets: Tickets, actor: SupervisorActor) -> dict:
    with refusals():
        current = tickets.get(actor, order_id).priority
    data = {"to": body.priority, "reason": body.reason, "from": current}
    return _act(tickets, actor, order_id, Action.PRIORITY, **data)


@router.post("/{order_id}/contacts")
def link_contact(order_id: str, body: LinkIn, tickets: Tickets, actor: StaffActor) -> dict:
    """The customer contacted us again about this order: link it (feeds escalation, 催办)."""
    with refusals():
        order = tickets.link_contact(actor, order_id, body.contact_id)
    return _view(tickets, actor, order)
