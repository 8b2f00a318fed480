"""Specification of the report filters by team, province and skill.

They are resolved from the center config into sets of agents or queues (`scope_filters`);
the aggregates then answer a set exactly as the single filters they are made of, which the
property test of `test_report_aggregates` already checks against a full refold: a one-element
set gives the very figures of the single filter, a larger set the sums of its members, and the
center line stays the whole center's. Random timelines, SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.config import load_demo_config
from hotline.domain.models import AgentConfig
from hotline.domain.records import EventRecord
from hotline.domain.regions import Region, RegionMap
from hotline.kpi import KpiOptions, Kpis
from hotline.services.reports import ScopeError, scope_filters
from hotline.store import Store
from hotline.store.aggregates import Aggregates
from hotline.store.aggregates_query import Filters, Period, ReportReader
from tests.integration.test_report_aggregates import ZONE, _reset, assert_same
from tests.timelines import BASE, ranges, timelines

ADDITIVE = ("offered", "answered", "abandoned", "short_abandoned", "handled",
            "callbacks_created", "callbacks_completed")  # fmt: skip


def _sum_of(parts: list[Kpis], name: str) -> int:
    return sum(getattr(k, name) or 0 for k in parts)


def check(store: Store, events: list[EventRecord], spans: list[tuple[float, float]]) -> None:
    _reset(store)
    store.append(events)
    aggregates = Aggregates(store.engine, zone=ZONE)
    aggregates.catch_up(batch=11)
    reader = ReportReader(store.engine, aggregates.profiles, ZONE)
    for t0, t1 in spans:
        for opts in (KpiOptions(), KpiOptions(sl_threshold_s=10)):
            everything = reader.kpis(t0, t1, Filters(options=opts))
            # one queue as a set = the queue filter (rows, total; the center is not narrowed)
            one_q = reader.kpis(t0, t1, Filters(options=opts, queues=frozenset({"q1"})))
            by_q = reader.kpis(t0, t1, Filters("q1", options=opts))
            assert_same(one_q.total, dataclasses.replace(by_q.total, queue=None))
            assert one_q.queues == by_q.queues and one_q.center == everything.center
            both = reader.kpis(t0, t1, Filters(options=opts, queues=frozenset({"q1", "q2"})))
            assert both.queues == {q: k for q, k in everything.queues.items() if q in ("q1", "q2")}
            for name in ADDITIVE:
                assert getattr(both.total, name) == _sum_of(list(both.queues.values()), name)
            # one agent as a set = the agent filter; a set sums its members' contacts
            for a in ("a1", "a2"):
                as_set = reader.kpis(t0, t1, Filters(options=opts, agents=frozenset({a})))
                assert _same_period(as_set, reader.kpis(t0, t1, Filters(agent=a, options=opts)))
            team = reader.kpis(t0, t1, Filters(options=opts, agents=frozenset({"a1", "a2"})))
            singles = [reader.kpis(t0, t1, Filters(agent=a, options=opts)) for a in ("a1", "a2")]
            for name in ADDITIVE:
                assert getattr(team.total, name) == _sum_of([p.total for p in singles], name)
            occupancies = [p.total.occupancy for p in singles if p.total.occupancy is not None]
            if occupancies and team.total.occupancy is not None:
                assert min(occupancies) - 1e-9 <= team.total.occupancy <= max(occupancies) + 1e-9
            # a team and a queue set together: both hold
            mixed = Filters(options=opts, queues=frozenset({"q2"}), agents=frozenset({"a1"}))
            got = reader.kpis(t0, t1, mixed)
            want = reader.kpis(t0, t1, Filters("q2", agent="a1", options=opts))
            assert_same(got.total, dataclasses.replace(want.total, queue=None))
            nobody = reader.kpis(t0, t1, Filters(options=opts, agents=frozenset()))
            assert nobody.total.offered == 0 and nobody.queues == {}


def _same_period(a: Period, b: Period) -> bool:
    assert_same(a.total, b.total)
    assert_same(a.center, b.center)
    assert sorted(a.queues) == sorted(b.queues)
    for q in a.queues:
        assert_same(a.queues[q], b.queues[q])
    return True


def test_team_and_queue_sets_equal_the_filters_they_are_made_of(store: Store) -> None:
    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(timelines(), st.lists(ranges, min_size=1, max_size=2))
    def run(events: list[EventRecord], spans: list[tuple[float, float]]) -> None:
        check(store, events, [*spans, (BASE - 1.5 * 86400, BASE + 86400)])

    run()


def _center():
    """The demo center with a team and three regions: Chongqing's callers asking for general
    go to english (a stand-in regional queue), Sichuan's to complaints; Tibet has none."""
    cfg = load_demo_config()
    agents = [dataclasses.replace(a, team="A班" if i < 3 else None)
              for i, a in enumerate(cfg.agents)]  # fmt: skip
    regions = RegionMap((
        Region("cq", "重庆", frozenset({"Chongqing"}), (), {"general": "english"}),
        Region("sc", "四川", frozenset({"Sichuan"}), (), {"general": "complaints"}),
        Region("xz", "西藏", frozenset({"Tibet"})),
    ))  # fmt: skip
    return dataclasses.replace(cfg, agents=tuple(agents), regions=regions)


def test_team_province_and_skill_resolve_from_the_center_config() -> None:
    cfg = _center()
    f = scope_filters(cfg, team="A班", province="重庆", channel="voice")
    assert f.agents == frozenset(a.id for a in cfg.agents[:3]) and f.channel == "voice"
    assert f.queues == frozenset({"english"})
    for same in ("cq", "Chongqing", "重庆市"):  # region id, province in English or in full
        assert scope_filters(cfg, province=same).queues == f.queues
    assert scope_filters(cfg, province="四川").queues == frozenset({"complaints"})
    skill = "complaints"
    by_skill = scope_filters(cfg, skill=skill)
    assert by_skill.queues == frozenset(
        q.id for q in cfg.queues if any(r.skill == skill for r in q.skills)
    )
    assert scope_filters(cfg, skill=skill, province="四川").queues == frozenset({"complaints"})
    assert scope_filters(cfg, skill=skill, province="重庆").queues == frozenset()
    assert scope_filters(cfg) == Filters()
    for field, value in (("team", "B班"), ("province", "火星"), ("skill", "klingon")):
        with pytest.raises(ScopeError) as err:
            scope_filters(cfg, **{field: value})
        assert err.value.field == field and value in str(err.value)
    with pytest.raises(ScopeError, match="maps no queue"):  # its callers share the queues
        scope_filters(cfg, province="西藏")
    with pytest.raises(ScopeError, match="none configured"):
        scope_filters(load_demo_config(), team="A班")
    assert isinstance(cfg.agents[0], AgentConfig)
