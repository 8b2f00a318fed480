"""Scenario files: the shipped ones load and run; a bad file is refused naming file and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from hotline.sim import ScenarioError, load_scenario, scenario_from_dict, simulate, windows
from tests.unit.sim_helpers import DEMO_DAY

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def test_one_scenario_per_seed_center():
    assert {p.stem for p in SCENARIOS} >= {"966666", "12306", "10086", "95598", "10010"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_runs_a_slice(path: Path):
    sc = load_scenario(path)
    assert sc.center.agents and sc.spec.flows
    assert sc.spec.name and path.read_text(encoding="utf-8").startswith("#")  # documented
    wins = windows(sc)
    assert wins
    result = simulate(sc.with_options(days=1, hours=1.0), with_intervals=True)
    assert result.stats.arrivals > 0
    assert len(result.intervals) == 2
    assert result.total.offered > 0
    assert not result.stats.refused.get("AgentLogin")


def _refused(doc: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, source="day.yaml")
    return info.value


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DEMO_DAY)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (["flows", 0, "volume_per_day"], "500", "flows[0].volume_per_day", "number"),
        (["flows", 0, "volume_per_day"], -5, "flows[0].volume_per_day", "greater than 0"),
        (
            ["flows", 0, "handle"],
            {"dist": "weibull", "mean_s": 3},
            "flows[0].handle",
            "unknown dist",
        ),
        (["flows", 0, "handle"], {"voice": {"mean_s": 3}}, "flows[0].handle.voice", "needs dist"),
        (["flows", 0, "handle"], {"dist": "lognormal", "mean_s": -1}, "flows[0].handle.mean_s", ""),
        (
            ["flows", 0, "queue"],
            {"voice": "genral", "chat": "chat"},
            "flows[0].queue.voice",
            "did you mean 'general'",
        ),
        (["flows", 0, "curve"], [1.0] * 23, "flows[0].curve", "24 (hourly)"),
        (
            ["flows", 0, "pateince"],
            {"dist": "fixed", "value_s": 1},
            "flows[0].pateince",
            "did you mean 'patience'",
        ),
        (["flows", 0, "channel_mix"], {"fax": 1.0}, "flows[0].channel_mix.fax", "voice"),
        (["flows", 0, "ivr", "containment"], 1.0, "flows[0].ivr.containment", "below 1"),
        (["staffing", 1, "start"], "6:75", "staffing[1].start", "HH:MM"),
        (["staffing", 1, "agents"], ["a02", "x99"], "staffing[1].agents[1]", "unknown agent"),
        (
            ["staffing", 1, "breaks"],
            [{"after_min": 470, "minutes": 30}],
            "staffing[1].breaks[0]",
            "after the shift",
        ),
        (["interval_min"], 20, "interval_min", ""),
        (["center"], "missing-center.yaml", "center", "cannot read file"),
    ],
)
def test_bad_scenario_is_refused_naming_file_and_field(path, value, field, words):
    err = _refused(_with(path, value))
    assert err.path == "day.yaml"
    assert err.field == field, str(err)
    assert words in err.message
    assert str(err).startswith(f"day.yaml: {field}: ")


def test_overlapping_shifts_of_one_agent_are_refused():
    doc = copy.deepcopy(DEMO_DAY)
    doc["staffing"].append({"name": "extra", "agents": ["a02"], "start": "10:00", "end": "12:00"})
    with pytest.raises(ScenarioError, match=r"staffing\[3\]: agent 'a02' would work two shifts"):
        windows(scenario_from_dict(doc))


def test_inline_center_errors_point_inside_the_center():
    doc = copy.deepcopy(DEMO_DAY)
    doc["center"] = {"center": {"name": "x"}, "queues": [{"id": "general", "skills": {"g": 11}}]}
    err = _refused(doc)
    assert err.field == "center.queues[0].skills.g"


def test_yaml_file_errors_name_the_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nname: y\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: line 2, column 1: duplicate key 'name'"):
        load_scenario(bad)
    times = tmp_path / "times.yaml"  # unquoted 07:30 must stay a time, not YAML 1.1's base 60
    doc = copy.deepcopy(DEMO_DAY)
    text = str(doc).replace("'06:00'", "06:00")
    times.write_text(text, encoding="utf-8")
    sc = load_scenario(times)
    assert sc.spec.staffing[1].start == "06:00"


def test_simulate_command_prints_kpis_and_draws(tmp_path: Path):
    import typer
    from typer.testing import CliRunner

    from hotline.commands.sim import register

    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    runner = CliRunner()
    png, page = tmp_path / "day.png", tmp_path / "day.html"
    scenario = str(SCENARIOS[0].parent / "966666.yaml")
    result = runner.invoke(app, ["simulate", scenario, "--hours", "2", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert "day: SL" in result.output and "per interval" in result.output
    assert png.stat().st_size > 10_000
    result = runner.invoke(
        app, ["simulate", scenario, "--hours", "1", "--no-intervals", "--plot", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8").count("<svg") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncenter: demo\nflows: []\nstaffing: []\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml: flows:" in result.output
