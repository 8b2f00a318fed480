"""Contacts: created by channel adapters, worked by agents, steered by supervisors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status

from hotline.domain.enums import ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing import Router
from hotline.routing import events as ev
from hotline.routing.snapshot import ContactSnapshot
from hotline.runtime import Accept, Arrive
from hotline.store import User
from hotline.web.deps import SUPERVISORS, AgentUser, AnyUser, Creator, Service, Supervisor, agent_of
from hotline.web.responses import errors
from hotline.web.routes.compliance import guard_identity
from hotline.web.routes.views import contact_view, event_view
from hotline.web.schemas import (
    CompleteIn,
    ContactIn,
    GreenIn,
    LeaveIn,
    MoveIn,
    NoteIn,
    TransferIn,
)

router = APIRouter(prefix="/api/contacts", tags=["contacts"], responses=errors(404, 409))


def _visible(service: Service, user: User, contact_id: str) -> ContactSnapshot:
    """The contact, if this user may see it (agents: only contacts routed to them)."""
    snap = service.read(lambda r: r.contact(contact_id)) or service.store.contact(contact_id)
    if snap is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no contact {contact_id!r}")
    if user.role == "agent" and snap.agent_id != user.agent_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agents see only their own contacts")
    if user.role == "channel":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "channel accounts create contacts only")
    return snap


@router.post("", status_code=201)
async def create_contact(body: ContactIn, service: Service, _user: Creator) -> dict[str, Any]:
    """Create a contact; idempotent by id, because the gateway retries after a lost answer.

    A retry with the same id and the same request answers with the contact the first try
    made; the same id with a different request is a conflict (409)."""
    for skill, level in body.skills.items():
        if not 1 <= level <= 10:
            raise HTTPException(422, f"skills.{skill}: level must be between 1 and 10")
    cid = body.id or uuid.uuid4().hex
    event = ev.ContactArrived(
        contact_id=cid,
        queue=body.queue,
        channel=body.channel,
        customer=body.customer,
        priority=body.priority,
        green=body.green,
        language=body.language,
        intent=body.intent,
        skills=tuple(sorted(body.skills.items())),
        region=body.region,
    )
    # an ended contact is no longer in the router: only the store knows its id
    created = False
    if not (body.id and service.store.contact(cid) is not None):
        created = await service.send(Arrive(event=event))
    # one read: the contact, its estimate and its place in line as of the same instant
    live, ewt, ahead = service.read(_placed(cid))  # type: ignore[misc]
    snap = live or service.store.contact(cid)
    if not created and not same_arrival(event, snap, service.store.events_for_contact(cid)):  # type: ignore[arg-type]
        raise HTTPException(status.HTTP_409_CONFLICT, f"contact {cid} already exists")
    view = contact_view(snap, service.clock())  # type: ignore[arg-type]
    view["estimated_wait_s"] = ewt  # the routing core's one estimate (None once ended)
    view["position"] = ahead  # callers ahead, None if not in line
    return view


def _placed(
    cid: str,
) -> Callable[[Router], tuple[ContactSnapshot | None, float | None, int | None]]:
    def read(r: Router) -> tuple[ContactSnapshot | None, float | None, int | None]:
        snap = r.contact(cid)
        if snap is None:
            return None, None, None
        return snap, r.estimated_wait(snap.queue, cid), r.position(cid)

    return read


def same_arrival(
    event: ev.ContactArrived, snap: ContactSnapshot, timeline: list[EventRecord]
) -> bool:
    """Whether `event` asks for the contact that exists: the fields fixed at arrival, and the
    queue and green flag as they were then (a move or overflow since is no difference)."""
    created = next((r for r in timeline if r.kind == "contact.created"), None)
    queue = created.data.get("asked_queue", created.queue) if created is not None else snap.queue
    region = created.data.get("region") if created is not None else None
    green = created.data.get("green", snap.green) if created is not None else snap.green
    return (
        snap.channel == event.channel
        and snap.customer == event.customer
        and snap.priority == event.priority
        and snap.language == event.language
        and snap.intent == event.intent
        and tuple((k, v) for k, v in snap.skills) == event.skills
        and queue == event.queue
        and green == event.green
        and (event.region is None or region == event.region)
    )


@router.get("")
def list_contacts(
    service: Service,
    user: AnyUser,
    status_: ContactStatus | None = Query(default=None, alias="status"),
    queue: str | None = None,
    live: bool = True,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    if user.role == "channel":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "channel accounts create contacts only")
    if live:
        snaps = service.read(lambda r: r.contacts())
    else:
        snaps = service.store.contacts(
            status=status_.value if status_ else None, queue=queue, limit=limit
        )
    if user.role not in SUPERVISORS:
        snaps = [s for s in snaps if s.agent_id == user.agent_id]
    snaps = [
        s
        for s in snaps
        if (status_ is None or s.status is status_) and (queue is None or s.queue == queue)
    ]
    now = service.clock()
    return [contact_view(s, now) for s in sorted(snaps, key=lambda s: s.seq)[:limit]]


@router.get("/{contact_id}")
async def get_contact(contact_id: str, service: Service, user: AnyUser) -> dict[str, Any]:
    return contact_view(_visible(service, user, contact_id), service.clock())


@router.get("/{contact_id}/events")
def contact_events(contact_id: str, service: Service, user: AnyUser) -> list[dict[str, Any]]:
    _visible(service, user, contact_id)
    return [event_view(r) for r in service.store.events_for_contact(contact_id)]


@router.post("/{contact_id}/reveal")
async def reveal(contact_id: str, service: Service, user: AgentUser) -> dict[str, Any]:
    """The full customer identifier, for the agent handling it or a supervisor; audited."""
    snap = _visible(service, user, contact_id)
    guard_identity(service.store, snap.customer, user.role)  # GB/T 33358 confidential caller
    service.store.audit(
        user.username, "reveal_customer", contact_id, {"role": user.role}, at=service.clock()
    )
    return {"id": contact_id, "customer": snap.customer}


async def _agent_act(service: Service, user: User, event: ev.Event) -> dict[str, Any]:
    await service.submit(event)
    return {"ok": True, "agent": service.read(lambda r: r.agent(user.agent_id))}


@router.post("/{contact_id}/accept")
async def accept(contact_id: str, service: Service, user: AgentUser) -> dict[str, Any]:
    """Accept an offer; a second accept of a contact already taken is no error."""
    await service.send(Accept(agent_id=agent_of(user), contact_id=contact_id))
    return {"ok": True, "agent": service.read(lambda r: r.agent(user.agent_id))}


@router.post("/{contact_id}/decline")
async def decline(contact_id: str, service: Service, user: AgentUser) -> dict[str, Any]:
    return await _agent_act(service, user, ev.OfferDeclined(agent_of(user), contact_id))


@router.post("/{contact_id}/complete")
async def complete(contact_id: str, body: CompleteIn, service: Service, user: AgentUser) -> dict:
    agent_id = agent_of(user)
    result = await _agent_act(
        service,
        user,
        ev.ContactCompleted(agent_id, contact_id, reached=body.reached, wrap_up_s=body.wrap_up_s),
    )
    if body.disposition or body.note:
        await service.note(
            EventRecord(
                at=service.clock(),
                kind="contact.note",
                contact_id=contact_id,
                agent_id=agent_id,
                data={"disposition": body.disposition, "note": body.note},
            )
        )
    return result


@router.post("/{contact_id}/note", status_code=201)
async def add_note(contact_id: str, body: NoteIn, service: Service, user: AgentUser) -> dict:
    """A note or disposition during the contact (kept on transfer, unlike a draft)."""
    snap = _visible(service, user, contact_id)
    record = EventRecord(
        at=service.clock(),
        kind="contact.note",
        contact_id=contact_id,
        agent_id=user.agent_id,
        queue=snap.queue,
        channel=snap.channel.value,
        data={"disposition": body.disposition, "note": body.note, "by": user.username},
    )
    return {"seq": (await service.note(record)).seq}


@router.post("/{contact_id}/hold")
async def hold(contact_id: str, service: Service, user: AgentUser) -> dict[str, Any]:
    return await _agent_act(service, user, ev.Hold(agent_of(user), contact_id))


@router.post("/{contact_id}/resume")
async def resume(contact_id: str, service: Service, user: AgentUser) -> dict[str, Any]:
    return await _agent_act(service, user, ev.Resume(agent_of(user), contact_id))


@router.post("/{contact_id}/transfer")
async def transfer(contact_id: str, body: TransferIn, service: Service, user: AgentUser) -> dict:
    if (body.queue is None) == (body.agent_id is None):
        raise HTTPException(422, "give exactly one of queue or agent_id")
    agent_id = agent_of(user)
    if body.queue is not None:
        return await _agent_act(service, user, ev.TransferToQueue(agent_id, contact_id, body.queue))
    return await _agent_act(service, user, ev.TransferToAgent(agent_id, contact_id, body.agent_id))  # type: ignore[arg-type]


@router.post("/{contact_id}/leave")
async def customer_left(
    contact_id: str, service: Service, _user: Creator, body: LeaveIn | None = None
) -> dict[str, Any]:
    """The customer hung up or closed the chat (sent by the channel adapter); with
    `{"callback": true}` the waiting customer asked for a callback instead (not an abandon)."""
    callback = body.callback if body is not None else False
    await service.submit(ev.CustomerLeft(contact_id, callback=callback))
    return {"ok": True}


@router.post("/{contact_id}/move")
async def move(
    contact_id: str, body: MoveIn, service: Service, _user: Supervisor
) -> dict[str, Any]:
    await service.submit(ev.MoveContact(contact_id, body.queue))
    return {"ok": True}


@router.post("/{contact_id}/green")
async def green(
    contact_id: str, body: GreenIn, service: Service, _user: Supervisor
) -> dict[str, Any]:
    await service.submit(ev.SetGreen(contact_id, body.on))
    return {"ok": True}
