"""Plain records of customers, surveys and outside teams, as the store returns them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

IDENTIFIER_KINDS = ("phone", "account", "id_card", "wechat")
TAGS = ("vip", "elderly", "disabled")  # others are allowed; these change priority
PRIORITY_TAGS = frozenset({"vip", "elderly", "disabled"})


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: str
    created_at: float
    updated_at: float
    name: str | None = None
    language: str | None = None
    area: str | None = None
    tags: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value)
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for _k, v in self.identifiers)


def priority_hint(tags: tuple[str, ...] | frozenset[str]) -> int:
    """Extra contact priority a channel adapter may give: special assistance comes first."""
    t = set(tags)
    return (2 if t & {"elderly", "disabled"} else 0) + (1 if "vip" in t else 0)


@dataclass(frozen=True, slots=True)
class SurveyRecord:
    id: int
    contact_id: str
    requested_at: float
    customer: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    channel: str | None = None
    answered_at: float | None = None
    score: int | None = None
    rating: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: str
    name: str
    kind: str
    active: bool
    created_at: float
    members: tuple[str, ...] = ()
