"""One jobs process per center: a lock that lives as long as the process holding it.

The background jobs (report catch-up, alerts, scheduled reports, QA, retention purge) must not
run twice for one center: two scheduled-report runners would send the same bulletin twice and
two alert evaluators would fire the same alert twice. The lock dies with its holder, so a
crashed jobs process never leaves the center without one for long:

* PostgreSQL: a session-level advisory lock on a connection of its own, held open, keyed by
  the database and schema (one center per schema: test runs share a database);
* SQLite: an exclusive `flock` on `<database>.jobs.lock` next to the file (memory databases
  cannot be shared between processes, so their lock is always granted).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import IO

from sqlalchemy import Connection, text

from hotline.store.repository import Store

#: the two-key advisory lock's first key ("hotline jobs"); the second names the center
JOBS_LOCK_CLASS = 0x4A0B5
_TRY_LOCK = text(
    "SELECT pg_try_advisory_lock(:cls, hashtext(current_database() || '.' || current_schema()))"
)


class JobsLock:
    """`acquire()` without waiting (False: another process runs the jobs); `held()` checks
    it is still ours (a PostgreSQL restart drops it with the connection); `release()`."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._engine.dialect.name == "postgresql":
            conn = self._engine.connect()
            got = bool(conn.execute(_TRY_LOCK, {"cls": JOBS_LOCK_CLASS}).scalar())
            conn.commit()
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        path = self._lock_path()
        if path is None:
            return True
        f = open(path, "ab")  # noqa: SIM115 - held open for the life of the lock
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            return False
        self._file = f
        return True

    def held(self) -> bool:
        if self._conn is None:
            return self._engine.dialect.name != "postgresql"
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except Exception:  # the connection (and with it the lock) is gone
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()  # ends the session: the advisory lock goes with it
            self._conn = None
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None

    def _lock_path(self) -> str | None:
        database = self._engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return os.path.abspath(os.path.expanduser(database)) + ".jobs.lock"
