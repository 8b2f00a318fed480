"""Offered load per KPI interval, and the agents Erlang A asks for to carry it.

The load is the *expected* one, from the same arrival-rate pieces the traffic generator draws
from (`traffic.day_rate_pieces`: intraday curve, surges, channel mix, IVR containment), times
each stream's mean handle time; a chat counts `handle / CHAT_CAPACITY`, since an agent works
several at once. Retrials and callbacks are left out: they are the twin's answer, not the
demand. Drawing "required (Erlang A)" next to "logged in" shows where a roster is thin
before reading a single service-level figure.
"""

from __future__ import annotations

from collections import Counter

from hotline.domain.enums import Channel
from hotline.sim.scenario import Scenario
from hotline.sim.traffic import day_rate_pieces
from hotline.wfm.erlang import IntervalDemand, ServiceTarget, staffing

CHAT_CAPACITY = 3.0  # the chats an agent is taken to work at once (as in `hotline plan`)


def interval_demand(scenario: Scenario) -> tuple[list[IntervalDemand], float | None]:
    """Expected contacts reaching agents per KPI interval of the whole run, their mean
    handle time, and the contacts' mean patience (None when no flow abandons)."""
    step, start = scenario.interval_s, scenario.start
    n = max(1, round((scenario.end - start) / step))
    contacts, work = [0.0] * n, [0.0] * n
    patience_num = patience_den = 0.0
    for flow in scenario.spec.flows:
        pieces = day_rate_pieces(scenario, flow)
        mix_total = sum(flow.channel_mix.values()) or 1.0
        for channel, share in flow.channel_mix.items():
            if share <= 0:
                continue
            contain = flow.ivr.containment if flow.ivr and channel is Channel.VOICE else 0.0
            scale = share / mix_total * (1.0 - contain)
            handle = (flow.handle.get(channel.value) or flow.handle.get("all")).mean()
            if channel is Channel.CHAT:
                handle /= CHAT_CAPACITY
            patience = flow.patience and (
                flow.patience.get(channel.value) or flow.patience.get("all")
            )
            for a, b, rate in pieces:
                _spread(contacts, work, start, step, a, b, rate * scale, handle)
            if patience is not None:
                volume = flow.volume_per_day * scale
                patience_num += volume * patience.mean()
                patience_den += volume
    rows = [
        IntervalDemand(f"{k}", c, (w / c) if c > 0 else 180.0, float(step))
        for k, (c, w) in enumerate(zip(contacts, work, strict=True))
    ]
    return rows, (patience_num / patience_den) if patience_den else None


def _spread(
    contacts: list[float],
    work: list[float],
    start: float,
    step: float,
    a: float,
    b: float,
    rate: float,
    handle: float,
) -> None:
    """Add `rate` contacts/s over [a, b) to the intervals it overlaps."""
    while a < b:
        k = int((a - start) // step)
        if not 0 <= k < len(contacts):
            return
        edge = min(b, start + (k + 1) * step)
        contacts[k] += rate * (edge - a)
        work[k] += rate * (edge - a) * handle
        a = edge


def sl_target(scenario: Scenario) -> float:
    """The service-level target to draw: the one most of the center's queues carry."""
    targets = Counter(q.sl_target for q in scenario.center.queues)
    return targets.most_common(1)[0][0] if targets else 0.8


def required_agents(scenario: Scenario, target: float | None = None) -> list[int]:
    """Erlang A agents per KPI interval for `target` (default: the queues' SL target) within
    the scenario's SL threshold, for the interval's offered load; 0 where nothing arrives."""
    rows, patience = interval_demand(scenario)
    goal = ServiceTarget(
        scenario.kpi_options.sl_threshold_s,
        sl_target(scenario) if target is None else target,
        patience,
    )
    return [r.agents if r.contacts > 0 else 0 for r in staffing(rows, goal)]
