"""What the voice gateway tells the core about a phone call (role `channel`).

A phone-only agent has no desktop to click "accept": picking up the phone *is* the accept, so the
gateway reports it here on the agent's behalf, as it reports the phone refusing the call and the
agent hanging up. Everything else the gateway knows about a call - IVR path and containment,
recording files, survey score - is stored as `voice.*` facts on the contact's timeline (for a
call contained in the IVR, under the call's id, which is the contact id it would have had).

Facts written here (`EventRecord.kind`):
- `voice.bridged`: the agent's phone answered and the call is bridged; data: uri
- `voice.hangup`: who hung up; data: by (agent/caller), leg
- `voice.answered`: the gateway answered the call; data: from, worker
- `voice.ivr`: data: outcome (contained/transferred/callback/hangup/abandoned), path, digits,
  contained, ivr_s
- `voice.recording`: data: files [{leg, path, duration_s}]
- `voice.survey`: data: question, score (agent_id on the record)
- `voice.call`: one summary per call; data: outcome, contained, answer_to_agent_s, talk_s
- `voice.callback_requested`: the caller pressed the callback key while waiting
- `voice.consult`, `voice.transfer_out`, `voice.monitor`: call control legs (see
  `hotline.web.routes.call_control`)

Callback tasks the gateway dials (`callbacks.enabled` in gateway.yaml): the agent's phone rings
first while the desk shows the task's card (preview); the phone picking up is the accept
(`/dial`, which answers the customer's full number, audited); then the customer's leg ends in
one result (`/dialled`): reached (bridged; `voice.bridged`), then ended (`voice.hangup`, the
callback completed), or no_answer / busy / short_answer / failed (`voice.callback_result`, the
attempt failed: the core's retry policy schedules the next try or ends it callback_failed).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.enums import Channel
from hotline.domain.records import EventRecord
from hotline.routing import RoutingError
from hotline.routing import events as ev
from hotline.routing.snapshot import ContactSnapshot
from hotline.runtime import Accept, Finish
from hotline.web.deps import Creator, Service, Supervisor
from hotline.web.responses import errors
from hotline.web.routes.compliance import voice_notice
from hotline.web.routes.views import event_view

router = APIRouter(prefix="/api/voice", tags=["voice"], responses=errors(404, 409))

FACT_KINDS = frozenset(
    {
        "voice.answered",
        "voice.ivr",
        "voice.recording",
        "voice.survey",
        "voice.call",
        "voice.hangup",
        "voice.callback_requested",
        "voice.consult",  # the specialist's leg (dialled, failed: reason)
        "voice.transfer_out",  # the outside leg of a blind transfer: bridged / failed
        "voice.monitor",  # a supervisor's leg: started / changed / ended, mode
    }
)
AgentId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
DialResult = Literal["reached", "ended", "no_answer", "busy", "short_answer", "failed"]


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = AgentId
    uri: str | None = Field(default=None, max_length=256)
    reason: str | None = Field(default=None, max_length=64)


class DialledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = AgentId
    result: DialResult
    by: Literal["agent", "customer"] | None = None  # who hung up (result "ended")
    uri: str | None = Field(default=None, max_length=256)
    sip_status: int | None = Field(default=None, ge=100, le=699)


class FactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    agent_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    data: dict[str, Any] = Field(default_factory=dict)


def _record(
    service: Service, cid: str, kind: str, agent_id: str | None, **data: Any
) -> EventRecord:
    snap = service.read(lambda r: r.contact(cid)) or service.store.contact(cid)
    return EventRecord(
        at=service.clock(),
        kind=kind,
        contact_id=cid,
        agent_id=agent_id,
        queue=getattr(snap, "queue", None),
        channel="voice",
        data=data,
    )


async def _fact(service: Service, cid: str, kind: str, agent_id: str | None, **data: Any) -> int:
    return (await service.note(_record(service, cid, kind, agent_id, **data))).seq


@router.post("/{contact_id}/answered")
async def phone_answered(contact_id: str, body: PhoneIn, service: Service, _u: Creator) -> dict:
    """The agent's phone picked up: accept the offer for them and note the bridge, in one
    command on the router thread (one commit).

    Idempotent: if the agent already accepted on the desktop (or this is a retry), the phone
    answering is fine - decided by the router, not by a read before the write.
    """
    bridged = _record(service, contact_id, "voice.bridged", body.agent_id, uri=body.uri)
    await service.send(Accept(agent_id=body.agent_id, contact_id=contact_id, notes=(bridged,)))
    return {"ok": True}


@router.post("/{contact_id}/declined")
async def phone_declined(contact_id: str, body: PhoneIn, service: Service, _u: Creator) -> dict:
    """The agent's phone refused the call (busy, rejected, unreachable): the core re-routes."""
    try:
        await service.submit(ev.OfferDeclined(body.agent_id, contact_id))
    except RoutingError as exc:  # the offer already ended (timeout, caller left): nothing to do
        return {"ok": False, "detail": exc.reason}
    return {"ok": True}


