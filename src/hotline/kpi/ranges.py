"""KPI ranges: read from what people type, clipped at "now", printed in the center's zone.

A range is half-open [start, end) in epoch seconds. People and reports think in the center's
local dates ("2026-11-25" means its midnight in Asia/Shanghai, not UTC), and a range that runs
into the future ("today") must stop at now: the hours that have not happened yet are not idle
agent time (they made occupancy 0.04 % instead of 45 %) and hold no contacts.
Pure functions: the caller passes the zone and the clock reading.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo


class RangeError(ValueError):
    """A range bound that is not a date/time; the message says what was expected."""


def parse_time(value: str, tz: tzinfo) -> float:
    """Epoch seconds of an ISO 8601 date or date-time, or of a plain epoch number.

    `2026-11-25` is that day's midnight in `tz`; `2026-11-25T08:30` is local time in `tz`;
    `2026-11-25T00:30:00Z` or `…+08:00` carry their own offset; `1764000000` (digits, optionally
    with a fraction) is already epoch seconds. NaN, infinities and anything else raise
    `RangeError`.
    """
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise RangeError(f"{value!r} is not a finite time")
        return number
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise RangeError(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2026-11-25 or "
            "2026-11-25T08:30, center time zone unless an offset is given) nor epoch seconds"
        ) from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).timestamp()


def clip_to_now(start: float, end: float, now: float) -> tuple[float, float]:
    """[start, end) cut at `now`; a range entirely in the future becomes empty (start, start)."""
    return start, max(start, min(end, now))


def format_time(t: float, tz: tzinfo) -> str:
    """`2026-11-25 08:30` (seconds only when not 0) in `tz`."""
    local = datetime.fromtimestamp(t, tz)
    return f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"


def zone_name(tz: tzinfo, at: float) -> str:
    """`Asia/Shanghai (UTC+08:00)`: the IANA name people configure and the offset in force."""
    local = datetime.fromtimestamp(at, tz)
    offset = local.strftime("%z")
    name = getattr(tz, "key", None) or local.tzname() or "local"
    if name == "UTC":
        return name
    return f"{name} (UTC{offset[:3]}:{offset[3:]})" if offset else str(name)


def format_range(start: float, end: float, tz: tzinfo) -> str:
    """`2026-11-25 00:00 – 2026-11-26 00:00 Asia/Shanghai (UTC+08:00)`: end excluded."""
    return f"{format_time(start, tz)} – {format_time(end, tz)} {zone_name(tz, start)}"
