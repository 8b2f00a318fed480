"""Engine construction: the one place that knows how each database is tuned.

SQLite is the embedded default (one file, no server), PostgreSQL the choice for larger sites.
Everything else in `hotline` gets a ready `Engine` from `make_engine` and never sets pragmas or
connect arguments itself, so both databases behave the same way for the rest of the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

#: How long a SQLite writer waits for the lock before failing with "database is locked".
#: Appends are short, so a few seconds of queueing behind another writer is plenty.
SQLITE_BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: str | URL) -> bool:
    """True for any `sqlite://`-family URL (with or without an explicit driver)."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create a tuned engine for `url` (`sqlite:///path.db` or `postgresql+psycopg://...`).

    SQLite connections get, on every connect:

    * `journal_mode=WAL` - readers (wallboard, reports) never block the writer (the router);
    * `synchronous=NORMAL` - in WAL mode a committed transaction survives a crash or `kill -9`
      of the process (only an OS crash / power loss may drop the last few commits), at a
      fraction of the fsync cost of `FULL` - the right trade for an event log on the hot path;
    * `foreign_keys=ON` - SQLite ignores declared foreign keys unless asked;
    * `busy_timeout` - wait for a concurrent writer instead of failing immediately.

    The parent directory of a SQLite file is created when missing, so a fresh install can
    point at `sqlite:///var/hotline.db` without a setup step. Extra `kwargs` go to
    `create_engine` unchanged.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_parent(parsed)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # survive server restarts / idle disconnects
    return create_engine(parsed, **kwargs)


def _ensure_sqlite_parent(url: URL) -> None:
    """Create the directory holding a file database; memory and `file:` URIs are left alone."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Apply the per-connection pragmas (they are not persisted in the file, except WAL)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
