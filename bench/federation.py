"""Federation benchmark: three centers, a surge in one, with and without load sharing.

`.venv/bin/python bench/federation.py [--quick] [--seeds N]`. Three centers of 10 agents run the
live router on one virtual clock (`hotline.sim.federated`): A at 7.5 Erlang with a 2.5x surge
for one hour, B idle-ish (6 Erlang), C busy (8.5 Erlang). Callers are Poisson, handle times and
patience exponential (180 s / 120 s). "Alone" runs each center by itself; "federated" exchanges
load every 2 s and moves waiting contacts with the live service's rule (my EWT > 30 s, the
peer's < 20 s, at most 0.5 live transfers per staffed agent). The same callers arrive in both
runs (separate random streams). Abandon rate and SL (answered within 20 s / arrivals) are over
all three centers; `lost` counts contacts neither answered nor abandoned at the end (must be 0).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotline.sim.federated import CenterSpec, FedScenario, simulate_federation

CENTERS = (
    CenterSpec("A", agents=10, rate_per_h=150.0, surge_factor=2.5),
    CenterSpec("B", agents=10, rate_per_h=120.0),
    CenterSpec("C", agents=10, rate_per_h=170.0),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 simulated hours, 2 seeds")
    ap.add_argument("--seeds", type=int, default=None)
    args = ap.parse_args()
    hours = 3.0 if args.quick else 8.0
    seeds = args.seeds or (2 if args.quick else 8)
    totals = {False: [0, 0, 0, 0, 0], True: [0, 0, 0, 0, 0]}  # arrivals, ab, sl, moved, lost
    for seed in range(1, seeds + 1):
        for federated in (False, True):
            sc = FedScenario(CENTERS, hours=hours, surge=(1.0, 2.0), federated=federated, seed=seed)
            r = simulate_federation(sc)
            t = totals[federated]
            t[0] += r.arrivals
            t[1] += r.abandoned
            t[2] += r.answered_in_sl
            t[3] += r.moved
            t[4] += r.lost
            label = "federated" if federated else "alone"
            print(
                f"seed {seed} {label:9s}: arrivals {r.arrivals} abandon {r.abandon_rate:.3f} "
                f"SL {r.service_level:.3f} moved {r.moved} {r.moved_in} lost {r.lost}"
            )
    alone, fed = totals[False], totals[True]
    print(
        f"RESULT abandon_alone={alone[1] / alone[0]:.4f} abandon_federated={fed[1] / fed[0]:.4f} "
        f"sl_alone={alone[2] / alone[0]:.4f} sl_federated={fed[2] / fed[0]:.4f} "
        f"moved={fed[3]} lost={alone[4] + fed[4]}"
    )


if __name__ == "__main__":
    main()
