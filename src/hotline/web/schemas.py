"""API request and response bodies (kept apart from ORM tables and domain values)."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

from hotline.domain.enums import Channel

Identifier = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")

# Integer ids of stored rows (users, KB articles, reports, templates, synonym groups, chat
# media) and row cursors (list offsets, chat's `after`). Unbounded, an id of 2^63 failed in
# SQLite and one of 2^31 in PostgreSQL, both as 500s: the store's id columns are INTEGER,
# 32 bits on PostgreSQL, so 2^31 - 1 is the largest id that can exist on either database.
# One type for every route, so a new route cannot forget the bound. Give a query parameter
# a plain default (`offset: Offset = 0`): `= Query(default=0)` makes FastAPI drop the bounds
# of an Annotated type (seen with FastAPI 0.165).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
Offset = Annotated[int, Ge(0), Le(MAX_ROW_ID)]
# A number that must be finite: JSON bodies may carry NaN/Infinity (Python's parser accepts
# them) and a query string may say `from=nan`; neither is a time or a duration.
Finite = FiniteFloat


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ValidationIssue(BaseModel):
    """One refused input, as FastAPI reports it: where (`loc`), what (`type`), why (`msg`)."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str
    #: the limit that was broken (`{"ge": 0}`, `{"min_length": 8}`): the UI words the reason
    #: in the user's language from `type` and these, instead of showing the English `msg`
    ctx: dict[str, int | float | str] | None = None


class ErrorOut(BaseModel):
    """The body of every 4xx answer.

    `detail` is a sentence for the person who asked (a list of issues when request validation
    refused the input); `field` and `reason` name the first bad input when there is one.
    """

    detail: str | list[ValidationIssue]
    field: str | None = None
    reason: str | None = None


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
    #: a region id from the center's `regions:` (the IVR asked); omitted = from the number
    region: str | None = Field(default=None, min_length=1, max_length=64)


class CompleteIn(Strict):
    reached: bool = True
    wrap_up_s: Finite | None = Field(default=None, ge=0, le=3600)
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


class LeaveIn(Strict):
    """`callback`: the waiting customer asked to be called back (ends `callback_requested`)."""

    callback: bool = False


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
