"""The PostgreSQL locks that serialise one center's writes stay within that center.

Advisory locks belong to the whole database, while a center lives in a schema (test runs and
benches share one database). With one fixed key, a router's commit in one schema waited for
the commits of every other center in the database (issue 19: shared-machine latency tails).
Each lock is keyed by the schema: another center's open transaction is not waited for, the
same center's still is. `lock_timeout` turns a wait into an error, so nothing here is timed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from hotline.domain.records import EventRecord
from hotline.store import Store, make_engine, migrate
from hotline.store.aggregates import _PG_CATCH_UP_LOCK, Aggregates
from hotline.store.repository import _PG_APPEND_LOCK
from tests.conftest import _pg_schema_url
from tests.timelines import BASE

pytestmark = pytest.mark.postgres


def _impatient(url: str) -> Engine:
    engine = make_engine(url)
    event.listen(engine, "connect", lambda dbapi, _r: dbapi.execute("SET lock_timeout = '200ms'"))
    return engine


@pytest.fixture
def two_centers() -> Iterator[tuple[str, str]]:
    first, second = _pg_schema_url(), _pg_schema_url()
    urls = (next(first), next(second))
    for url in urls:
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
    yield urls
    for gen in (first, second):
        gen.close()


@pytest.mark.parametrize("lock", ["append", "catch-up"])
def test_a_center_does_not_wait_for_another_centers_lock(
    two_centers: tuple[str, str], lock: str
) -> None:
    a_url, b_url = two_centers
    holder = make_engine(a_url)
    same, other = _impatient(a_url), _impatient(b_url)
    try:
        with holder.connect() as conn:
            conn.begin()
            conn.execute(_PG_APPEND_LOCK if lock == "append" else _PG_CATCH_UP_LOCK)
            event_ = EventRecord(BASE, "contact.created", "c1", queue="q1")
            if lock == "append":
                assert Store(other).append([event_])  # center B commits meanwhile
                with pytest.raises(OperationalError, match="lock timeout"):
                    Store(same).append([event_])  # center A's own appends still queue
            else:
                Store(other).append([event_])
                assert Aggregates(other).catch_up() == 1
                with pytest.raises(OperationalError, match="lock timeout"):
                    Aggregates(same).catch_up()
            conn.rollback()
    finally:
        for engine in (holder, same, other):
            engine.dispose()
