"""The twin check's pure half: the window, the scaled center, the clock, the verdicts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hotline.domain.records import EventRecord
from hotline.sim import load_scenario
from hotline.sim.twin import (
    ALL,
    Check,
    TwinSimulation,
    check_window,
    compare,
    scaled_center,
    to_scenario_clock,
    tolerance,
    twin_runs,
    window_kpis,
)

DEMO = load_scenario(Path(__file__).parents[2] / "scenarios" / "966666.yaml")


def test_the_window_starts_at_the_clock_and_takes_the_first_agents_by_id():
    w = check_window(DEMO, "09:00", 1800, 3)
    assert w.start == DEMO.start + 9 * 3600
    assert w.end == w.start + 1800
    assert w.agents == ("a01", "a02", "a03")


def test_the_live_center_runs_every_timer_faster_by_the_speed():
    live = scaled_center(DEMO.center, 20)
    for slow, fast in zip(DEMO.center.queues, live.queues, strict=True):
        assert fast.offer_timeout_s == slow.offer_timeout_s / 20
        assert fast.wrap_up_s == slow.wrap_up_s / 20
        assert fast.expected_aht_s == slow.expected_aht_s / 20
        assert [r.after_s for r in fast.relax] == [r.after_s / 20 for r in slow.relax]
        for a, b in zip(slow.overflow, fast.overflow, strict=True):
            assert (b.target, b.after_s, b.ewt_over_s) == (
                a.target,
                None if a.after_s is None else a.after_s / 20,
                None if a.ewt_over_s is None else a.ewt_over_s / 20,
            )
        assert fast.hours is None
    assert live.callback_retry_s == DEMO.center.callback_retry_s / 20
    assert live.weights.priority_s == DEMO.center.weights.priority_s / 20
    assert live.agents == DEMO.center.agents


def test_live_facts_go_back_on_the_scenario_clock_with_their_durations():
    fact = EventRecord(
        1000.5, "contact.answered", "c1", data={"wait_s": 0.25, "due_at": 1001.0, "x": 3}
    )
    [back] = to_scenario_clock([fact], epoch=1000.0, start=50_000.0, speed=20)
    assert back.at == 50_010.0
    assert back.data == {"wait_s": 5.0, "due_at": 50_020.0, "x": 3}


def test_the_twin_plays_only_the_window_with_the_agents_logged_in_from_its_start():
    w = check_window(DEMO, "09:00", 1800, 4)
    sim = TwinSimulation(DEMO, w)
    sim.run()
    created = [r.at for r in sim.records if r.kind == "contact.created"]
    assert created and min(created) >= w.start and max(created) < w.end
    logins = [r for r in sim.records if r.kind == "agent.state" and r.data["from"] == "offline"]
    assert [r.agent_id for r in logins] == list(w.agents)
    assert all(w.start - 1 < r.at < w.start for r in logins)
    ended = {r.contact_id for r in sim.records if r.kind == "contact.ended"}
    answered = {r.contact_id for r in sim.records if r.kind == "contact.answered"}
    created_ids = {r.contact_id for r in sim.records if r.kind == "contact.created"}
    # every caller not answered by the end has hung up, as the drive withdraws its callers
    assert created_ids - answered <= ended


def test_same_seed_same_twin_and_the_ring_delays_are_the_only_difference():
    w = check_window(DEMO, "09:00", 3600, None)
    a, b = twin_runs(DEMO, w, None, 2), twin_runs(DEMO, w, None, 2)
    assert a == b
    assert a[0].scopes[ALL].offered == a[1].scopes[ALL].offered  # same callers
    assert a[0].scopes[ALL].asa_s != a[1].scopes[ALL].asa_s  # other ring delays


def test_a_difference_beyond_the_tolerance_fails_and_one_within_passes():
    w = check_window(DEMO, "09:00", 3600, None)
    twins = [t.scopes for t in twin_runs(DEMO, w, None, 5)]
    same = compare(twins[0], twins)
    assert all(c.ok for c in same)
    worse = dataclasses.replace(twins[0][ALL], service_level=twins[0][ALL].service_level - 0.2)
    bad = compare({**twins[0], ALL: worse}, twins)
    assert [c.metric for c in bad if not c.ok] == ["service_level"]


def test_the_tolerance_is_the_spread_of_the_runs_with_a_floor():
    assert tolerance([0.5], 0.03) == 0.03
    assert tolerance([0.5, 0.5, 0.5], 0.03) == 0.03
    assert 0.2 < tolerance([0.4, 0.5, 0.6], 0.03) < 0.6


def test_a_kpi_defined_on_one_side_only_fails_unless_there_are_too_few_contacts():
    assert not Check("q", "asa_s", 3.0, None, 3.0, 20, 20).ok
    assert Check("q", "asa_s", 3.0, None, 3.0, 2, 0).ok


def test_window_kpis_have_every_queue_and_the_whole_window():
    w = check_window(DEMO, "09:00", 3600, None)
    sim = TwinSimulation(DEMO, w)
    sim.run()
    k = window_kpis(DEMO, w, sim.records)
    assert "general" in k and k[ALL].occupancy is not None


def test_twin_check_refuses_bad_options_with_the_reason_before_starting_a_server():
    from typer.testing import CliRunner

    from hotline.cli import app

    runner = CliRunner()
    path = str(Path(__file__).parents[2] / "scenarios" / "966666.yaml")
    for args, reason in [
        (["--speed", "0"], "--speed"),
        (["--minutes", "-1"], "--minutes"),
        (["--runs", "1"], "--runs"),
        (["--start", "25:00"], "--start"),
    ]:
        result = runner.invoke(app, ["twin-check", path, *args])
        assert result.exit_code == 2, result.output
        assert reason in result.output
    result = runner.invoke(app, ["twin-check", "no-such-file.yaml"])
    assert result.exit_code == 2 and "cannot read file" in result.output
