"""Plain values and errors returned by `Store`; callers never see ORM objects or SQLAlchemy.

Frozen dataclasses can be passed across threads and cached without a session keeping them
alive or lazily loading attributes behind the caller's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotline.store.models import ROLES

__all__ = [
    "ROLES",
    "AuditEntry",
    "ConfigVersion",
    "DuplicateError",
    "NotFoundError",
    "Rejected",
    "StoreError",
    "User",
]


class StoreError(Exception):
    """Base class of the errors the store raises on purpose (not driver failures)."""


class Rejected(StoreError, ValueError):
    """The database refused the *values* of a write (a NUL byte, a too-long text, a number out
    of range): the connection is fine, retrying the same values would fail again. The opposite
    of an outage (`OperationalError`...), which is worth retrying and may need a rebuild."""


class DuplicateError(StoreError):
    """A unique value (e.g. a username) is already taken."""


class NotFoundError(StoreError, LookupError):
    """The row a change was aimed at does not exist."""


@dataclass(frozen=True, slots=True)
class User:
    """A login. `password_hash` is opaque here; hashing and verifying belong to the auth layer."""

    id: int
    username: str
    password_hash: str
    role: str  # one of ROLES
    agent_id: str | None
    display_name: str | None
    active: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """One saved center configuration document."""

    version: int
    created_at: float
    author: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit-log line: who did what to which target, and when."""

    id: int
    at: float
    user: str
    action: str
    target: str | None
    data: dict[str, Any] = field(default_factory=dict)
