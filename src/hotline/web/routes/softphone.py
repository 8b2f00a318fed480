"""The agent desk's browser softphone: its SIP registration details, for the agent only.

The desk page never carries SIP credentials in its source: once loaded, its script asks
`POST /api/agents/me/softphone` (the agent's own session, no-store) for where to register (the
WSS URL the gateway's registrar reported, `routes/phones.py`) and the digest HA1 to register
with. HA1 = md5(agent:realm:password) is what the registrar checks (SIP.js signs with it
directly), so the plain password is never needed. An agent without a phone credential yet
gets one made here with a random password (audited): the softphone needs no admin step, and a
desk-phone password the admin sets later simply replaces it (the page fetches again when a
registration is refused). A disabled login cannot call this, and its HA1 leaves the
registrar's table at the next sync, so its softphone is refused too.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

from hotline.store.phones import PhoneStore
from hotline.web.deps import AgentUser, Service, agent_of
from hotline.web.responses import errors
from hotline.web.routes.phones import ha1

router = APIRouter(tags=["phones"], responses=errors(403, 404))


@router.post("/api/agents/me/softphone")
def my_softphone(
    request: Request, response: Response, service: Service, user: AgentUser
) -> dict[str, Any]:
    """Where and how this agent's browser softphone registers (404: no registrar serves
    browsers). The answer holds a secret: it is never cached."""
    agent_id = agent_of(user)
    response.headers["Cache-Control"] = "no-store"
    info = getattr(request.app.state, "softphone", None)
    if not info:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "no softphone registrar has reported yet (gateway.yaml: softphone.enabled)",
        )
    store = PhoneStore(service.store.engine)
    realm = info["realm"]
    cred = next((c for c in store.credentials() if c.agent_id == agent_id), None)
    if cred is None or cred.realm != realm:
        at = service.clock()
        secret = ha1(agent_id, realm, secrets.token_urlsafe(24))
        store.set_credential(agent_id, realm, secret, at, f"softphone:{user.username}")
        audit = {"realm": realm}
        service.store.audit(user.username, "softphone_credential", agent_id, audit, at=at)
        cred = next(c for c in store.credentials() if c.agent_id == agent_id)
    host = info["url"].split("/", 3)[2].rsplit(":", 1)[0]
    return {
        "url": info["url"],
        "uri": f"sip:{agent_id}@{host}",
        "user": agent_id,
        "realm": cred.realm,
        "ha1": cred.ha1,
    }
