"""Specification of how the report catch-up shares the database with the router (issue 19).

The router commits every few milliseconds; a catch-up batch must never make it wait for a
fold. So a batch is folded with reads only (possible while the router holds the write lock),
and only its writes run in a transaction, which never reads the timeline; a fold that another
catch-up overtook meanwhile is dropped, never written twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from hotline.domain.records import EventRecord
from hotline.kpi import compute_kpis
from hotline.store import Store, make_engine
from hotline.store.aggregates import Aggregates
from hotline.store.aggregates_query import ReportReader
from hotline.store.repository import _PG_APPEND_LOCK
from tests.integration.test_report_aggregates import assert_same
from tests.timelines import BASE

T0, T1 = BASE - 420, BASE + 7200


def _center(contacts: int = 6) -> list[EventRecord]:
    """One agent answering `contacts` calls in turn, with wrap-up after each."""

    def state(at: float, old: str, new: str) -> EventRecord:
        return EventRecord(at, "agent.state", agent_id="a1", data={"from": old, "to": new})

    out = [state(BASE, "offline", "available")]
    for i in range(contacts):
        t, cid = BASE + 10 + 200 * i, f"c{i}"
        out += [
            EventRecord(t, "contact.created", cid, queue="q1", channel="voice"),
            EventRecord(t + 1, "contact.queued", cid, queue="q1", data={"ewt_s": 5}),
            EventRecord(t + 9, "contact.answered", cid, "a1", "q1", data={"wait_s": 8}),
            state(t + 9, "available", "busy"),
            EventRecord(t + 90, "contact.ended", cid, "a1", data={"outcome": "completed"}),
            state(t + 90, "busy", "wrap_up"),
            state(t + 120, "wrap_up", "available"),
        ]
    return out


@pytest.fixture
def impatient(store: Store, db_url: str) -> Iterator[Engine]:
    """A second engine on the same database that does not wait for the router: on SQLite an
    operation that needs the write lock fails at once instead of waiting (no timing in the
    test). PostgreSQL advisory locks are database-wide, shared with the tests and servers of
    other schemas, so there a lock wait fails only after 10 s (a fold that waited for the
    router's lock, held by this test, would otherwise hang)."""
    engine = make_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"
    setting = "PRAGMA busy_timeout = 0" if sqlite else "SET lock_timeout = '10s'"
    event.listen(engine, "connect", lambda dbapi, _r: dbapi.execute(setting))
    yield engine
    engine.dispose()


def _hold_router_lock(store: Store) -> Any:
    """Open a transaction holding what a router commit holds: SQLite's write lock, or the
    PostgreSQL append lock (`Store.append`)."""
    conn = store.engine.connect()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.begin()
        conn.execute(_PG_APPEND_LOCK)
    return conn


def _kpis_match(store: Store, aggregates: Aggregates, events: list[EventRecord]) -> None:
    reader = ReportReader(store.engine, aggregates.profiles)
    assert_same(reader.kpis(T0, T1).total, compute_kpis(events, T0, T1))


def test_a_batch_is_folded_while_the_router_holds_the_write_lock(
    store: Store, impatient: Engine
) -> None:
    events = _center()
    store.append(events)
    planner, aggregates = Aggregates(impatient), Aggregates(store.engine)
    aggregates.catch_up(max_batches=0)  # builds the markers (a write) before the router locks
    router = _hold_router_lock(store)
    try:
        fold = planner.plan(batch=10)  # reads only: does not wait for the router
        assert fold is not None and fold.events == 10 and fold.facts
        if impatient.dialect.name == "sqlite":  # only the write needs the lock
            with pytest.raises(OperationalError, match="locked"):
                planner.apply(fold)
    finally:
        router.rollback()
        router.close()
    assert aggregates.apply(fold)
    assert aggregates.cursor() == fold.last_seq
    aggregates.catch_up(batch=10)
    assert aggregates.cursor() == store.last_event_seq()
    _kpis_match(store, aggregates, events)


def test_a_fold_overtaken_by_another_catch_up_is_not_written(store: Store) -> None:
    events = _center()
    store.append(events)
    aggregates = Aggregates(store.engine)
    aggregates.catch_up(max_batches=0)
    late, first = aggregates.plan(batch=9), aggregates.plan(batch=9)
    assert late is not None and first is not None
    assert aggregates.apply(first)
    assert not aggregates.apply(late)  # planned from the old cursor: would count twice
    assert aggregates.cursor() == first.last_seq
    aggregates.catch_up(batch=9)
    _kpis_match(store, aggregates, events)
    before = ReportReader(store.engine, aggregates.profiles).kpis(T0, T1)
    aggregates.rebuild()
    assert ReportReader(store.engine, aggregates.profiles).kpis(T0, T1) == before


_READS_TIMELINE = re.compile(r"\bFROM events\b", re.IGNORECASE)
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def test_no_write_transaction_of_a_catch_up_reads_the_timeline(store: Store) -> None:
    events = _center(contacts=10)
    store.append(events)
    aggregates = Aggregates(store.engine)
    aggregates.catch_up(max_batches=0)
    open_tx: dict[int, list[str]] = {}
    done: list[list[str]] = []

    def begin(conn: Any) -> None:
        open_tx[id(conn)] = []

    def statement(conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        open_tx.setdefault(id(conn), []).append(sql)

    def end(conn: Any) -> None:
        done.append(open_tx.pop(id(conn), []))

    listeners = [("begin", begin), ("before_cursor_execute", statement)]
    listeners += [("commit", end), ("rollback", end)]
    for name, fn in listeners:
        event.listen(store.engine, name, fn)
    try:
        folded = aggregates.catch_up(batch=8)
    finally:
        for name, fn in listeners:
            event.remove(store.engine, name, fn)
    assert folded == len(events)
    writes = [tx for tx in done if any(_WRITES.match(sql) for sql in tx)]
    batches = [tx for tx in writes if any(sql.startswith("UPDATE report_cursor") for sql in tx)]
    assert len(batches) == -(-len(events) // 8)  # one write transaction per batch of 8
    for tx in writes:
        assert not [sql for sql in tx if _READS_TIMELINE.search(sql)], tx
    _kpis_match(store, aggregates, events)
