"""API request and response bodies (kept apart from ORM tables and domain values)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.enums import Channel

Identifier = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    token: str
    role: str
    agent_id: str | None
    expires_at: float


class ContactIn(Strict):
    """What a channel adapter sends when a customer asks for a person."""

    queue: str = Identifier
    channel: Channel = Channel.VOICE
    id: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$"
    )
    customer: str | None = Field(default=None, max_length=64)
    priority: int = Field(default=0, ge=-10, le=10)
    green: bool = False
    language: str | None = Field(default=None, max_length=16)
    intent: str | None = Field(default=None, max_length=64)
    skills: dict[str, int] = Field(default_factory=dict)


class CompleteIn(Strict):
    reached: bool = True
    wrap_up_s: float | None = Field(default=None, ge=0, le=3600)
    disposition: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=4000)


class NoteIn(Strict):
    disposition: str | None = Field(default=None, max_length=64)
    note: str = Field(min_length=1, max_length=4000)


class TransferIn(Strict):
    queue: str | None = None
    agent_id: str | None = None


class MoveIn(Strict):
    queue: str = Identifier


class GreenIn(Strict):
    on: bool = True


class StateIn(Strict):
    state: Literal["login", "available", "not_ready", "offline"]
    reason: str | None = Field(default=None, min_length=1, max_length=40)
    # login only: what the agent's devices take (a desk phone alone: ["voice"]); omitted: any
    channels: list[Literal["voice", "chat", "callback", "email"]] | None = Field(
        default=None, min_length=1
    )


class UserIn(Strict):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Literal["agent", "supervisor", "admin", "channel", "team"]
    agent_id: str | None = None
    display_name: str | None = Field(default=None, max_length=64)


class UserPatch(Strict):
    password: str | None = Field(default=None, min_length=8, max_length=256)
    active: bool | None = None
