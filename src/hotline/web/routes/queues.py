"""Live queue status: waiting now, longest wait, estimated wait and agents by state."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter

from hotline.domain.enums import AgentState, ContactStatus
from hotline.routing import Router
from hotline.routing.matching import meets
from hotline.web.deps import AnyUser, Service

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
def list_queues(service: Service, _user: AnyUser) -> list[dict[str, Any]]:
    now = service.clock()
    return service.read(lambda r: queue_status(r, now))  # type: ignore[return-value]
