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


def test_replications_run_different_seeds_and_print_an_interval_around_the_mean(
    tmp_path: Path,
) -> None:
    import re

    doc = single_queue(3, 600, {"dist": "exponential", "mean_s": 300},
                       {"dist": "exponential", "mean_s": 90}, seed=11)  # fmt: skip
    result = runner.invoke(app, ["simulate", str(write_scenario(tmp_path, doc)),
                                 "--replications", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"\d worker process", result.output)  # one per core, at most 2 here
    runs = re.findall(r"replication seed (\d+): offered (\d+), SL ([\d.]+)%", result.output)
    assert sorted(int(seed) for seed, _, _ in runs) == [11, 12]
    assert len({(offered, sl) for _, offered, sl in runs}) == 2  # two different days
    (row,) = [line for line in result.output.splitlines() if line.startswith("│ ALL")]
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    offered_mean = float(cells[1].split(" ± ")[0].replace(",", ""))
    assert offered_mean == pytest.approx(sum(int(o) for _, o, _ in runs) / 2)
    mean, half = (float(v.rstrip("%")) for v in cells[4].split(" ± "))
    assert mean == pytest.approx(sum(float(sl) for _, _, sl in runs) / 2, abs=0.06)
    assert half > 0
    assert mean - half <= min(float(sl) for _, _, sl in runs)
    assert max(float(sl) for _, _, sl in runs) <= mean + half


def test_a_replication_in_a_worker_process_is_the_same_day_as_in_process() -> None:
    from hotline.sim import scenario_from_dict, simulate
    from hotline.sim.replications import replicate

    sc = scenario_from_dict(single_queue(3, 300, {"dist": "exponential", "mean_s": 300}, seed=4))
    parallel = replicate(sc, [4, 5], workers=2)
    assert [r.seed for r in parallel] == [4, 5]
    assert parallel[0].total == simulate(sc, seed=4, with_intervals=False).total
    assert parallel[0].total != parallel[1].total


def test_the_confidence_interval_is_student_t_around_the_mean() -> None:
    from hotline.sim.replications import confidence_interval

    iv = confidence_interval([1.0, 2.0, 3.0])
    assert iv is not None and iv.mean == 2.0 and iv.n == 3
    assert iv.half_width == pytest.approx(4.3027 / 3**0.5, rel=1e-4)  # t(0.975, 2) · s / √n
    assert confidence_interval([]) is None
    assert confidence_interval([5.0]).half_width == 0


def test_replications_refuse_a_plot_and_out_of_range_counts(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, single_queue(1, 10, {"dist": "fixed", "value_s": 60}))
    result = runner.invoke(app, ["simulate", str(path), "--replications", "0"])
    assert result.exit_code == 2 and "--replications" in result.output
    result = runner.invoke(app, ["simulate", str(path), "--replications", "2", "--plot", "x.png"])
    assert result.exit_code == 2 and "--plot" in result.output