@router.post("/{contact_id}/hangup")
async def agent_hung_up(contact_id: str, body: PhoneIn, service: Service, _u: Creator) -> dict:
    """The agent hung up the phone: the contact is completed (after-call work follows) if the
    agent still holds it, with the hang-up fact in the same commit."""
    hangup = _record(service, contact_id, "voice.hangup", body.agent_id, by="agent", leg="agent")
    ok = await service.send(Finish(agent_id=body.agent_id, contact_id=contact_id, notes=(hangup,)))
    return {"ok": ok}


def _callback(service: Service, contact_id: str) -> ContactSnapshot:
    snap = service.read(lambda r: r.contact(contact_id))
    if snap is None:
        raise HTTPException(404, f"no live contact {contact_id}")
    if snap.channel is not Channel.CALLBACK:
        raise HTTPException(409, f"contact {contact_id} is {snap.channel.value}, not a callback")
    return snap


def _cb_record(snap: ContactSnapshot, at: float, kind: str, agent_id: str, **data: Any):
    return EventRecord(
        at=at,
        kind=kind,
        contact_id=snap.id,
        agent_id=agent_id,
        queue=snap.queue,
        channel=snap.channel.value,
        data=data,
    )


@router.post("/{contact_id}/dial")
async def callback_dial(contact_id: str, body: PhoneIn, service: Service, user: Creator) -> dict:
    """The agent's phone picked up a callback task offered to them: accept it for them (the
    pick-up is the accept, as for a call) and give the gateway the number to dial.

    The full number leaves the core only here, to the channel account, and each hand-out is
    audited: the agent still sees it masked unless they reveal it."""
    snap = _callback(service, contact_id)
    note = _cb_record(snap, service.clock(), "voice.dialing", body.agent_id, uri=body.uri)
    await service.send(Accept(agent_id=body.agent_id, contact_id=contact_id, notes=(note,)))
    snap = _callback(service, contact_id)
    if snap.agent_id != body.agent_id or not snap.customer:
        raise HTTPException(409, f"callback {contact_id} is not with agent {body.agent_id}")
    service.store.audit(
        user.username, "dial_customer", contact_id, {"agent": body.agent_id}, at=service.clock()
    )
    return {"id": contact_id, "number": snap.customer, "attempt": snap.attempts + 1}


@router.post("/{contact_id}/dialled")
async def callback_dialled(contact_id: str, body: DialledIn, service: Service, _u: Creator) -> dict:
    """How the customer's leg of a dialled callback went (see the module docstring)."""
    snap = _callback(service, contact_id)
    at, agent = service.clock(), body.agent_id
    if body.result == "reached":
        bridged = _cb_record(snap, at, "voice.bridged", agent, uri=body.uri, leg="customer")
        return {"ok": True, "seq": (await service.note(bridged)).seq}
    if body.result == "ended":
        hangup = _cb_record(snap, at, "voice.hangup", agent, by=body.by, leg=body.by)
        ok = await service.send(Finish(agent_id=agent, contact_id=contact_id, notes=(hangup,)))
        return {"ok": ok}
    data = {"result": body.result, "uri": body.uri, "sip_status": body.sip_status}
    failed = _cb_record(snap, at, "voice.callback_result", agent, **data)
    finish = Finish(
        agent_id=agent, contact_id=contact_id, notes=(failed,), reached=False, result=body.result
    )
    return {"ok": await service.send(finish)}


@router.post("/{contact_id}/facts", status_code=201)
async def add_fact(contact_id: str, body: FactIn, service: Service, _u: Creator) -> dict:
    """Store one `voice.*` fact on the call's timeline (IVR path, recording, survey…)."""
    if body.kind not in FACT_KINDS:
        raise HTTPException(422, f"kind must be one of {sorted(FACT_KINDS)}")
    seq = await _fact(service, contact_id, body.kind, body.agent_id, **body.data)
    await voice_notice(service, contact_id, body.kind, body.data)  # recording notice fact
    return {"seq": seq}


@router.get("/{call_id}/events")
def call_events(call_id: str, service: Service, _u: Supervisor) -> list[dict[str, Any]]:
    """The whole timeline of a call, including calls that never became a contact."""
    return [event_view(r) for r in service.store.events_for_contact(call_id)]
