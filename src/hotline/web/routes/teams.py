"""Outside teams (dispatch): who they are, who belongs, and each team's own queue of orders.

A team's login (role `team`) sees only the orders dispatched to its teams and works them
through `/api/tickets/{id}/accept·progress·wait·resume·resolve`; the contact center sees the
same orders live (the order facts are on the stream).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hotline.store.tickets import OrderFilter
from hotline.tickets.escalation import sla
from hotline.tickets.records import TeamRecord
from hotline.web.responses import errors
from hotline.web.routes.tickets_common import (
    AnyActor,
    StaffActor,
    SupervisorActor,
    Tickets,
    order_view,
    refusals,
)

router = APIRouter(prefix="/api/teams", tags=["teams"], responses=errors(404, 409))


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=255)
    kind: str = Field(default="department", max_length=32)  # on_site, train_crew, repair_crew…


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=128)


def _team_view(t: TeamRecord, members: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"id": t.id, "name": t.name, "kind": t.kind, "active": t.active}
    if members:
        view["members"] = list(t.members)
    return view


@router.get("")
def list_teams(tickets: Tickets, actor: StaffActor) -> list[dict[str, Any]]:
    """Dispatch targets (agents need them); members only for supervisors."""
    return [_team_view(t, actor.supervisor) for t in tickets.repo.teams()]


@router.post("", status_code=201)
def create_team(body: TeamIn, tickets: Tickets, actor: SupervisorActor) -> dict[str, Any]:
    with refusals():
        team = tickets.create_team(body.id, body.name, body.kind)
    tickets.core.audit(actor.username, "create_team", body.id, {}, at=tickets.clock())
    return _team_view(team, True)


@router.post("/{team_id}/members", status_code=201)
def add_member(
    team_id: str, body: MemberIn, tickets: Tickets, actor: SupervisorActor
) -> dict[str, Any]:
    with refusals():
        tickets.add_member(team_id, body.username)
    tickets.core.audit(
        actor.username, "add_team_member", team_id, {"username": body.username}, at=tickets.clock()
    )
    return _team_view(tickets.repo.team(team_id), True)  # type: ignore[arg-type]


def _queue(tickets: Tickets, actor, teams: list[str]) -> list[dict[str, Any]]:
    """Open orders of `teams`: expedited first, then priority, then the nearest deadline."""
    cfg, now = tickets.config(), tickets.clock()
    orders = [
        o
        for t in teams
        for o in tickets.list(actor, OrderFilter(team=t, open_only=True, limit=None))
    ]

    def key(o):
        status = sla(o, cfg, now)
        due = status.resolution.due_at if status else None
        return (not o.expedited, -o.priority, due if due is not None else float("inf"))

    return [order_view(o, cfg, now, actor) for o in sorted(orders, key=key)]


@router.get("/me/queue")
def my_queue(tickets: Tickets, actor: AnyActor) -> dict[str, Any]:
    """The caller's teams and their open orders (the team's own page)."""
    if not actor.teams:
        raise HTTPException(403, "this login belongs to no team")
    with refusals():
        return {"teams": list(actor.teams), "orders": _queue(tickets, actor, list(actor.teams))}


@router.get("/{team_id}/queue")
def team_queue(team_id: str, tickets: Tickets, actor: AnyActor) -> list[dict[str, Any]]:
    if not actor.supervisor and team_id not in actor.teams:
        raise HTTPException(403, f"not a member of team {team_id}")
    if tickets.repo.team(team_id) is None:
        raise HTTPException(404, f"no team {team_id!r}")
    with refusals():
        return _queue(tickets, actor, [team_id])
