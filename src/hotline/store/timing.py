"""Timing the event appends from outside the write path (for the `/metrics` histogram).

SQLAlchemy engine events wrap the cursor call of every `INSERT INTO events`, so the metric is
the database's own write time and `Store.append` stays untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event


def observe_event_writes(engine: Engine, observe: Callable[[float], None]) -> None:
    """Call `observe(seconds)` after each `INSERT INTO events` statement on `engine`."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            conn.info["hotline_write_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        t0 = conn.info.pop("hotline_write_t0", None)
        if t0 is not None:
            observe(time.perf_counter() - t0)
