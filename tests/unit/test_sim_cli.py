"""`hotline simulate` as a user runs it: the printed tables say what happened on the floor."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hotline.cli import app
from hotline.sim.result import time_average
from tests.unit.sim_helpers import single_queue

runner = CliRunner()


def write_scenario(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def interval_rows(output: str) -> list[list[str]]:
    """The cells of the per-interval table (rows start with a clock time)."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) > 5 and len(cells[0]) == 5 and cells[0][2] == ":":
            rows.append(cells)
    return rows


def test_max_queue_is_zero_when_every_contact_finds_an_idle_agent(tmp_path: Path) -> None:
    # Ten agents for 40 two-minute calls a day: nobody ever waits for an agent.
    doc = single_queue(10, 40, {"dist": "exponential", "mean_s": 120}, seed=5)
    result = runner.invoke(app, ["simulate", str(write_scenario(tmp_path, doc))])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "max q" in line)
    columns = [c.strip() for c in header.strip("┃ ").split("┃")]
    rows = interval_rows(result.output)
    assert len(rows) == 48
    queue, peak = columns.index("queue"), columns.index("max q")
    assert sum(int(r[columns.index("calls")]) for r in rows) > 20
    assert {r[queue] for r in rows} == {"0.0"}
    assert {r[peak] for r in rows} == {"0"}


def test_max_queue_counts_a_contact_that_waited_but_not_one_offered_at_once() -> None:
    # One contact queued and offered in the same instant, one that waited 10 s in bucket 1.
    changes = [(5.0, 1), (5.0, -1), (70.0, 1), (80.0, -1)]
    average, peak = time_average(changes, 0.0, 60.0, 2)
    assert peak == [0, 1]
    assert average == [0.0, 10 / 60]


def test_the_plot_draws_the_sl_target_and_required_against_staffed_agents(tmp_path: Path) -> None:
    doc = single_queue(4, 2000, {"dist": "exponential", "mean_s": 180}, seed=3)
    doc["center"]["queues"][0]["service_level"] = {"threshold_s": 20, "target": 0.9}
    out = tmp_path / "day.svg"
    result = runner.invoke(app, ["simulate", str(write_scenario(tmp_path, doc)), "--no-intervals",
                                 "--plot", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert "target 90%" in svg
    assert "required (Erlang A, 90% in 20 s)" in svg and "staffed (logged in)" in svg


def test_required_agents_are_erlang_a_for_each_intervals_offered_load() -> None:
    from hotline.sim import scenario_from_dict
    from hotline.sim.load import interval_demand, required_agents
    from hotline.wfm.erlang import erlang_a

    doc = single_queue(4, 2000, {"dist": "exponential", "mean_s": 180},
                       {"dist": "exponential", "mean_s": 120}, seed=3)  # fmt: skip
    doc["surges"] = [{"day": 1, "start": "10:00", "hours": 1, "factor": 3}]
    sc = scenario_from_dict(doc)
    rows, patience = interval_demand(sc)
    need = required_agents(sc, 0.8)
    assert len(need) == len(rows) == 48 and patience == pytest.approx(120)
    assert sum(r.contacts for r in rows) == pytest.approx(2000 * (1 + 2 / 24))
    for row, n in zip(rows, need, strict=True):
        rate = row.contacts / row.interval_s
        assert erlang_a(n, rate, 180, 120, 20).service_level >= 0.8
        assert erlang_a(n - 1, rate, 180, 120, 20).service_level < 0.8
    assert need[20] == need[21] > need[19] == need[22]  # the 10:00-11:00 surge, ×3
