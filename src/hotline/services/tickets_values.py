"""Values shared by the work-order services: who asks, what to create, refusals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.tickets.config import TicketsConfig
from hotline.tickets.rules import Firing, Subject, Trigger, evaluate
from hotline.tickets.states import TicketError

SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})

__all__ = [
    "SUPERVISOR_ROLES",
    "SYSTEM",
    "Actor",
    "Forbidden",
    "NewOrder",
    "NotFound",
    "TickReport",
    "firings_for",
]


class Forbidden(TicketError):
    status = 403


class NotFound(TicketError):
    status = 404


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking. `teams` are the outside teams the login belongs to."""

    username: str
    role: str
    agent_id: str | None = None
    teams: tuple[str, ...] = ()

    @property
    def supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES

    @property
    def team_scoped(self) -> bool:
        """An outside team's login: role `team` (or, until that role exists, an `agent` login
        without an agent id that belongs to a team)."""
        return self.role == "team" or (
            self.role == "agent" and self.agent_id is None and bool(self.teams)
        )


SYSTEM = Actor("system", "system")


@dataclass(frozen=True, slots=True)
class NewOrder:
    category: str
    title: str
    description: str = ""
    customer: str | None = None
    contact_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    priority: int | None = None
    area: str | None = None
    confidential: bool = False
    team: str | None = None  # dispatch at once
    assign_to: str | None = None  # an agent id
    origin: str | None = None  # default: "contact" with a contact, else "api"
    #: a caller-chosen id makes creation idempotent (a peer center's retry gets the same order)
    id: str | None = None


@dataclass(frozen=True, slots=True)
class TickReport:
    escalated: int = 0
    closed: int = 0
    linked: int = 0
    auto_created: int = 0
    trained: bool = False


def firings_for(cfg: TicketsConfig, triggers: list[Trigger], s: Subject) -> list[Firing]:
    out: list[Firing] = []
    for t in triggers:
        for f in evaluate(cfg.rules, t, s):
            if f.key not in {x.key for x in out}:
                out.append(f)
    return out
