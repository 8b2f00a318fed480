"""Specification of the reporting aggregates: they give exactly the KPIs of a full refold.

A random timeline is appended to a real database (SQLite and PostgreSQL) in two halves with a
catch-up after each (so contacts answered or ended after a batch are refolded, and agent
spans close across batches); then, for random ranges — aligned to the 15-minute cube and not —
and every queue/channel scope, the aggregates' KPIs equal `compute_kpis` over all events.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain.records import EventRecord
from hotline.kpi import KpiOptions, Kpis, compute_kpis, kpis_by_queue
from hotline.store import Store
from hotline.store.aggregates import Aggregates
from hotline.store.aggregates_query import Filters, ReportReader
from tests.timelines import BASE, ranges, timelines

QUARTER = 900.0
_aligned = st.tuples(st.integers(0, 17), st.integers(1, 17)).map(
    lambda p: (BASE - 420 + p[0] * QUARTER, BASE - 420 + (p[0] + p[1]) * QUARTER)
)
ZONE = "Asia/Shanghai"  # BASE is 00:07 there: the wide range below holds a whole local day
SCOPES = [(None, None), ("q1", None), (None, "voice"), (None, "callback"), ("q2", "chat")]


def assert_same(got: Kpis, want: Kpis) -> None:
    for f in dataclasses.fields(Kpis):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, float) and a is not None:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (f.name, a, b)
        else:
            assert a == b, (f.name, a, b)


def _reset(store: Store) -> None:
    from sqlalchemy import delete

    from hotline.store.repository import EVENTS

    with store.engine.begin() as conn:
        conn.execute(delete(EVENTS))
    Aggregates(store.engine, zone=ZONE).rebuild()


def check(store: Store, events: list[EventRecord], spans: list[tuple[float, float]]) -> None:
    _reset(store)
    half = len(events) // 2
    aggregates = Aggregates(store.engine, zone=ZONE)
    store.append(events[:half])
    aggregates.catch_up(batch=7)
    store.append(events[half:])
    aggregates.catch_up(batch=7)
    reader = ReportReader(store.engine, aggregates.profiles, ZONE)
    options = [KpiOptions(), KpiOptions(sl_threshold_s=10, short_abandon_s=2)]
    for t0, t1 in spans:
        for opts in options:
            for queue, channel in SCOPES:
                got = reader.kpis(t0, t1, Filters(queue, channel, options=opts))
                want = compute_kpis(events, t0, t1, queue=queue, channel=channel, options=opts)
                assert_same(got.total, want)
            per_queue = kpis_by_queue(events, t0, t1, options=opts)
            got_all = reader.kpis(t0, t1, Filters(options=opts))
            assert sorted(got_all.queues) == sorted(per_queue)
            for q, k in per_queue.items():
                assert_same(got_all.queues[q], k)


@pytest.mark.parametrize("seed_note", ["random timelines"])
def test_aggregates_equal_a_full_refold(store: Store, seed_note: str) -> None:
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(timelines(), st.lists(st.one_of(ranges, _aligned), min_size=1, max_size=3))
    def run(events: list[EventRecord], spans: list[tuple[float, float]]) -> None:
        check(store, events, [*spans, (BASE - 1.5 * 86400, BASE + 86400)])

    run()


def test_rebuild_gives_the_same_aggregates_as_the_incremental_run(store: Store) -> None:
    def state(at: float, old: str, new: str) -> EventRecord:
        return EventRecord(at, "agent.state", agent_id="a1", data={"from": old, "to": new})

    events = [
        state(BASE, "offline", "available"),
        EventRecord(BASE + 10, "contact.created", "c1", queue="q1", channel="voice"),
        EventRecord(BASE + 11, "contact.queued", "c1", queue="q1", data={"ewt_s": 5}),
        EventRecord(BASE + 20, "contact.answered", "c1", "a1", "q1", data={"wait_s": 9}),
        state(BASE + 20, "available", "busy"),
        EventRecord(BASE + 100, "contact.ended", "c1", "a1", data={"outcome": "completed"}),
        state(BASE + 100, "busy", "wrap_up"),
        state(BASE + 130, "wrap_up", "available"),
    ]
    store.append(events)
    aggregates = Aggregates(store.engine)
    aggregates.catch_up(batch=3)
    reader = ReportReader(store.engine, aggregates.profiles)
    t0, t1 = BASE - 420, BASE + 3600
    before = reader.kpis(t0, t1 + 5000)
    assert before.total.acw_s_avg == 30 and before.total.aht_s == 110
    assert aggregates.cursor() == store.last_event_seq()
    aggregates.rebuild()
    assert reader.kpis(t0, t1 + 5000) == before
    assert_same(reader.kpis(t0, t1).total, compute_kpis(events, t0, t1))
