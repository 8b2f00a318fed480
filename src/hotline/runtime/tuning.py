"""Interpreter settings for the long-running server: the collector and the GIL hand-off.

Measured with `bench/route_probe.py` under `bench/route.py` load: CPython's full (generation 2)
collections paused the whole server for 300-560 ms each (every thread stops: the event loop
and the router thread), a third of all event-loop stall time. Almost every object they
traversed was built at start-up (modules, the app, the router's configuration) and lives
forever. `gc.freeze()` after start-up moves those to a permanent generation the collector
skips, and a larger young-generation threshold makes collections rarer; reference counting
still frees almost everything at once, the collector only finds cycles.

The router thread commits while the event loop runs Python: after each database round trip it
must get the GIL back, and CPython makes a waiting thread wait up to a whole switch interval
(5 ms by default) per hand-off; with ~6 round trips per commit that wait, not the database,
dominated a commit under load (3-4 ms alone, 30-120 ms in the server). A 0.5 ms interval hands
the GIL over sooner.
"""

from __future__ import annotations

import gc
import sys

#: allocations (minus frees) between young-generation collections (CPython's default is 700)
YOUNG_THRESHOLD = 20_000


#: seconds a thread holding the GIL keeps it while another thread waits (CPython: 0.005)
SWITCH_INTERVAL_S = 0.0005


def tune_process(young: int = YOUNG_THRESHOLD, switch_s: float = SWITCH_INTERVAL_S) -> None:
    """Collect once, freeze what survived start-up, collect the young less often, and hand
    the GIL over sooner."""
    gc.collect()
    gc.freeze()
    _g0, g1, g2 = gc.get_threshold()
    gc.set_threshold(young, g1, g2)
    sys.setswitchinterval(switch_s)
