"""KPIs split by emergency plan: the contacts that arrived while a plan was on, and the others.

A typhoon plan changes the rules (announcement first, earlier overflow, callbacks only for
low-priority queues); whether it worked is read by comparing the same figures during the plan
and outside it, over the same range. A contact counts where it arrived (its `contact.created`),
judged on its whole life, as everywhere else in `hotline.kpi`. Occupancy is an agent figure
that does not split by arrival, so it is None on both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from hotline.domain.records import EventRecord
from hotline.kpi.compute import Kpis, compute_kpis
from hotline.kpi.options import KpiOptions

Period = tuple[float, float, str]  # [from, to) and the plan's name


def plan_periods(facts: Iterable[EventRecord], start: float, end: float) -> list[Period]:
    """The plan-on periods of `emergency.on/off` facts (any order, any time), cut to
    [start, end); a plan on before `start` opens the first period at `start`."""
    out: list[Period] = []
    since: float | None = None
    plan = ""
    for f in sorted(facts, key=lambda r: r.at):
        if f.kind == "emergency.on" and since is None:
            since, plan = f.at, str(f.data.get("plan", ""))
        elif f.kind == "emergency.off" and since is not None:
            out.append((since, f.at, plan))
            since = None
    if since is not None:
        out.append((since, end, plan))
    cut = [(max(a, start), min(b, end), p) for a, b, p in out]
    return [(a, b, p) for a, b, p in cut if a < b]


def split_kpis(
    events: Iterable[EventRecord],
    start: float,
    end: float,
    periods: list[Period],
    *,
    options: KpiOptions = KpiOptions(),
    now: float | None = None,
) -> tuple[Kpis, Kpis]:
    """(during, outside) KPIs of the contacts created in [start, end)."""
    events = list(events)
    created = {e.contact_id: e.at for e in events if e.kind == "contact.created" and e.contact_id}
    inside = {c for c, t in created.items() if any(a <= t < b for a, b, _ in periods)}
    during = [e for e in events if e.contact_id is None or e.contact_id in inside]
    outside = [e for e in events if e.contact_id is None or e.contact_id not in inside]
    k_in = compute_kpis(during, start, end, options=options, now=now)
    k_out = compute_kpis(outside, start, end, options=options, now=now)
    return dataclasses.replace(k_in, occupancy=None), dataclasses.replace(k_out, occupancy=None)
