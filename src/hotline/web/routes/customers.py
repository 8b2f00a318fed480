"""Customer profiles, the incoming-contact portrait (predicted intent, repeat flag), intent model.

Identifiers are always masked here (138****5678). Agents read a profile through a contact
routed to them (`/portrait/{contact_id}`) or when they handled one of its contacts or orders;
channel adapters may look a caller up to set the contact's priority on arrival.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hotline.services.tickets import Actor
from hotline.services.tickets_people import Profile
from hotline.tickets.records import priority_hint
from hotline.web.responses import errors
from hotline.web.routes.tickets_common import (
    ChannelActor,
    StaffActor,
    SupervisorActor,
    Tickets,
    customer_view,
    order_view,
    refusals,
)
from hotline.web.routes.views import contact_view

router = APIRouter(prefix="/api/customers", tags=["customers"], responses=errors(404, 409))
Kind = Literal["phone", "account", "id_card", "wechat"]


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    value: str = Field(min_length=1, max_length=255)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifiers: list[IdentifierIn] = Field(min_length=1)
    name: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=16)
    area: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list)


class CustomerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=16)
    area: str | None = Field(default=None, max_length=64)
    tags: list[str] | None = None


def _profile_view(tickets: Tickets, actor: Actor, p: Profile) -> dict[str, Any]:
    cfg, now = tickets.config(), tickets.clock()
    s = p.satisfaction
    return {
        "customer": customer_view(p.customer) if p.customer else None,
        "priority_hint": priority_hint(p.customer.tags) if p.customer else 0,
        "contacts": [contact_view(c, now) for c in p.contacts],
        "orders": [order_view(o, cfg, now, actor) for o in p.orders],
        "open_orders": sum(1 for o in p.orders if o.state.open),
        "satisfaction": {
            "offered": s.requested,
            "replies": s.replies,
            "response_rate": s.response_rate,
            "satisfied_rate": s.satisfied_rate,
            "unsatisfied_rate": s.unsatisfied_rate,
            "history": [
                {
                    "contact_id": x.contact_id,
                    "at": x.answered_at,
                    "rating": x.rating,
                    "score": x.score,
                    "agent_id": x.agent_id,
                }
                for x in p.surveys
                if x.rating
            ],
        },
    }


def _may_read(tickets: Tickets, actor: Actor, p: Profile) -> None:
    if actor.supervisor:
        return
    if actor.agent_id and (
        any(c.agent_id == actor.agent_id for c in p.contacts)
        or any(tickets.can_see(actor, o) for o in p.orders)
    ):
        return
    raise HTTPException(403, "agents read profiles of customers they served")


@router.post("", status_code=201)
def create_customer(body: CustomerIn, tickets: Tickets, _actor: StaffActor) -> dict[str, Any]:
    with refusals():
        rec = tickets.create_customer(
            [(i.kind, i.value) for i in body.identifiers],
            name=body.name,
            language=body.language,
            area=body.area,
            tags=body.tags,
        )
    return customer_view(rec)


@router.get("/lookup")
def lookup(identifier: str, tickets: Tickets, _actor: ChannelActor) -> dict[str, Any]:
    """For channel adapters on arrival: tags, language and the priority to give the contact."""
    rec = tickets.repo.customer_by_identifier(identifier)
    if rec is None:
        return {"known": False, "priority_hint": 0, "tags": [], "language": None}
    return {
        "known": True,
        "customer_id": rec.id,
        "tags": list(rec.tags),
        "language": rec.language,
        "priority_hint": priority_hint(rec.tags),
    }


@router.get("/portrait/{contact_id}")
def portrait(contact_id: str, tickets: Tickets, actor: StaffActor) -> dict[str, Any]:
    """Who is calling and why probably, before they speak: profile, predicted intent (rules,
    then the model), and whether this is a repeat contact (same topic within N days)."""
    contact = tickets.repo.contact(contact_id)
    if contact is None:
        raise HTTPException(404, f"no contact {contact_id!r}")
    if not actor.supervisor and contact.agent_id != actor.agent_id:
        raise HTTPException(403, "agents see the portrait of their own contacts")
    with refusals():
        p = tickets.portrait(contact)
    cfg, now = tickets.config(), tickets.clock()
    return {
        "contact": contact_view(contact, now),
        **_profile_view(tickets, actor, p.profile),
        "intent": dataclasses.asdict(p.prediction),
        "repeat": {
            "repeat": p.repeat.repeat,
            "window_days": p.repeat.window_s / 86400,
            "earlier_contacts": [c.id for c in p.repeat.earlier],
            "about_orders": [order_view(o, cfg, now, actor) for o in p.repeat.orders],
        },
    }


@router.get("/intent/evaluation")
def intent_evaluation(tickets: Tickets, _actor: SupervisorActor) -> dict[str, Any]:
    ev = tickets.evaluation
    if ev is None:
        return {"trained": False}
    return {"trained": True, **dataclasses.asdict(ev), "method": ev.describe()}


@router.post("/intent/train")
def intent_train(tickets: Tickets, _actor: SupervisorActor) -> dict[str, Any]:
    """Retrain on the last 180 days now (the periodic check retrains daily)."""
    ev = tickets.train()
    if ev is None:
        return {"trained": False, "reason": "fewer than 200 labelled contacts"}
    return {"trained": True, **dataclasses.asdict(ev), "method": ev.describe()}


@router.get("/{customer_id}")
def get_customer(customer_id: str, tickets: Tickets, actor: StaffActor) -> dict[str, Any]:
    p = tickets.profile(customer_id=customer_id)
    if p.customer is None:
        raise HTTPException(404, f"no customer {customer_id!r}")
    _may_read(tickets, actor, p)
    return _profile_view(tickets, actor, p)


@router.patch("/{customer_id}")
def patch_customer(
    customer_id: str, body: CustomerPatch, tickets: Tickets, actor: StaffActor
) -> dict[str, Any]:
    """Agents may tag a customer they served (e.g. elderly); supervisors any."""
    p = tickets.profile(customer_id=customer_id)
    if p.customer is None:
        raise HTTPException(404, f"no customer {customer_id!r}")
    _may_read(tickets, actor, p)
    with refusals():
        rec = tickets.update_customer(customer_id, **body.model_dump(exclude_none=True))
    return customer_view(rec)


@router.post("/{customer_id}/identifiers", status_code=201)
def add_identifier(
    customer_id: str, body: IdentifierIn, tickets: Tickets, actor: StaffActor
) -> dict[str, Any]:
    p = tickets.profile(customer_id=customer_id)
    if p.customer is None:
        raise HTTPException(404, f"no customer {customer_id!r}")
    _may_read(tickets, actor, p)
    with refusals():
        tickets.add_identifier(customer_id, body.kind, body.value)
    return customer_view(tickets.repo.customer(customer_id))  # type: ignore[arg-type]
