"""Persistence for hotline - the only package that imports SQLAlchemy.

Typical start-up::

    engine = make_engine(settings.database_url)   # sqlite:///var/hotline.db by default
    migrate(engine)                               # alembic upgrade head, idempotent
    store = Store(engine)

or simply `store = open_store(url)`. Everything crossing this boundary is a plain dataclass
(`EventRecord`, `ContactSnapshot`, `AgentSnapshot`, `User`, `ConfigVersion`, `AuditEntry`).
"""

from __future__ import annotations

from sqlalchemy.engine import URL

# Register every table on Base.metadata (Alembic's parity check and create_all need them all).
from hotline.store import models_campaigns as _models_campaigns  # noqa: F401
from hotline.store import models_compliance as _models_compliance  # noqa: F401
from hotline.store import models_kb as _models_kb  # noqa: F401
from hotline.store import models_phones as _models_phones  # noqa: F401
from hotline.store import models_qa as _models_qa  # noqa: F401
from hotline.store import models_reports as _models_reports  # noqa: F401
from hotline.store import models_tickets as _models_tickets  # noqa: F401
from hotline.store.db import make_engine
from hotline.store.entities import (
    ROLES,
    AuditEntry,
    ConfigVersion,
    DuplicateError,
    NotFoundError,
    Rejected,
    StoreError,
    User,
)
from hotline.store.migrate import migrate
from hotline.store.repository import Store, value_limits

__all__ = [
    "ROLES",
    "AuditEntry",
    "ConfigVersion",
    "DuplicateError",
    "NotFoundError",
    "Rejected",
    "Store",
    "StoreError",
    "User",
    "make_engine",
    "migrate",
    "open_store",
    "value_limits",
]


def open_store(url: str | URL) -> Store:
    """Engine + migrations + `Store` in one call, for the server, CLI and simulator."""
    engine = make_engine(url)
    migrate(engine)
    return Store(engine)
