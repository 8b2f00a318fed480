"""Volume vs forecast for a report: the contacts that arrived against the saved forecast.

The forecast is what a planner saved (`hotline forecast --save`, `POST /api/forecasts`), not
one recomputed now, so the report says how the day went against the plan. It counts what
`hotline forecast` counts: every contact customers started (short abandons and contacts
never queued included, callback tasks not), i.e. `Period.arrived`, not "offered".

Which forecast: the whole center's (queue '') when one covers any of the period; else the sum
of the queues' forecasts, compared with those queues' arrivals only. A bucket (an hour, a
day) counts only when the forecast covers all of it: a half-covered hour would read as a
shortfall of the forecast. No forecast at all is said plainly (`VolumeForecast` is None).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hotline.store.aggregates_query import Period
from hotline.store.forecasts import CENTER, ForecastPoint, Forecasts


@dataclass(frozen=True, slots=True)
class QueueForecast:
    queue: str
    forecast: float
    arrived: int  # over the buckets this queue's forecast covers


@dataclass(frozen=True, slots=True)
class VolumeForecast:
    scope: str  # "center" or "queues a, b (sum of their forecasts)"
    forecast: list[float | None]  # per bucket; None where the forecast does not cover it
    arrived: list[int]  # per bucket, of the scope's queues
    queues: list[QueueForecast]
    made: str  # who saved it and how, e.g. "planner via hotline forecast"

    @property
    def covered(self) -> int:
        return sum(f is not None for f in self.forecast)

    @property
    def totals(self) -> tuple[float, int]:
        """(forecast, arrived) summed over the covered buckets."""
        pairs = [(f, a) for f, a in zip(self.forecast, self.arrived, strict=True) if f is not None]
        return sum(f for f, _ in pairs), sum(a for _, a in pairs)


def error(forecast: float, arrived: int) -> float | None:
    """(arrived − forecast) ÷ forecast: +10 % = 10 % more contacts than planned."""
    return None if forecast <= 0 else (arrived - forecast) / forecast


def _per_bucket(points: list[ForecastPoint], buckets: list[Period]) -> list[float | None]:
    """Each bucket's forecast, None unless its points cover the whole bucket."""
    out: list[float | None] = []
    i, pts = 0, sorted(points, key=lambda p: p.start)
    for b in buckets:
        while i < len(pts) and pts[i].start < b.start:
            i += 1
        inside, j = [], i
        while j < len(pts) and pts[j].start < b.end:
            inside.append(pts[j])
            j += 1
        covered = sum(min(p.end, b.end) - p.start for p in inside)
        out.append(sum(p.contacts for p in inside) if covered >= b.end - b.start else None)
    return out


def volume_forecast(forecasts: Forecasts, buckets: list[Period]) -> VolumeForecast | None:
    """The comparison over these buckets (hours or days), None when no forecast covers any."""
    if not buckets:
        return None
    points = forecasts.between(buckets[0].start, buckets[-1].end)
    by_queue: dict[str, list[ForecastPoint]] = defaultdict(list)
    for p in points:
        by_queue[p.queue].append(p)
    if not by_queue:
        return None
    per_queue = {q: _per_bucket(pts, buckets) for q, pts in sorted(by_queue.items())}
    rows = []
    for q, values in per_queue.items():
        if q == CENTER:
            continue
        got = [b.arrived.get(q, 0) for b, v in zip(buckets, values, strict=True) if v is not None]
        rows.append(QueueForecast(q, sum(v for v in values if v is not None), sum(got)))
    if CENTER in per_queue:
        scope, forecast = "center", per_queue[CENTER]
        arrived = [sum(b.arrived.values()) for b in buckets]
        used = by_queue[CENTER]
    else:
        names = [r.queue for r in rows]
        scope = f"queues {', '.join(names)} (sum of their forecasts)"
        # a bucket counts where every queue's forecast covers it
        forecast = [
            sum(vals) if all(v is not None for v in vals) else None  # type: ignore[misc]
            for vals in zip(*per_queue.values(), strict=True)
        ]
        arrived = [sum(b.arrived.get(q, 0) for q in names) for b in buckets]
        used = points
    latest = max(used, key=lambda p: p.made_at)
    made = f"saved by {latest.made_by or 'unknown'} via {latest.source or 'unknown'}"
    return VolumeForecast(scope, forecast, arrived, rows, made)
