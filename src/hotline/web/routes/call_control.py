"""Call control: consult (warm) transfer, conference, blind transfer out, supervisor monitoring.

The agent's desk asks (`/api/contacts/{id}/consult`, `.../consult/{transfer|conference|
return}`, `.../transfer-out`); the router decides and its facts (`contact.consult_started`,
`contact.consult_answered`, `contact.consult_ended`, `contact.conference`,
`contact.transferred`) reach the voice gateway on the event stream, which then dials, holds
and bridges. The gateway reports what the phones did (`/api/voice/{id}/consult/answered`,
`.../consult/left`), as it does for the agent's own phone.

Monitoring is not a routing matter (a supervisor is no agent of the router): a supervisor
asks `/api/voice/{id}/monitor` with a mode (listen: hears both, says nothing; whisper: the
agent hears them, the caller does not; barge: all three talk; stop), the request is audited
and stored as a `voice.monitor_requested` fact, which the gateway owning the call acts on by
dialling the supervisor's phone (`supervisors:` in gateway.yaml) and wiring the bridge.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing import RoutingError
from hotline.routing import events as ev
from hotline.web.deps import AgentUser, Creator, Service, Supervisor, agent_of
from hotline.web.responses import errors

router = APIRouter(tags=["call control"], responses=errors(404, 409))
AgentId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
Number = Field(pattern=r"^\+?[0-9]{3,20}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsultIn(Strict):
    """Exactly one: a specialist seat (an agent) or a queue whose free agent is called."""

    agent_id: str | None = Field(default=None, min_length=1, max_length=64)
    queue: str | None = Field(default=None, min_length=1, max_length=64)


class TransferOutIn(Strict):
    number: str = Number


class ConsultLegIn(Strict):
    agent_id: str = AgentId
    reason: str | None = Field(default=None, max_length=64)


class MonitorIn(Strict):
    mode: Literal["listen", "whisper", "barge", "stop"]


async def _act(service: Service, agent_id: str, event: ev.Event) -> dict[str, Any]:
    await service.submit(event)
    return {"ok": True, "agent": service.read(lambda r: r.agent(agent_id))}


@router.post("/api/contacts/{contact_id}/consult")
async def consult(contact_id: str, body: ConsultIn, service: Service, user: AgentUser) -> dict:
    """Hold the caller and call a specialist (agent) or a queue's free agent."""
    agent_id = agent_of(user)
    if (body.agent_id is None) == (body.queue is None):
        raise HTTPException(422, "give exactly one of agent_id or queue")
    event = ev.ConsultStart(agent_id, contact_id, target_agent_id=body.agent_id, queue=body.queue)
    result = await _act(service, agent_id, event)
    snap = service.read(lambda r: r.contact(contact_id))
    result["consult"] = (snap.data.get("consult") if snap else None) or None  # type: ignore[union-attr]
    return result


@router.post("/api/contacts/{contact_id}/consult/{action}")
async def end_consult(
    contact_id: str,
    action: Literal["transfer", "conference", "return"],
    service: Service,
    user: AgentUser,
) -> dict:
    """Complete the transfer to the specialist, merge all three, or go back to the caller."""
    agent_id = agent_of(user)
    return await _act(service, agent_id, ev.ConsultEnd(agent_id, contact_id, action))


@router.post("/api/contacts/{contact_id}/transfer-out")
async def transfer_out(
    contact_id: str, body: TransferOutIn, service: Service, user: AgentUser
) -> dict:
    """Blind transfer to an outside number: the contact ends `transferred_out` at once and
    the gateway dials the number and bridges the caller (the agent is free now)."""
    agent_id = agent_of(user)
    return await _act(service, agent_id, ev.TransferOut(agent_id, contact_id, body.number))


# ------------------------------------------------------------------ the gateway reports
@router.post("/api/voice/{contact_id}/consult/answered")
async def consult_answered(
    contact_id: str, body: ConsultLegIn, service: Service, _u: Creator
) -> dict:
    """The specialist's phone picked up: they become busy (the router decides)."""
    await service.submit(ev.ConsultAnswered(contact_id, body.agent_id))
    return {"ok": True}


@router.post("/api/voice/{contact_id}/consult/left")
async def consult_left(contact_id: str, body: ConsultLegIn, service: Service, _u: Creator) -> dict:
    """A consult party's phone hung up or never answered (`reason`, e.g. sip_486)."""
    try:
        await service.submit(ev.ConsultLeft(contact_id, body.agent_id, body.reason or "hangup"))
    except RoutingError as exc:  # the consult already ended (transfer, caller gone)
        return {"ok": False, "detail": exc.reason}
    return {"ok": True}


# ------------------------------------------------------------------ supervisors
@router.post("/api/voice/{contact_id}/monitor")
async def monitor(contact_id: str, body: MonitorIn, service: Service, user: Supervisor) -> dict:
    """Listen, whisper or barge into a live call (or stop); audited, then done by the
    gateway that holds the call, which dials the supervisor's phone."""
    snap = service.read(lambda r: r.contact(contact_id))
    if snap is None:
        raise HTTPException(404, f"no live contact {contact_id}")
    if snap.channel is not Channel.VOICE:  # type: ignore[union-attr]
        raise HTTPException(409, f"contact {contact_id} is not a phone call")
    if snap.status not in (ContactStatus.ACTIVE, ContactStatus.HELD):  # type: ignore[union-attr]
        raise HTTPException(409, f"contact {contact_id} is not with an agent")
    at = service.clock()
    agent = snap.agent_id  # type: ignore[union-attr]
    service.store.audit(user.username, f"monitor_{body.mode}", contact_id, {"agent": agent}, at=at)
    record = EventRecord(
        at=at,
        kind="voice.monitor_requested",
        contact_id=contact_id,
        agent_id=agent,
        queue=snap.queue,  # type: ignore[union-attr]
        channel="voice",
        data={"mode": body.mode, "supervisor": user.username},
    )
    seq = (await service.note(record)).seq
    return {"ok": True, "seq": seq, "mode": body.mode}
