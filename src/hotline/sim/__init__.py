"""The digital twin: a discrete-event simulation that drives the live `Router` on a virtual clock.

`load_scenario(path)` reads a scenario file (center + traffic + staffing, see
`hotline.sim.schema`); `simulate(scenario)` runs it and returns every fact with KPIs per
interval, day and queue. The `simulate`, `drive` and `plan` commands are in
`hotline.commands.sim`. Names are imported lazily so that `hotline --help` does not load the router,
pydantic models and KPI code just because the commands are registered.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "RunStats": "hotline.sim.engine",
    "Simulation": "hotline.sim.engine",
    "IntervalRow": "hotline.sim.result",
    "SimResult": "hotline.sim.result",
    "simulate": "hotline.sim.result",
    "Window": "hotline.sim.roster",
    "windows": "hotline.sim.roster",
    "Scenario": "hotline.sim.scenario",
    "ScenarioError": "hotline.sim.scenario",
    "load_scenario": "hotline.sim.scenario",
    "scenario_from_dict": "hotline.sim.scenario",
}

if TYPE_CHECKING:  # pragma: no cover
    from hotline.sim.engine import RunStats, Simulation
    from hotline.sim.result import IntervalRow, SimResult, simulate
    from hotline.sim.roster import Window, windows
    from hotline.sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hotline.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "IntervalRow",
    "RunStats",
    "Scenario",
    "ScenarioError",
    "SimResult",
    "Simulation",
    "Window",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
    "windows",
]
