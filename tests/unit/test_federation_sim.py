"""The twin with federated centers: same routers, same exchange rule as the live service."""

from __future__ import annotations

from hotline.sim.federated import CenterSpec, FedScenario, simulate_federation

CENTERS = (
    CenterSpec("A", agents=4, rate_per_h=60.0, surge_factor=3.0),
    CenterSpec("B", agents=4, rate_per_h=30.0),
)


def run(federated: bool):
    return simulate_federation(
        FedScenario(CENTERS, hours=1.5, surge=(0.25, 1.0), federated=federated, seed=3)
    )


def test_sharing_load_with_an_idle_center_cuts_abandons_and_loses_nobody():
    alone, shared = run(False), run(True)
    assert alone.arrivals == shared.arrivals  # the same callers in both runs
    assert alone.moved == 0 and shared.moved > 0
    assert set(shared.moved_in) <= {"A", "B"} and shared.moved_in.get("B", 0) > 0
    assert shared.abandoned < alone.abandoned
    assert shared.service_level > alone.service_level
    assert alone.lost == shared.lost == 0


def test_a_run_is_reproducible_for_a_seed():
    assert run(True) == run(True)
