"""Agent presence: an agent changes their own state; a supervisor may force anyone's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from hotline.domain.enums import Channel
from hotline.routing import events as ev
from hotline.store import User
from hotline.web.deps import SUPERVISORS, AgentUser, Service, Supervisor, agent_of
from hotline.web.responses import errors
from hotline.web.routes.views import agent_view, contact_view
from hotline.web.schemas import StateIn

router = APIRouter(prefix="/api/agents", tags=["agents"], responses=errors(404, 409))


def _state_event(agent_id: str, body: StateIn) -> ev.Event:
    if body.state == "login":
        channels = frozenset(Channel(c) for c in body.channels) if body.channels else None
        return ev.AgentLogin(agent_id, ready=False, channels=channels)
    if body.state == "available":
        return ev.AgentReady(agent_id)
    if body.state == "not_ready":
        return ev.AgentNotReady(agent_id, body.reason or "break")
    return ev.AgentLogout(agent_id)


@router.get("")
async def list_agents(service: Service, _user: Supervisor) -> list[dict[str, Any]]:
    now = service.clock()
    return [agent_view(a, now) for a in service.read(lambda r: r.agents())]


@router.get("/me")
async def my_agent(service: Service, user: AgentUser) -> dict[str, Any]:
    agent_id = agent_of(user)
    now = service.clock()

    def mine(r):
        a = r.agent(agent_id)
        offer = r.offer_of(agent_id)
        return (
            a,
            [r.contact(c) for c in a.contacts] if a else [],
            r.contact(offer) if offer else None,
        )

    a, contacts, offer = service.read(mine)
    if a is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent {agent_id} is not configured")
    view = agent_view(a, now)
    view["active"] = [contact_view(c, now) for c in contacts if c]
    view["offer"] = contact_view(offer, now) if offer else None
    return view


async def _change(agent_id: str, body: StateIn, service: Service) -> dict[str, Any]:
    await service.submit(_state_event(agent_id, body))
    return agent_view(service.read(lambda r: r.agent(agent_id)), service.clock())


@router.post("/me/state")
async def set_my_state(body: StateIn, service: Service, user: AgentUser) -> dict[str, Any]:
    return await _change(agent_of(user), body, service)


@router.post("/me/wrap-up-done")
async def wrap_up_done(service: Service, user: AgentUser) -> dict[str, Any]:
    agent_id = agent_of(user)
    await service.submit(ev.WrapUpDone(agent_id))
    return agent_view(service.read(lambda r: r.agent(agent_id)), service.clock())


@router.post("/{agent_id}/state")
async def force_state(agent_id: str, body: StateIn, service: Service, user: AgentUser) -> dict:
    """Supervisors force any agent's state; an agent may use this only for themself."""
    if user.role not in SUPERVISORS and agent_id != user.agent_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agents may change only their own state")
    _audit_force(service, user, agent_id, body)
    return await _change(agent_id, body, service)


def _audit_force(service: Service, user: User, agent_id: str, body: StateIn) -> None:
    if agent_id != user.agent_id:
        service.store.audit(
            user.username,
            "force_agent_state",
            agent_id,
            {"state": body.state, "reason": body.reason},
            at=service.clock(),
        )
