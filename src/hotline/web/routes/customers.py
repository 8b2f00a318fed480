"""Customer profiles, the incoming-contact portrait (predicted intent, repeat flag), intent model.

Identifiers are always masked here (138****5678). Who may see a customer (`CustomerAccess`):

* Supervisors and admins: every customer.
* An agent: a customer one of whose contacts was routed to them (its current or last agent),
  the same ownership rule as `/api/contacts`. Nothing else counts: in particular, opening or
  owning a work order does not, because an agent may type any number into an order. So
  `GET`/`PATCH /{id}` and `POST /{id}/identifiers` answer 403 for any other customer, and
  order views carry `customer_id` only for customers the caller may see.
* While working a contact (`/portrait/{contact_id}`, their own contact only) an agent sees the
  customer's whole history: earlier contacts, orders and surveys, which is what serving the
  caller needs. Afterwards, by id (`GET /{id}`), they see only their own part of it: the
  contacts they handled, the orders the work-order rules let them see, and those surveys.
* Creating a profile: an agent gives `contact_id` of their own contact and registers that
  contact's identifier (nothing else), so a 409 "already a customer" tells them only about
  their own caller; supervisors may register any identifiers. Residual, by design of unique
  identifiers: an agent adding an identifier to a customer they served learns from a 409 that
  the value is already on file (not whose).
* Channel adapters look a caller up (`/lookup`) to set the contact's priority on arrival.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hotline.services.tickets import Actor
from hotline.services.tickets_people import Profile
from hotline.tickets.records import CustomerRecord, priority_hint
from hotline.tickets.surveys import Rating, satisfaction
from hotline.web.responses import errors
from hotline.web.routes.tickets_common import (
    ChannelActor,
    CustomerAccess,
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
    identifiers: list[IdentifierIn] = Field(default_factory=list)
    contact_id: str | None = Field(
        default=None,
        max_length=64,
        description="the contact whose caller this is; agents must give their own contact",
    )
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


def _profile_view(
    tickets: Tickets, actor: Actor, p: Profile, *, own_part: bool = False
) -> dict[str, Any]:
    """The profile; with `own_part` (an agent reading by id) only the contacts they handled,
    the orders they may see and the surveys of their contacts."""
    cfg, now = tickets.config(), tickets.clock()
    contacts, orders, surveys = list(p.contacts), list(p.orders), list(p.surveys)
    if own_part:
        contacts = [c for c in contacts if c.agent_id == actor.agent_id]
        orders = [o for o in orders if tickets.can_see(actor, o)]
        surveys = [x for x in surveys if x.agent_id == actor.agent_id]
        s = satisfaction((Rating(x.rating) if x.rating else None, x.score) for x in surveys)
    else:
        s = p.satisfaction
    access = CustomerAccess(tickets, actor)
    return {
        "customer": customer_view(p.customer) if p.customer else None,
        "priority_hint": priority_hint(p.customer.tags) if p.customer else 0,
        "contacts": [contact_view(c, now) for c in contacts],
        "orders": [order_view(o, cfg, now, actor, access.may_see) for o in orders],
        "open_orders": sum(1 for o in orders if o.state.open),
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
                for x in surveys
                if x.rating
            ],
        },
    }


def _may_see(tickets: Tickets, actor: Actor, rec: CustomerRecord) -> None:
    if not CustomerAccess(tickets, actor).may_see_record(rec):
        raise HTTPException(403, "agents see only customers whose contacts they handled")


def _customer(tickets: Tickets, actor: Actor, customer_id: str) -> CustomerRecord:
    """The customer, if this caller may see it: 404 unknown, 403 not theirs. (Telling the two
    apart reveals nothing useful: ids are random, an agent meets them only in views they may
    see.)"""
    rec = tickets.repo.customer(customer_id)
    if rec is None:
        raise HTTPException(404, f"no customer {customer_id!r}")
    _may_see(tickets, actor, rec)
    return rec


def _identifiers(tickets: Tickets, actor: Actor, body: CustomerIn) -> list[tuple[str, str]]:
    """What the caller may register: an agent only their own contact's identifier."""
    given = [(i.kind, i.value) for i in body.identifiers]
    if body.contact_id is None:
        if not actor.supervisor:
            raise HTTPException(
                422, "contact_id: agents register the caller of one of their own contacts"
            )
        return given
    contact = tickets.repo.contact(body.contact_id)
    if contact is None:
        raise HTTPException(404, f"no contact {body.contact_id!r}")
    if not actor.supervisor and contact.agent_id != actor.agent_id:
        raise HTTPException(403, "agents register only the callers of their own contacts")
    if not contact.customer:
        raise HTTPException(422, "contact_id: this contact has no customer identifier")
    if not actor.supervisor and any(v != contact.customer for _k, v in given):
        raise HTTPException(403, "identifiers: agents register only their contact's own identifier")
    if all(v != contact.customer for _k, v in given):
        given.insert(0, (_kind_of(contact.customer), contact.customer))
    return given


def _kind_of(identifier: str) -> str:
    if identifier.startswith("wechat:"):
        return "wechat"
    return "phone" if identifier.lstrip("+").isdigit() else "account"


@router.post("", status_code=201)
def create_customer(body: CustomerIn, tickets: Tickets, actor: StaffActor) -> dict[str, Any]:
    """A new profile; agents from their own contact (see the module docstring), 409 if an
    identifier is already a customer's."""
    identifiers = _identifiers(tickets, actor, body)
    with refusals():
        rec = tickets.create_customer(
            identifiers,
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
    access = CustomerAccess(tickets, actor).may_see
    return {
        "contact": contact_view(contact, now),
        **_profile_view(tickets, actor, p.profile),
        "intent": dataclasses.asdict(p.prediction),
        "repeat": {
            "repeat": p.repeat.repeat,
            "window_days": p.repeat.window_s / 86400,
            "earlier_contacts": [c.id for c in p.repeat.earlier],
            "about_orders": [order_view(o, cfg, now, actor, access) for o in p.repeat.orders],
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
    """The profile; an agent sees only their own part of a customer they served."""
    _customer(tickets, actor, customer_id)
    p = tickets.profile(customer_id=customer_id)
    return _profile_view(tickets, actor, p, own_part=not actor.supervisor)


@router.patch("/{customer_id}")
def patch_customer(
    customer_id: str, body: CustomerPatch, tickets: Tickets, actor: StaffActor
) -> dict[str, Any]:
    """Agents may tag a customer they served (e.g. elderly); supervisors any."""
    _customer(tickets, actor, customer_id)
    with refusals():
        rec = tickets.update_customer(customer_id, **body.model_dump(exclude_none=True))
    return customer_view(rec)


@router.post("/{customer_id}/identifiers", status_code=201)
def add_identifier(
    customer_id: str, body: IdentifierIn, tickets: Tickets, actor: StaffActor
) -> dict[str, Any]:
    _customer(tickets, actor, customer_id)
    with refusals():
        tickets.add_identifier(customer_id, body.kind, body.value)
    return customer_view(tickets.repo.customer(customer_id))  # type: ignore[arg-type]
