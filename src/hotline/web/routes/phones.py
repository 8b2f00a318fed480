"""Agents' desk-phone credentials: set by admins, served to the gateway's registrar.

An admin gives an agent a SIP password (`PUT /api/admin/phones/{agent}`); the core keeps only
HA1 = md5(agent:realm:password), the value SIP digest authentication checks against, and never
returns it to the admin console. The registrar (`hotline.channels.sip.registrar`, logged in as
the `channel` account) fetches the HA1s of agents with an active login from
`GET /api/voice/phones/credentials`; a disabled login drops out of that list, so its phone's
REGISTERs are refused at the registrar's next sync (2 s by default) and its bindings removed.
The SIP user name is the agent id.

The registrar also reports which agents' phones are registered
(`POST /api/voice/phones/registrations`): an agent whose phone is not registered is offered no
voice contact (chat is unaffected), so nothing rings a dead phone.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from pydantic import Field

from hotline.passwords import PasswordRejected, check_policy
from hotline.routing import RoutingError
from hotline.routing import events as ev
from hotline.store import User
from hotline.store.phones import PhoneStore
from hotline.web.deps import Admin, Service, require
from hotline.web.responses import errors
from hotline.web.schemas import Strict

router = APIRouter(tags=["phones"], responses=errors(404))

# A SIP user name and realm that fit Kamailio's db_text rows (':' separates columns there).
SIP_NAME = r"^[A-Za-z0-9_.\-]+$"
WSS_URL = r"^wss://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/\-]*)?$"
SipAgent = Annotated[str, Path(min_length=1, max_length=64, pattern=SIP_NAME)]
Channel = Annotated[User, Depends(require("channel"))]


class SoftphoneIn(Strict):
    """Where browsers register (the registrar's WSS URL) and the realm its digest uses."""

    url: str = Field(max_length=200, pattern=WSS_URL)
    realm: str = Field(default="hotline", min_length=1, max_length=64, pattern=SIP_NAME)


class RegistrationsIn(Strict):
    """Agent id -> whether a phone is registered for them now (the registrar's view), and
    where browsers register when the registrar also serves the softphone."""

    agents: dict[Annotated[str, Field(min_length=1, max_length=64, pattern=SIP_NAME)], bool] = (
        Field(max_length=10000)
    )
    softphone: SoftphoneIn | None = None


class PhonePasswordIn(Strict):
    password: str = Field(min_length=8, max_length=128)
    realm: str = Field(default="hotline", min_length=1, max_length=64, pattern=SIP_NAME)


def ha1(user: str, realm: str, password: str) -> str:
    """RFC 2617 HA1: what a registrar compares digest responses against."""
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


def _phones(service: Any) -> PhoneStore:
    return PhoneStore(service.store.engine)


@router.get("/api/admin/phones")
def list_phones(service: Service, _user: Admin) -> list[dict[str, Any]]:
    """Which agents have a desk-phone password (never the HA1 itself)."""
    store = _phones(service)
    active = {c.agent_id for c in store.active_credentials()}
    return [
        {
            "agent_id": c.agent_id,
            "realm": c.realm,
            "updated_at": c.updated_at,
            "updated_by": c.updated_by,
            "login_active": c.agent_id in active,
        }
        for c in store.credentials()
    ]


@router.put("/api/admin/phones/{agent_id}")
def set_phone_password(
    agent_id: SipAgent, body: PhonePasswordIn, service: Service, admin: Admin
) -> dict[str, Any]:
    """Set or replace an agent's SIP password (the policy of login passwords applies)."""
    store = _phones(service)
    if agent_id not in store.linked_agents():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no login is linked to agent {agent_id}")
    try:
        check_policy(body.password, agent_id)
    except PasswordRejected as exc:
        detail = [
            {
                "loc": ["body", "password"],
                "msg": f"password {exc.message}",
                "type": f"password_policy.{exc.rule}",
            }
        ]
        raise HTTPException(422, detail) from None
    at = service.clock()
    store.set_credential(
        agent_id, body.realm, ha1(agent_id, body.realm, body.password), at, admin.username
    )
    service.store.audit(
        admin.username, "set_phone_password", agent_id, {"realm": body.realm}, at=at
    )
    return {"agent_id": agent_id, "realm": body.realm, "updated_at": at}


@router.delete("/api/admin/phones/{agent_id}", status_code=204)
def delete_phone_password(agent_id: SipAgent, service: Service, admin: Admin) -> Response:
    """Take an agent's SIP password away: their desk phone can no longer register."""
    if not _phones(service).delete_credential(agent_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent {agent_id} has no phone password")
    service.store.audit(admin.username, "delete_phone_password", agent_id, {}, at=service.clock())
    return Response(status_code=204)


@router.get("/api/voice/phones/credentials")
def phone_credentials(service: Service, _user: Channel) -> list[dict[str, str]]:
    """HA1 per agent with an active login, for the registrar (channel account only)."""
    return [
        {"user": c.agent_id, "realm": c.realm, "ha1": c.ha1}
        for c in _phones(service).active_credentials()
    ]


@router.post("/api/voice/phones/registrations")
async def phone_registrations(
    body: RegistrationsIn, request: Request, service: Service, _user: Channel
) -> dict[str, list[str]]:
    """Record which agents' phones are registered; unknown agents are listed, not fatal (the
    registrar may hold credentials of agents the center configuration no longer has)."""
    if body.softphone:  # the desk's softphone registers there (`routes/softphone.py`)
        request.app.state.softphone = body.softphone.model_dump()
    unknown = []
    for agent_id, registered in sorted(body.agents.items()):
        try:
            await service.submit(ev.AgentPhone(agent_id, registered))
        except RoutingError:
            unknown.append(agent_id)
    return {"unknown": unknown}
