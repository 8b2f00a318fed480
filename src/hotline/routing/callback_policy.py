"""When a callback may be dialled: the retry gaps and the customer's quiet hours. Pure.

The center promises a callback for every missed call, but a dial-out that nobody answers must
not be repeated at once (the customer is driving, in a meeting), nor at night: the policy is
"N tries, gap 1 after the first failure, gap 2 after the second, ..., never inside the quiet
hours" (e.g. 3 tries, 10 then 30 minutes apart, not 21:00-08:00). The router asks this module
for the next due time; the clock is its `now`, so a replayed log decides the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def parse_quiet_hours(spec: str) -> tuple[int, int]:
    """ "21:00-08:00" -> (1260, 480): minutes of the local day, start inclusive, end exclusive;
    the span may wrap midnight. ValueError (with the reason) for anything else."""
    m = _SPAN.match(spec.strip())
    if m is None:
        raise ValueError(f"expected HH:MM-HH:MM (e.g. 21:00-08:00), got {spec!r}")
    start = int(m[1]) * 60 + int(m[2])
    end = int(m[3]) * 60 + int(m[4])
    if start == end:
        raise ValueError(f"{spec!r} is an empty span (start equals end)")
    return start, end


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """`gaps_s[i]` is the wait after failed attempt i+1 (the last gap repeats); `quiet` is
    a span of local minutes in `tz` when no callback is dialled."""

    max_attempts: int = 3
    gaps_s: tuple[float, ...] = (300.0,)
    quiet: tuple[int, int] | None = None
    tz: str = "UTC"

    def retry_at(self, attempts: int, now: float) -> float | None:
        """When to dial again after `attempts` failed tries, or None: no try is left."""
        if attempts >= self.max_attempts:
            return None
        gaps = self.gaps_s or (300.0,)
        gap = gaps[min(max(attempts, 1), len(gaps)) - 1]
        return self.outside_quiet(now + gap)

    def outside_quiet(self, ts: float) -> float:
        """`ts`, or the end of the quiet span it falls in (local time, DST-safe)."""
        if self.quiet is None:
            return ts
        start, end = self.quiet
        zone = ZoneInfo(self.tz)
        local = datetime.fromtimestamp(ts, zone)
        minute = local.hour * 60 + local.minute
        wraps = start > end
        inside = (start <= minute or minute < end) if wraps else (start <= minute < end)
        if not inside:
            return ts
        day = local.date()
        if wraps and minute >= start:  # 22:00 in 21:00-08:00: the quiet ends tomorrow
            day += timedelta(days=1)
        until = datetime(day.year, day.month, day.day, end // 60, end % 60, tzinfo=zone)
        return max(ts, until.timestamp())
