"""What wait the gateway announces: the core's estimate, aged, rounded to the nearest minute.

Measured fault: the core estimated 150 s, an agent became free at once, and the caller heard
"about three minutes" (`ewt_prompts` rounds up). The gateway now (1) says nothing about a wait
when the call is already ringing an agent, (2) subtracts the time since the core's estimate,
and (3) announces the nearest whole minute (2.5 min -> 2, never below 1) by shifting the
estimate half a minute down before `ewt_prompts` rounds it up.
"""

from __future__ import annotations


def announced_ewt(ewt_s: float | None, age_s: float, offered: bool) -> float | None:
    """The estimate to hand to the waiting session (None: announce no wait)."""
    if ewt_s is None or offered:
        return None
    return max(0.0, ewt_s - age_s - 30.0)
