"""SLA clocks over business hours, paused while the order waits on the customer.

Each category promises a first action and a resolution within a budget of *business* seconds
of its calendar (the office's `BusinessHours`, which knows Chinese statutory holidays and
make-up workdays, or round the clock). The resolution clock runs from creation and stops
during the order's `pauses` (waiting on the customer; the time between a resolution the
customer later rejected and the reopening). The first-action clock never pauses.

All functions take instants as arguments: no clock reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.domain.hours import BusinessHours
from hotline.tickets.order import Order, Pause

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|wd)?\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: str | float, workday_s: float) -> float:
    """`"30m"`, `"4h"`, `"2d"` (calendar days of clock time) or `"5wd"` (working days, each as
    long as the calendar's Monday) -> seconds; a bare number is seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("must be positive")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like '30m', '4h', '2d' or '5wd'")
    number, unit = float(match.group(1)), match.group(2) or "s"
    if number <= 0:
        raise ValueError("must be positive")
    return number * (workday_s if unit == "wd" else _UNIT_S[unit])


def workday_seconds(hours: BusinessHours | None) -> float:
    """Length of a normal working day: the calendar's Monday (24 h round the clock)."""
    if hours is None:
        return 86400.0
    return float(sum(end - start for start, end in hours.weekly[0]) * 60) or 86400.0


def business_seconds(hours: BusinessHours | None, start: float, end: float) -> float:
    """Open seconds of `hours` in [start, end); plain seconds when `hours` is None (24x7)."""
    if end <= start:
        return 0.0
    if hours is None:
        return end - start
    total, t = 0.0, start
    while t < end:
        opened = hours.next_open(t)
        if opened is None or opened >= end:
            break
        closes = hours.next_close(opened)
        stop = end if closes is None else min(closes, end)
        total += stop - opened
        t = stop
    return total


def add_business_seconds(hours: BusinessHours | None, start: float, seconds: float) -> float | None:
    """The instant at which `seconds` of open time have passed since `start` (None: never)."""
    if hours is None:
        return start + seconds
    t, left = start, seconds
    while True:
        opened = hours.next_open(t)
        if opened is None:
            return None
        closes = hours.next_close(opened)
        if closes is None or closes - opened >= left:
            return opened + left
        left -= closes - opened
        t = closes


def running(start: float, pauses: tuple[Pause, ...], stop: float | None) -> list[Pause]:
    """Intervals in which a clock started at `start` runs: [start, stop) minus the pauses.

    The last interval is open-ended (end None) when the clock is still running."""
    out: list[Pause] = []
    t: float | None = start
    for p_start, p_end in sorted(pauses):
        if t is None or (stop is not None and p_start >= stop):
            break
        if p_start > t:
            out.append((t, p_start))
        t = None if p_end is None else max(t, p_end)
    if t is not None and (stop is None or t < stop):
        out.append((t, stop))
    return out


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One promise of one order at a given instant."""

    name: str  # "first_action" or "resolution"
    budget_s: float  # business seconds promised
    consumed_s: float  # business seconds used so far (or until done)
    due_at: float | None  # when the budget runs out; None while paused with budget left
    done_at: float | None  # when the promise was kept (or broken late); None = still running
    paused: bool = False

    @property
    def fraction(self) -> float:
        return self.consumed_s / self.budget_s if self.budget_s > 0 else 0.0

    @property
    def breached(self) -> bool:
        return self.consumed_s > self.budget_s

    @property
    def on_time(self) -> bool | None:
        """True/False once done; None while running."""
        return None if self.done_at is None else not self.breached


def clock(
    name: str,
    hours: BusinessHours | None,
    start: float,
    budget_s: float,
    pauses: tuple[Pause, ...],
    done_at: float | None,
    now: float,
) -> SlaClock:
    """Evaluate a clock that started at `start` and stopped at `done_at` (if done)."""
    stop = done_at if done_at is not None else None
    intervals = running(start, pauses, stop)
    consumed = sum(
        business_seconds(hours, a, min(now, b) if b is not None else now) for a, b in intervals
    )
    due: float | None = None
    left = budget_s
    for a, b in intervals:
        seg = business_seconds(hours, a, b) if b is not None else None
        if seg is None or seg >= left:
            due = add_business_seconds(hours, a, left)
            break
        left -= seg
    paused = done_at is None and bool(pauses) and pauses[-1][1] is None
    return SlaClock(name, budget_s, consumed, due, done_at, paused)


def first_action_clock(
    order: Order, hours: BusinessHours | None, budget_s: float, now: float
) -> SlaClock:
    done = order.first_action_at
    if done is None and order.closed_at is not None:
        done = order.closed_at
    return clock("first_action", hours, order.created_at, budget_s, (), done, now)


def resolution_clock(
    order: Order, hours: BusinessHours | None, budget_s: float, now: float
) -> SlaClock:
    done = order.resolved_at if order.resolved_at is not None else order.closed_at
    return clock("resolution", hours, order.created_at, budget_s, order.pauses, done, now)
