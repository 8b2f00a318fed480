"""Specification of the simulated floor figures a planner reads beside the KPIs.

Found: with plenty of agents every contact was offered the instant it queued, yet the interval
table said `max q` 1 where the queue was 0, and the queue table repeated the center's
occupancy under the queue's name.
"""

from __future__ import annotations

from hotline.sim import scenario_from_dict, simulate
from hotline.sim.result import time_average
from tests.unit.sim_helpers import single_queue


def test_a_contact_queued_and_offered_at_the_same_instant_never_counts_as_waiting():
    _, peak = time_average([(10.0, 1), (10.0, -1)], 0.0, 60.0, 1)
    assert peak == [0.0]
    area, peak = time_average([(10.0, 1), (40.0, -1)], 0.0, 60.0, 1)
    assert (area, peak) == ([0.5], [1.0])


def test_an_overstaffed_day_shows_an_empty_queue_everywhere():
    doc = single_queue(20, 500, {"dist": "exponential", "mean_s": 60})
    result = simulate(scenario_from_dict(doc))
    assert sum(r.arrivals for r in result.intervals) > 400
    assert all(r.queue_len == 0 for r in result.intervals)
    assert all(r.max_queue == 0 for r in result.intervals)


def test_occupancy_is_the_centers_and_is_not_repeated_under_its_queue():
    doc = single_queue(3, 500, {"dist": "exponential", "mean_s": 60})
    result = simulate(scenario_from_dict(doc))
    assert result.total.occupancy is not None
    assert [k.occupancy for k in result.by_queue.values()] == [None]
