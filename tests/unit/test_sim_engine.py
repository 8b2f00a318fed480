"""Specifications of the simulator: reproducible, schedules and breaks kept, traffic as asked."""

from __future__ import annotations

import copy
import itertools
from collections import defaultdict

import pytest

from hotline.domain.records import EventRecord
from hotline.sim import Simulation, scenario_from_dict, simulate, windows
from hotline.sim.traffic import build_streams
from tests.unit.sim_helpers import DEMO_DAY, demo_day, single_queue


@pytest.fixture(scope="module")
def day():
    """One demo-center day with every feature on, run once for the module."""
    sc = demo_day()
    sim = Simulation(sc)
    sim.run()
    return sc, sim


def _by_agent(records: list[EventRecord], kind: str) -> dict[str, list[EventRecord]]:
    out: dict[str, list[EventRecord]] = defaultdict(list)
    for r in records:
        if r.kind == kind and r.agent_id:
            out[r.agent_id].append(r)
    return out


def test_same_seed_same_day_different_seed_different_day():
    sc = demo_day()
    a, b = simulate(sc), simulate(sc)
    assert a.records == b.records
    assert a.total == b.total
    assert [r.kpis for r in a.intervals] == [r.kpis for r in b.intervals]
    c = simulate(sc, seed=8)
    assert c.total != a.total
    assert c.records != a.records


def test_nobody_is_logged_in_or_offered_work_outside_their_shift(day):
    sc, sim = day
    wins = windows(sc)
    states = _by_agent(sim.records, "agent.state")
    offers = _by_agent(sim.records, "contact.offered")
    stop = sc.end + sc.spec.drain_hours * 3600
    assert set(states) == set(wins)
    for aid, changes in states.items():
        logins = [r.at for r in changes if r.data["from"] == "offline"]
        logouts = [r for r in changes if r.data["to"] == "offline"]
        assert logins == [w.start for w in wins[aid]], aid
        finished = [w for w in wins[aid] if w.end < stop]  # the run stops after the drain
        assert len(logouts) == len(finished), aid
        for w, out in zip(finished, logouts, strict=True):
            assert out.at >= w.end
            late = [o for o in offers[aid] if w.end < o.at <= out.at]
            assert not late, f"{aid} got work after its shift ended"
        for o in offers[aid]:
            assert any(w.start <= o.at <= w.end for w in wins[aid]), (aid, o.at)


def test_breaks_are_taken_in_full_once_the_agent_is_free(day):
    sc, sim = day
    wins = windows(sc)
    states = _by_agent(sim.records, "agent.state")
    for aid, ws in wins.items():
        changes = states[aid]
        spans = [
            (r.at, nxt.at, r.data["reason"])
            for r, nxt in itertools.pairwise(changes)
            if r.data["to"] == "not_ready" and r.data["reason"] in ("break", "meal")
        ]
        planned = [b for w in ws for b in w.breaks if b[0] < w.end]
        assert len(spans) == len(planned), aid
        for (start, end, reason), (at, seconds, want) in zip(spans, planned, strict=True):
            assert reason == want
            assert start >= at  # not before it is due; later only while finishing a contact
            assert start - at < 3600
            assert end - start == pytest.approx(seconds)


def test_ivr_containment_and_callbacks_are_counted_and_worked(day):
    _sc, sim = day
    st = sim.stats
    created = [r for r in sim.records if r.kind == "contact.created" and r.channel != "callback"]
    assert len(created) == st.arrivals
    assert st.contained == sum(st.contained_per_interval) > 0
    voice = 500 * 0.85
    assert st.contained == pytest.approx(0.2 * voice, rel=0.35)
    attempts = [r for r in sim.records if r.kind == "contact.callback_attempt"]
    callbacks = {
        r.contact_id for r in sim.records if r.kind == "contact.created" and r.channel == "callback"
    }
    assert callbacks and attempts
    ended = {
        r.contact_id for r in sim.records if r.kind == "contact.ended" and r.contact_id in callbacks
    }
    assert ended == callbacks  # every callback worked to a result (reached or gave up)
    reached = sum(r.data["reached"] for r in attempts) / len(attempts)
    assert 0.4 < reached < 0.95  # drawn with probability 0.7
    chats = [r for r in sim.records if r.kind == "contact.created" and r.channel == "chat"]
    assert chats and all(not r.data["customer"] for r in chats)  # a chat leaves no number


