"""Peer API of interconnected centers (互联互通): load reports in, transfers in, status out.

Peers call these with a service login on *this* center (role `channel`, like the channel
adapters); the sending center must also be named in our `federation.peers`. Our own load is
pushed to every peer by a background loop, and a second loop moves waiting contacts out
(`hotline.services.federation`). Nothing runs when no peer is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from hotline.channels.chat.service import ChatError
from hotline.domain.enums import Channel
from hotline.routing.snapshot import ContactSnapshot
from hotline.services.federation import Federation, Refused
from hotline.services.federation_emergency import Emergency, EmergencyError
from hotline.store import User
from hotline.web.deps import AnyUser, Supervisor, require
from hotline.web.routes.federation_chat import ChatRelay

log = logging.getLogger(__name__)
# The peer API is for the `channel` service login a peer center was given, nobody else.
Peer = Annotated[User, Depends(require("channel"))]

router = APIRouter(prefix="/api/federation", tags=["federation"])
emergency = APIRouter(prefix="/api/emergency", tags=["emergency"])
ROUND_EVERY_S = 1.0  # how often waiting contacts are checked against the peers' load


class TransferIn(BaseModel):
    """A contact handed over by a peer; `waited_s` keeps the caller's original wait."""

    model_config = ConfigDict(extra="ignore")

    from_center: str = Field(min_length=1, max_length=200)
    home_center: str | None = None
    contact_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@-]+$")
    queue: str = Field(min_length=1, max_length=64)
    from_queue: str | None = None
    channel: Channel = Channel.CHAT
    customer: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=0, ge=-100, le=100)
    language: str | None = None
    intent: str | None = None
    skills: dict[str, int] = Field(default_factory=dict)
    waited_s: float = Field(ge=0, le=86_400)
    ivr_path: list[Any] = Field(default_factory=list)
    transcript: list[dict[str, Any]] = Field(default_factory=list, max_length=2000)
    customer_data: dict[str, Any] = Field(default_factory=dict)
    voice: dict[str, Any] | None = None


class WithdrawIn(BaseModel):
    from_center: str = Field(min_length=1, max_length=200)


def _federation(request: Request) -> Federation:
    fed = getattr(request.app.state, "federation", None)
    if fed is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "federation is starting")
    return fed


@router.post("/load", status_code=204)
def receive_load(body: dict[str, Any], request: Request, user: Peer) -> None:
    try:
        _federation(request).receive_load(body, user.username)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None


@router.post("/transfers", status_code=201)
def receive_transfer(body: TransferIn, request: Request, user: Peer) -> dict[str, Any]:
    for skill, level in body.skills.items():
        if not 1 <= level <= 10:
            raise HTTPException(422, f"skills.{skill}: level must be between 1 and 10")
    data = body.model_dump(mode="json")
    try:
        accepted = _federation(request).receive_transfer(data, user.username)
    except Refused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"refused: {exc}") from None
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    relay = getattr(request.app.state, "chat_relay", None)
    chat = relay is not None and body.channel is Channel.CHAT
    if chat and relay.store.find_session(contact_id=body.contact_id) is None:  # not a retry
        relay.mirror(data)
    return accepted


class MessageIn(BaseModel):
    from_center: str = Field(min_length=1, max_length=200)
    contact_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(pattern=r"^(customer|agent|system)$")
    kind: str = Field(default="text", max_length=16)
    body: str = Field(max_length=4000)
    ended: bool = False


@router.post("/messages", status_code=202)
def relayed_message(body: MessageIn, request: Request, user: Peer) -> dict[str, Any]:
    """A chat message relayed by the peer that shares this conversation."""
    fed = _federation(request)
    problem = fed.config.speaker_problem(body.from_center, user.username)
    if problem:
        raise HTTPException(status.HTTP_403_FORBIDDEN, problem)
    relay = getattr(request.app.state, "chat_relay", None)
    if relay is None or not relay.deliver(body.model_dump()):
        raise HTTPException(
            404, f"contact_id: no chat {body.contact_id!r} shared with {body.from_center!r}"
        )
    return {"delivered": True}


@router.post("/transfers/{contact_id}/withdraw")
def withdraw(contact_id: str, body: WithdrawIn, request: Request, user: Peer) -> dict:
    try:
        _federation(request).withdraw(contact_id, body.from_center, user.username)
    except Refused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    return {"withdrawn": contact_id}


