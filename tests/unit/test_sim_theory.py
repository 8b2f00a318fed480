"""The twin agrees with queueing theory where theory holds.

A single-skill queue with Poisson arrivals, exponential handling, no wrap-up and no ring time is
M/M/N: its service level and ASA must match Erlang C; with exponential patience it is M/M/N+M
and must match Erlang A (service level over all arrivals, and abandon rate). Each check runs
independent replications (different seeds) of a day, drops the first and last hour (empty
start, agents leaving at midnight) and accepts the theory value within 3.5 standard errors of
the replication mean plus half a point of bias allowance.
"""

from __future__ import annotations

import math
import statistics

import pytest

from hotline.kpi import compute_kpis
from hotline.sim import Simulation, scenario_from_dict
from hotline.wfm.erlang import erlang_a, erlang_c_asa, erlang_c_service_level
from tests.unit.sim_helpers import single_queue

AGENTS, AHT_S, THRESHOLD_S = 8, 120.0, 20.0
REPLICATIONS = 6


def _replicate(load: float, patience_s: float | None) -> list:
    rate = load / AHT_S
    patience = None if patience_s is None else {"dist": "exponential", "mean_s": patience_s}
    doc = single_queue(AGENTS, rate * 86_400, {"dist": "exponential", "mean_s": AHT_S}, patience)
    sc = scenario_from_dict(doc)
    out = []
    for seed in range(1, REPLICATIONS + 1):
        sim = Simulation(sc, seed=seed)
        sim.run()
        t0, t1 = sc.start + 3600, sc.end - 3600
        out.append(compute_kpis(sim.records, t0, t1, options=sc.kpi_options))
    return out


def _agrees(values: list[float], theory: float, what: str) -> None:
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values))
    assert abs(mean - theory) <= 3.5 * se + 0.005 * max(1.0, abs(theory)), (
        f"{what}: simulated {mean:.4f} ± {se:.4f} vs theory {theory:.4f}"
    )


def test_single_skill_without_abandonment_matches_erlang_c():
    load = 6.8  # 85 % occupancy on 8 agents, ~4,900 calls a day per replication
    runs = _replicate(load, patience_s=None)
    assert all(k.abandoned == 0 for k in runs)
    rate = load / AHT_S
    _agrees(
        [k.service_level for k in runs],
        erlang_c_service_level(AGENTS, rate, AHT_S, THRESHOLD_S),
        "Erlang C SL",
    )
    theory_asa = erlang_c_asa(AGENTS, rate, AHT_S)
    asa = [k.asa_s for k in runs]
    mean, se = statistics.fmean(asa), statistics.stdev(asa) / math.sqrt(len(asa))
    assert abs(mean - theory_asa) <= 3.5 * se + 0.05 * theory_asa, (mean, se, theory_asa)


def test_single_skill_with_abandonment_matches_erlang_a():
    load, patience = 7.6, 90.0  # 95 % offered load: a queue that only patience keeps finite
    runs = _replicate(load, patience_s=patience)
    theory = erlang_a(AGENTS, load / AHT_S, AHT_S, patience, THRESHOLD_S)
    assert theory.abandon_rate > 0.03  # abandonment matters at this load
    _agrees([k.service_level for k in runs], theory.service_level, "Erlang A SL")
    _agrees([k.abandon_rate for k in runs], theory.abandon_rate, "Erlang A abandon rate")


@pytest.mark.parametrize("patience", [None, 90.0])
def test_theory_scenarios_use_the_real_router_and_measure_like_reports(patience):
    """The comparison is honest: offers go through the router, KPIs through hotline.kpi."""
    p = None if patience is None else {"dist": "exponential", "mean_s": patience}
    doc = single_queue(AGENTS, 2000, {"dist": "exponential", "mean_s": AHT_S}, p)
    sim = Simulation(scenario_from_dict(doc))
    sim.run()
    kinds = {r.kind for r in sim.records}
    assert {"contact.offered", "contact.answered", "agent.state"} <= kinds
    assert sim.router.decisions > 1500
