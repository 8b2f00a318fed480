"""Saved forecasts: contacts per queue × interval, as a planner made them.

Reports draw volume against them ("volume vs forecast"), so a forecast is kept as it was
saved, not recomputed: the comparison is with what the center planned for. Saving replaces
the queue's points over the range the new forecast covers (one transaction), so running
`hotline forecast --save` again for next week replaces next week and keeps last week's.
The queue '' is the whole center's forecast (`hotline forecast` without `--queue`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete, insert, select

from hotline.store import models_reports as m

FORECASTS: Table = m.Forecast.__table__  # type: ignore[assignment]
#: the interval lengths a forecast may have: the WFM intervals, each whole 15-min buckets
INTERVALS_S = (900, 1800, 3600)
CENTER = ""  # the queue of a whole-center forecast


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    queue: str
    start: float
    interval_s: int
    contacts: float
    made_at: float = 0.0
    made_by: str = ""
    source: str = ""

    @property
    def end(self) -> float:
        return self.start + self.interval_s


def check_points(interval_s: int, points: Sequence[tuple[float, float]]) -> str | None:
    """Why these (start, contacts) points cannot be saved, or None: the interval must be one
    of `INTERVALS_S`, each start on a 15-minute boundary, counts finite and ≥ 0, no start twice."""
    if interval_s not in INTERVALS_S:
        allowed = [i // 60 for i in INTERVALS_S]
        return f"interval must be one of {allowed} minutes, not {interval_s / 60:g}"
    if not points:
        return "no points: a forecast needs at least one interval"
    seen: set[float] = set()
    for start, contacts in points:
        if start % 900:
            return f"start {start:g} is not on a 15-minute boundary"
        if not contacts >= 0 or contacts == float("inf"):  # NaN fails >= 0
            return f"contacts must be a finite number >= 0, not {contacts!r}"
        if start in seen:
            return f"start {start:g} given twice"
        seen.add(start)
    return None


class Forecasts:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(
        self,
        queue: str | None,
        interval_s: int,
        points: Sequence[tuple[float, float]],
        *,
        made_at: float,
        made_by: str,
        source: str,
    ) -> tuple[float, float]:
        """Store the points, replacing the queue's over [first start, last end); the range.

        Raises ValueError (with `check_points`' reason) for points that cannot be saved."""
        reason = check_points(interval_s, points)
        if reason is not None:
            raise ValueError(reason)
        q = queue or CENTER
        lo = min(s for s, _ in points)
        hi = max(s for s, _ in points) + interval_s
        c = FORECASTS.c
        rows = [
            {"queue": q, "start": float(s), "interval_s": interval_s, "contacts": float(n),
             "made_at": made_at, "made_by": made_by, "source": source}
            for s, n in sorted(points)
        ]  # fmt: skip
        with self._engine.begin() as conn:
            conn.execute(delete(FORECASTS).where(c.queue == q, c.start >= lo, c.start < hi))
            conn.execute(insert(FORECASTS), rows)
        return lo, hi

    def between(self, start: float, end: float, queue: str | None = None) -> list[ForecastPoint]:
        """Points starting in [start, end), of one queue ('' = the center's) or all, by time."""
        c = FORECASTS.c
        stmt = select(FORECASTS).where(c.start >= start, c.start < end)
        if queue is not None:
            stmt = stmt.where(c.queue == queue)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.order_by(c.start, c.queue)).mappings()
            return [ForecastPoint(**r) for r in rows]
