"""The twin against the live server: one small scenario played on a real `hotline serve`
(subprocess, SQLite) by the live drive, and in the simulator with the same seed.

A busy quarter-hour on the demo center (six agents, ~200 calls an hour of 80 s each, callers
who give up after a minute on average) at ×10 for 90 real seconds. The check must pass: the
same callers on both sides, and every KPI (SL, abandon, ASA per queue, occupancy) within its
tolerance. The same live run compared with a twin that has two agents fewer must fail: the
check can tell a twin that does not model the server. Every 5-minute interval is compared
too, and a second run plays the same quarter-hour with a sudden spike (arrivals ×2.5 from
10:08): the twin must follow the live server into the surge interval by interval.
"""

from __future__ import annotations

import pytest

from hotline.commands.twin_check import run_check
from hotline.sim import scenario_from_dict
from hotline.sim.twin import ALL, TwinWindow, compare, twin_runs

BUSY = {
    "name": "twin check: busy quarter-hour",
    "center": "demo",
    "start_date": "2026-03-02",
    "days": 1,
    "seed": 17,
    "kpi": {"sl_threshold_s": 20, "short_abandon_s": 5},
    "agent_behaviour": {"accept_delay": {"dist": "uniform", "low_s": 1, "high_s": 4}},
    "flows": [
        {
            "name": "enquiries",
            "queue": "general",
            "volume_per_day": 4800,  # flat: 200 an hour
            "handle": {"dist": "lognormal", "mean_s": 80, "cv": 0.6},
            "patience": {"dist": "exponential", "mean_s": 60},
        }
    ],
    "staffing": [{"name": "day", "agents": ["a01"], "start": "00:00", "end": "23:59"}],
}


@pytest.fixture(scope="module")
def checked():
    scenario = scenario_from_dict(BUSY)
    return run_check(
        scenario, speed=10, minutes=1.5, start_clock="10:00", bots=6, runs=12, interval_min=5,
        log=lambda _: None,
    )  # fmt: skip


@pytest.fixture(scope="module")
def surged():
    scenario = scenario_from_dict(BUSY)
    return run_check(
        scenario, speed=10, minutes=1.5, start_clock="10:00", bots=6, runs=12, interval_min=5,
        surge=2.5, surge_at="10:08", log=lambda _: None,
    )  # fmt: skip


def test_the_live_server_and_the_twin_see_the_same_callers(checked):
    live, twin = checked.live[ALL], checked.twins[0].scopes[ALL]
    assert twin.offered >= 30, twin
    assert not checked.drive.errors, checked.drive.errors
    assert abs(live.offered - twin.offered) <= 1, (live.offered, twin.offered)
    assert live.answered > 0 and live.abandoned > 0, live  # the quarter-hour is really busy


def test_every_kpi_agrees_within_its_tolerance(checked):
    out = [c for c in checked.checks if not c.ok]
    assert not out, out
    assert {c.metric for c in checked.checks} == {
        "service_level",
        "abandon_rate",
        "asa_s",
        "occupancy",
    }


def test_a_twin_with_two_agents_fewer_is_caught(checked):
    w = checked.window
    short = TwinWindow(w.start, w.end, w.agents[:-2])
    wrong = [t.scopes for t in twin_runs(checked.scenario, short, None, 12)]
    failed = {c.metric for c in compare(checked.live, wrong) if c.scope == ALL and not c.ok}
    assert failed & {"service_level", "abandon_rate", "asa_s"}, failed


def test_every_interval_agrees_within_its_tolerance(checked):
    assert list(checked.live_intervals) == ["10:00", "10:05", "10:10"]
    assert {c.scope for c in checked.interval_checks} == {"10:00", "10:05", "10:10"}
    out = [c for c in checked.interval_checks if not c.ok]
    assert not out, out


def test_under_a_surge_the_twin_follows_the_live_server_interval_by_interval(surged):
    live, twin = surged.live_intervals, surged.twins[0].intervals
    assert not surged.drive.errors, surged.drive.errors
    calm, storm = live["10:00"], live["10:10"]
    assert storm.offered > 1.5 * calm.offered, (calm, storm)  # the spike reached the server
    assert abs(storm.offered - twin["10:10"].offered) <= 1
    out = [c for c in (*surged.checks, *surged.interval_checks) if not c.ok]
    assert not out, out