@router.get("/status")
def federation_status(request: Request, _user: Supervisor) -> dict[str, Any]:
    """Our load, each peer's last report (age, down) and the per-peer counts."""
    fed = _federation(request)
    now = fed.center.clock()
    peers = {}
    for p in fed.config.peers:
        load = fed.board.load(p.name, now)
        peers[p.name] = {
            "url": p.url,
            "up": load is not None,
            "age_s": fed.board.age(p.name, now),
            "load": load.to_json()["queues"] if load else None,
        }
    return {
        "center": fed.name,
        "load": fed.local_load().to_json()["queues"],
        "peers": peers,
        "counts": fed.stats(),
    }


# ---------------------------------------------------------------------------- emergency
class PlanIn(BaseModel):
    plan: str = Field(min_length=1, max_length=64)


def _emergency(request: Request) -> Emergency:
    return Emergency(request.app.state.service)


def banner(request: Request) -> dict[str, Any] | None:
    """The active plan for the desk and wallboard data (None in normal operation)."""
    return _emergency(request).status()


@emergency.get("")
def emergency_status(request: Request, _user: AnyUser) -> dict[str, Any]:
    e = _emergency(request)
    return {"active": e.status(), "plans": e.plans()}


@emergency.get("/kpis")
def emergency_kpis(
    request: Request,
    _user: Supervisor,
    start: float | None = Query(default=None, alias="from", description="epoch seconds"),
    end: float | None = Query(default=None, alias="to", description="epoch seconds; default now"),
) -> dict[str, Any]:
    """The same KPIs for contacts that arrived while a plan was on and for the others, over
    [from, to) (default: the last 7 days), with the plan periods (see `hotline.kpi.periods`)."""
    from hotline.kpi.periods import plan_periods, split_kpis
    from hotline.kpi.ranges import clip_to_now

    service = request.app.state.service
    now = service.clock()
    t1 = now if end is None else end
    t0 = t1 - 7 * 86400 if start is None else start
    if not (math.isfinite(t0) and math.isfinite(t1)) or t0 >= t1:
        raise HTTPException(422, "from: must be a time before to")
    t0, t1 = clip_to_now(t0, t1, now)
    periods = plan_periods(service.store.events_of_kind("emergency.", 0.0, t1), t0, t1)
    during, outside = split_kpis(service.store.events_for_range(t0, t1), t0, t1, periods, now=now)

    def figures(k: Any) -> dict[str, Any]:
        d = dataclasses.asdict(k)
        d.pop("options", None)
        return d

    return {
        "from": t0,
        "to": t1,
        "periods": [{"from": a, "to": b, "plan": p} for a, b, p in periods],
        "during": figures(during),
        "outside": figures(outside),
    }


@emergency.post("/on")
def emergency_on(body: PlanIn, request: Request, user: Supervisor) -> dict[str, Any]:
    try:
        return {"active": _emergency(request).on(body.plan, user.username)}
    except EmergencyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"plan: {exc}") from None


@emergency.post("/off")
def emergency_off(request: Request, user: Supervisor) -> dict[str, Any]:
    try:
        return {"active": _emergency(request).off(user.username)["plan"]}
    except EmergencyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


# ---------------------------------------------------------------------------- wiring
def _transcript(app: FastAPI, snap: ContactSnapshot) -> dict[str, Any]:
    """The chat transcript travels with a chat (from the chat service, when installed)."""
    channels = getattr(app.state, "channels", None)
    if channels is None or snap.channel is not Channel.CHAT:
        return {}
    from hotline.web.routes.chat import message_view

    try:
        rec = channels.chat.session_for_contact(snap.id)
    except ChatError:
        return {}
    return {
        "transcript": [message_view(m) for m in channels.chat.messages(rec)],
        "customer_data": {"chat_session": rec.id},
    }


async def _every(seconds: float, fn: Any, what: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(fn)
        except Exception:  # keep federating; the failure is logged and retried
            log.exception("federation %s failed", what)


def install(app: FastAPI) -> FastAPI:
    """Mount the peer API and run the push and overflow loops with the app."""
    app.include_router(router)
    app.include_router(emergency)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with inner(a) as state:
            fed = await asyncio.to_thread(Federation, a.state.service)
            fed.extras = lambda snap: _transcript(a, snap)
            a.state.federation = fed
            channels = getattr(a.state, "channels", None)
            relay = ChatRelay(channels, fed) if channels is not None else None
            a.state.chat_relay = relay
            tasks = []
            if fed.config.peers:
                every = fed.config.push_every_s
                tasks = [
                    asyncio.create_task(_every(every, fed.push, "push")),
                    asyncio.create_task(_every(ROUND_EVERY_S, fed.overflow_round, "round")),
                ]
            try:
                yield state
            finally:
                for t in tasks:
                    t.cancel()
                if relay is not None:
                    relay.close()
                fed.close()

    app.router.lifespan_context = lifespan
    return app
