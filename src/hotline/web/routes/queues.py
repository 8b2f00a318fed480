"""Live queue status: waiting now, longest wait, estimated wait and agents by state."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, HTTPException

from hotline.domain.enums import AgentState, ContactStatus
from hotline.routing import Router
from hotline.routing.matching import meets
from hotline.web.deps import AnyUser, Service
from hotline.web.routes.views import contact_view

router = APIRouter(prefix="/api/queues", tags=["queues"])


def queue_status(r: Router, now: float) -> list[dict[str, Any]]:
    """One row per queue. Agents count for a queue when they hold its base skills."""
    contacts = r.contacts()
    agents = r.agents()
    skills = {
        a.id: dict(a_cfg.skills) for a_cfg in r.config.agents for a in agents if a.id == a_cfg.id
    }
    rows = []
    for q in r.config.queues:
        waiting = [c for c in contacts if c.queue == q.id and c.status is ContactStatus.QUEUED]
        reqs = tuple((s.skill, s.min_level) for s in q.skills)
        states = Counter(
            a.state.value
            for a in agents
            if meets(skills.get(a.id, {}), reqs) and a.state is not AgentState.OFFLINE
        )
        rows.append(
            {
                "id": q.id,
                "name": q.name,
                "priority": q.priority,
                "waiting": len(waiting),
                "longest_wait_s": max((now - c.enqueued_at for c in waiting), default=0.0),
                "estimated_wait_s": r.estimated_wait(q.id),
                "scheduled_callbacks": sum(
                    1 for c in contacts if c.queue == q.id and c.status is ContactStatus.SCHEDULED
                ),
                "agents": dict(states),
                "sl_threshold_s": q.sl_threshold_s,
                "sl_target": q.sl_target,
            }
        )
    return rows


@router.get("")
async def list_queues(service: Service, _user: AnyUser) -> list[dict[str, Any]]:
    now = service.clock()
    return service.read(lambda r: queue_status(r, now))  # type: ignore[return-value]


@router.get("/{queue_id}/waiting")
async def waiting_order(queue_id: str, service: Service, user: AnyUser) -> list[dict[str, Any]]:
    """The contacts waiting in a queue, in the exact order they will be served."""
    if user.role == "channel":
        raise HTTPException(403, "channel accounts create contacts only")
    now = service.clock()

    def order(r: Router) -> list[Any]:
        if queue_id not in {q.id for q in r.config.queues}:
            raise HTTPException(404, f"unknown queue {queue_id!r}")
        return [r.contact(cid) for cid in r.waiting(queue_id)]

    return [contact_view(c, now) for c in service.read(order)]  # type: ignore[union-attr]
