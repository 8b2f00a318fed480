"""Time for the aggregates: agent-state pieces per 15-minute bucket, range edges, grains.

Occupancy is time-based, so a closed agent state span is cut into its pieces per bucket and
each piece is added to that agent's bucket; a range is then the sum of its whole buckets plus
the overlap of the spans that cross its unaligned edges. The two spans whose length is not
known — before an agent's first state event and after its last — are kept per agent
(`AgentEdges`) and clipped to the range when read, exactly as `compute_kpis` assumes a state
holds throughout. Periods (day, week, month) are the center's local calendar. Pure functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from hotline.kpi.agents import OCCUPIED_STATES, STAFFED_STATES
from hotline.kpi.aggregate import BUCKET_S, bucket_of

GRAINS = ("15min", "hour", "day", "week", "month")


@dataclass(frozen=True, slots=True)
class AgentEdges:
    """An agent's first state event (its `from` state before it) and its current open span."""

    agent_id: str
    first_at: float
    first_from: str | None
    last_at: float
    last_seq: int
    last_to: str | None
    last_contact_id: str | None


def occupancy_of(state: str, seconds: float) -> tuple[float, float]:
    """(occupied, staffed) seconds of `seconds` spent in `state`."""
    if state not in STAFFED_STATES:
        return 0.0, 0.0
    return (seconds if state in OCCUPIED_STATES else 0.0), seconds


def span_pieces(state: str, start: float, end: float) -> list[tuple[int, float, float]]:
    """(bucket, occupied, staffed) of a closed span [start, end), one entry per bucket touched."""
    if state not in STAFFED_STATES or not end > start:
        return []
    out = []
    for b in range(bucket_of(start), bucket_of(end) + 1):
        seconds = min(end, (b + 1) * BUCKET_S) - max(start, b * BUCKET_S)
        if seconds > 0:
            out.append((b, *occupancy_of(state, seconds)))
    return out


def overlap(start: float, end: float, lo: float, hi: float) -> float:
    """Seconds of [start, end) inside [lo, hi)."""
    return max(0.0, min(end, hi) - max(start, lo))


def edge_occupancy(edges: list[AgentEdges], lo: float, hi: float) -> tuple[float, float]:
    """(occupied, staffed) of every agent's unbounded spans inside [lo, hi)."""
    occupied = staffed = 0.0
    for e in edges:
        unbounded = ((e.first_from, -math.inf, e.first_at), (e.last_to, e.last_at, math.inf))
        for state, s0, s1 in unbounded:
            if state is None:
                continue
            o, s = occupancy_of(state, overlap(s0, s1, lo, hi))
            occupied, staffed = occupied + o, staffed + s
    return occupied, staffed


def inner_buckets(start: float, end: float) -> tuple[int, int]:
    """[lo, hi) of the whole buckets inside [start, end); lo >= hi when there are none."""
    return math.ceil(start / BUCKET_S), math.floor(end / BUCKET_S)


def edge_ranges(start: float, end: float) -> list[tuple[float, float]]:
    """The parts of [start, end) outside its whole buckets (0, 1 or 2 of them)."""
    lo, hi = inner_buckets(start, end)
    if lo >= hi:
        return [(start, end)] if end > start else []
    parts = [(start, float(lo * BUCKET_S)), (float(hi * BUCKET_S), end)]
    return [(a, b) for a, b in parts if b > a]


def _floor_local(t: float, grain: str, tz: tzinfo) -> datetime:
    local = datetime.fromtimestamp(t, tz)
    if grain == "15min":
        return local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
    if grain == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if grain == "day":
        return day
    if grain == "week":  # ISO weeks start on Monday
        return (day - timedelta(days=day.weekday())).replace(tzinfo=tz)
    return day.replace(day=1)


def _next_local(local: datetime, grain: str, tz: tzinfo) -> datetime:
    if grain in ("15min", "hour"):  # fixed lengths in absolute time
        step = 900 if grain == "15min" else 3600
        return datetime.fromtimestamp(local.timestamp() + step, tz)
    if grain == "day":
        naive = local.replace(tzinfo=None) + timedelta(days=1)
    elif grain == "week":
        naive = local.replace(tzinfo=None) + timedelta(days=7)
    else:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        naive = local.replace(tzinfo=None, year=year, month=month)
    return naive.replace(tzinfo=tz)


def periods(start: float, end: float, grain: str, tz: tzinfo) -> list[tuple[float, float]]:
    """[start, end) cut at the local `grain` boundaries of `tz`: the first and last may be
    partial (a report from 10:00 by day starts with the rest of that day)."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
    out: list[tuple[float, float]] = []
    t = start
    local = _floor_local(start, grain, tz)
    while t < end:
        local = _next_local(local, grain, tz)
        t1 = min(local.timestamp(), end)
        if t1 > t:
            out.append((t, t1))
        t = t1
    return out


def local_day(t: float, tz: tzinfo) -> tuple[float, float]:
    """[start, end) of the local calendar day of `tz` holding `t`."""
    day = _floor_local(t, "day", tz)
    return day.timestamp(), _next_local(day, "day", tz).timestamp()


def split_days(
    start: float, end: float, tz: tzinfo
) -> tuple[list[float], list[tuple[float, float]]]:
    """The local days wholly inside [start, end) (their starts) and the rest of the range.

    Whole days are read from the daily rollup (a year is 365 rows per queue and channel instead
    of 35,040 quarter hours); the rest from the 15-minute buckets and the edges.
    """
    days: list[float] = []
    rest: list[tuple[float, float]] = []
    t = start
    while t < end:
        d0, d1 = local_day(t, tz)
        if d0 == t and d1 <= end:
            days.append(d0)
        else:
            rest.append((t, min(d1, end)))
        t = min(d1, end)
    merged: list[tuple[float, float]] = []
    for a, b in rest:  # a range shorter than a day stays one piece
        if merged and merged[-1][1] == a:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return days, merged