def test_retrials_come_back_as_new_contacts_of_the_same_customer(day):
    _sc, sim = day
    assert sim.stats.retrials > 0
    customers = defaultdict(list)
    for r in sim.records:
        if r.kind == "contact.created" and r.channel == "voice" and r.data["customer"]:
            customers[r.data["customer"]].append(r.contact_id)
    assert sum(len(v) > 1 for v in customers.values()) > 0


def test_chats_are_served_concurrently(day):
    _sc, sim = day
    load: dict[str, int] = defaultdict(int)
    peak = 0
    chat = {
        r.contact_id for r in sim.records if r.kind == "contact.created" and r.channel == "chat"
    }
    for r in sim.records:
        if r.contact_id in chat and r.kind == "contact.answered":
            load[r.agent_id] += 1
            peak = max(peak, load[r.agent_id])
        elif r.contact_id in chat and r.kind == "contact.ended" and r.agent_id:
            load[r.agent_id] -= 1
    assert 2 <= peak <= 3  # the demo agents take up to 2-3 chats at once


def test_surge_multiplies_arrivals():
    doc = single_queue(5, 24_000, {"dist": "fixed", "value_s": 1})
    doc["surges"] = [{"day": 1, "start": "08:00", "hours": 4, "factor": 3.0}]
    sc = scenario_from_dict(doc)
    (stream,) = build_streams(sc, seed=3)
    times = list(stream.times())
    t8, t12 = sc.start + 8 * 3600, sc.start + 12 * 3600
    inside = sum(t8 <= t < t12 for t in times) / 4
    outside = sum(not t8 <= t < t12 for t in times) / 20
    assert inside / outside == pytest.approx(3.0, rel=0.08)
    assert len(times) == pytest.approx(24_000 * (20 + 4 * 3) / 24, rel=0.03)


def test_surge_shows_in_the_simulated_interval_counts():
    doc = single_queue(6, 1_500, {"dist": "exponential", "mean_s": 60})
    doc["surges"] = [{"day": 1, "start": "10:00", "hours": 4, "factor": 3.0}]
    result = simulate(scenario_from_dict(doc))
    per_hour = [sum(r.arrivals for r in result.intervals[2 * h : 2 * h + 2]) for h in range(24)]
    surge, rest = sum(per_hour[10:14]) / 4, (sum(per_hour) - sum(per_hour[10:14])) / 20
    assert 2.2 < surge / rest < 3.8


def test_ivr_containment_share_holds_on_a_large_flow():
    doc = single_queue(5, 100_000, {"dist": "fixed", "value_s": 1})
    doc["flows"][0]["ivr"] = {"containment": 0.8}
    (stream,) = build_streams(scenario_from_dict(doc), seed=1)
    routed, contained = sum(1 for _ in stream.times()), sum(stream.contained)
    assert routed == pytest.approx(20_000, rel=0.03)
    assert contained == pytest.approx(80_000, rel=0.02)


def test_breaks_of_a_busy_agent_wait_for_the_contact_to_end():
    doc = copy.deepcopy(DEMO_DAY)
    doc["flows"][0]["volume_per_day"] = 3000  # everybody busy most of the time
    sc = scenario_from_dict(doc)
    sim = Simulation(sc)
    sim.run()
    delayed = [
        r
        for r in sim.records
        if r.kind == "agent.state"
        and r.data["to"] == "not_ready"
        and r.data["from"] == "busy"
        and r.data["reason"] in ("break", "meal")
    ]
    assert delayed  # went on break straight from a contact, not in the middle of one
