"""Opening hours of a queue, aware of Chinese statutory holidays and make-up workdays (调休).

A hotline's hours are not just "Mon-Fri 08:00-20:00": on National Day the line may be closed or
run a short shift, and on a make-up workday (调休上班, e.g. a Sunday the State Council declares a
working day) it must run its weekday shift. `BusinessHours` answers three questions for the
router -- is the queue open at `ts`, when does it next open, when does it next close -- from
values only: no clock reads and no I/O, so it is safe inside the routing loop and in tests.

Which schedule applies on a local date, first match wins:

1. `overrides[date]` -- an explicit schedule for that date. This is how a team enters the State
   Council's announcement for a year the calendar libraries do not know yet.
2. `holiday` windows on a statutory holiday, including weekdays given off in lieu (empty tuple =
   closed all day).
3. Monday's windows on a make-up workday: it is worked like a normal weekday.
4. `weekly[weekday]` otherwise.

`holiday=None` switches the statutory calendar off: holidays and make-up workdays then follow
the plain weekly schedule (for teams whose hours do not depend on the calendar).

Holiday facts come from `chinese_calendar` (the State Council schedules, 2004-2026). For other
years it raises `NotImplementedError` and we fall back to `holidays.China`, which computes the
holidays (and its own guess at observed days off) for any year. `holidays` only knows make-up
workdays it was told about (`weekend_workdays`, filled for published years); for 2027 and later
that set is empty, so no make-up workday is known there until someone adds an override.

Times are POSIX epoch seconds; windows are whole minutes of local time, half-open
`[start, end)`, with `end` up to 1440 (24:00). Local time comes from `zoneinfo`; DST edges in
zones that have them are handled approximately (fold=0), which is exact for Asia/Shanghai.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

Window = tuple[int, int]
Windows = tuple[Window, ...]

MINUTES_PER_DAY = 1440
SEARCH_DAYS = 400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY: Windows = ((0, MINUTES_PER_DAY),)
DEFAULT_TZ = "Asia/Shanghai"

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class DayKind(StrEnum):
    """What the statutory calendar says about a date; decides which schedule applies."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # statutory holiday, or a weekday given off in lieu
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班: a weekend day that is worked


class HoursSpecError(ValueError):
    """A readable hours spec is wrong; `part` names the offending key (e.g. "mon-fri")."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(part, reason)
        self.part = part
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.part}: {self.reason}" if self.part else self.reason


@functools.lru_cache(maxsize=8192)
def day_kind(day: date) -> DayKind:
    """Classify a date; cached because the router asks on every arrival."""
    weekend = day.weekday() >= 5
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # outside 2004-2026
        return _fallback_day_kind(day)
    if name is None:  # an ordinary day: no holiday arrangement touches it
        return DayKind.WEEKEND if weekend else DayKind.WORKDAY
    if on_holiday:
        return DayKind.HOLIDAY
    return DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY


def _fallback_day_kind(day: date) -> DayKind:
    """Classify with the `holidays` package for years `chinese_calendar` does not cover."""
    weekend = day.weekday() >= 5
    table = _china_holidays(day.year)
    if day in table:
        return DayKind.HOLIDAY
    if weekend and day in getattr(table, "weekend_workdays", ()):
        return DayKind.MAKEUP_WORKDAY
    return DayKind.WEEKEND if weekend else DayKind.WORKDAY


@functools.lru_cache(maxsize=64)
def _china_holidays(year: int) -> Any:
    """One `holidays.China` table per year; imported lazily since it is rarely needed."""
    import holidays

    return holidays.China(years=year)


def _normalise(windows: Any, what: str) -> Windows:
    """Sort windows and merge overlapping/touching ones so lookups can stop at the first hit."""
    cleaned: list[Window] = []
    for w in windows:
        if not (isinstance(w, tuple | list) and len(w) == 2):
            raise ValueError(f"{what}: window {w!r} is not a (start_minute, end_minute) pair")
        start, end = w
        if not (isinstance(start, int) and isinstance(end, int)):
            raise ValueError(f"{what}: window {w!r} must use whole minutes")
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(f"{what}: window {w!r} must satisfy 0 <= start < end <= 1440")
        cleaned.append((start, end))
    cleaned.sort()
    merged: list[Window] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHours:
    """Weekly open windows plus Chinese holiday rules; see the module docstring for precedence.

    `spec` keeps the readable form given to `parse` (JSON-able), so a configuration can be
    dumped back exactly as the admin wrote it; it does not take part in equality.
    """

    tz: str = DEFAULT_TZ
    weekly: tuple[Windows, ...]
    holiday: Windows | None = ()
    overrides: Mapping[date, Windows] = field(default_factory=dict)
    spec: str | dict[str, Any] | None = field(default=None, compare=False, repr=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _always: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 days (Mon..Sun), got {len(self.weekly)}")
        weekly = tuple(_normalise(w, WEEKDAYS[i]) for i, w in enumerate(self.weekly))
        holiday = None if self.holiday is None else _normalise(self.holiday, "holiday")
        overrides: dict[date, Windows] = {}
        for day, windows in self.overrides.items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"override key {day!r} must be a datetime.date")
            overrides[day] = _normalise(windows, f"override {day.isoformat()}")
        always = all(w == FULL_DAY for w in weekly) and holiday in (None, FULL_DAY)
        always = always and all(w == FULL_DAY for w in overrides.values())
        set_ = object.__setattr__
        set_(self, "weekly", weekly)
        set_(self, "holiday", holiday)
        set_(self, "overrides", overrides)
        set_(self, "_zone", zone)
        set_(self, "_always", always)

    # -- queries -------------------------------------------------------------------------------

    def schedule_for(self, day: date) -> Windows:
        """The open windows in force on a local date (override > holiday > make-up > weekly)."""
        override = self.overrides.get(day)
        if override is not None:
            return override
        if self.holiday is not None:
            kind = day_kind(day)
            if kind is DayKind.HOLIDAY:
                return self.holiday
            if kind is DayKind.MAKEUP_WORKDAY:
                return self.weekly[0]
        return self.weekly[day.weekday()]

    def is_open(self, ts: float) -> bool:
        """True when `ts` falls inside an open window of its local date."""
        if self._always:
            return True
        day, minute = self._local(ts)
        return any(start <= minute < end for start, end in self.schedule_for(day))

    def next_open(self, ts: float) -> float | None:
        """Earliest instant >= ts at which the queue is open; None if closed for 400 days."""
        if self.is_open(ts):
            return ts
        first, _ = self._local(ts)
        for offset in range(SEARCH_DAYS + 1):
            day = first + timedelta(days=offset)
            for start, _end in self.schedule_for(day):
                instant = self._instant(day, start)
                if instant > ts:
                    return instant
        return None

    def next_close(self, ts: float) -> float | None:
        """Earliest instant >= ts at which the queue is closed; None if open for 400 days.

        Windows that touch across midnight (a day ending 24:00, the next starting 00:00) are
        one open period, so the answer is where opening really ends, not the next midnight.
        """
        if self._always:
            return None
        if not self.is_open(ts):
            return ts
        limit = ts + SEARCH_DAYS * 86400.0
        t = ts
        while t <= limit:
            day, minute = self._local(t)
            end = next(e for s, e in self.schedule_for(day) if s <= minute < e)
            # max() guarantees progress should a DST fold map the end before `t`.
            t_end = max(self._instant(day, end), t + 1.0)
            if not self.is_open(t_end):
                return t_end
            t = t_end
        return None

    # -- helpers -------------------------------------------------------------------------------

    def _local(self, ts: float) -> tuple[date, float]:
        """Local date and (fractional) minute of the day for an epoch instant."""
        local = datetime.fromtimestamp(ts, self._zone)
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        return local.date(), minute

    def _instant(self, day: date, minute: int) -> float:
        """Epoch seconds of local wall time `minute` on `day` (1440 = next midnight)."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=self._zone)
        return (midnight + timedelta(minutes=minute)).timestamp()

    # -- readable form -------------------------------------------------------------------------

    @classmethod
    def parse(cls, spec: str | Mapping[str, Any], tz: str = DEFAULT_TZ) -> BusinessHours:
        """Build from the readable form used in config files.

        `"24x7"`, or a mapping whose keys are day sets (`"mon"`, `"mon-fri"`, `"sat,sun"`) with
        values like `"08:00-20:00"`, `"08:00-12:00,13:00-18:00"` or `"closed"`, plus optional
        `"holidays"` (windows, `"closed"`, or `"weekly"` to ignore the statutory calendar;
        omitted = closed), `"overrides"` (`{"2027-02-06": "09:00-12:00"}`) and `"tz"` (wins
        over the `tz` argument). Days not mentioned are closed. Raises `HoursSpecError`.
        """
        if isinstance(spec, str):
            if spec.strip().lower() == "24x7":
                return cls(tz=tz, weekly=(FULL_DAY,) * 7, holiday=FULL_DAY, spec="24x7")
            raise HoursSpecError("", f"expected '24x7' or a mapping of days to hours, got {spec!r}")
        if not isinstance(spec, Mapping):
            raise HoursSpecError("", f"expected '24x7' or a mapping, got {type(spec).__name__}")
        weekly: list[Windows | None] = [None] * 7
        holiday: Windows | None = ()
        overrides: dict[date, Windows] = {}
        stored: dict[str, Any] = {}
        for key, value in spec.items():
            if not isinstance(key, str):
                raise HoursSpecError(str(key), "keys must be strings such as 'mon-fri'")
            name = key.strip().lower()
            stored[key] = value
            if name == "tz":
                if not isinstance(value, str):
                    raise HoursSpecError(key, f"expected a time zone name, got {value!r}")
                tz = value
            elif name == "holidays":
                is_weekly = isinstance(value, str) and value.strip().lower() == "weekly"
                holiday = None if is_weekly else _parse_windows(value, key)
            elif name == "overrides":
                overrides, stored[key] = _parse_overrides(value, key)
            else:
                for i in _parse_days(key):
                    if weekly[i] is not None:
                        raise HoursSpecError(key, f"{WEEKDAYS[i]} is already given by another key")
                    weekly[i] = _parse_windows(value, key)
        try:
            return cls(
                tz=tz,
                weekly=tuple(w or () for w in weekly),
                holiday=holiday,
                overrides=overrides,
                spec=stored,
            )
        except ValueError as exc:
            raise HoursSpecError("tz", str(exc)) from exc

    def to_spec(self) -> str | dict[str, Any]:
        """The readable form: the parsed spec when there is one, else one rebuilt from fields."""
        if self.spec is not None:
            return copy.deepcopy(self.spec)
        out: dict[str, Any] = {WEEKDAYS[i]: format_windows(w) for i, w in enumerate(self.weekly)}
        out["holidays"] = "weekly" if self.holiday is None else format_windows(self.holiday)
        if self.overrides:
            out["overrides"] = {
                d.isoformat(): format_windows(w) for d, w in sorted(self.overrides.items())
            }
        out["tz"] = self.tz
        return out


def format_windows(windows: Windows) -> str:
    """`((480, 720), (780, 1440))` -> `"08:00-12:00,13:00-24:00"`; empty -> `"closed"`."""
    if not windows:
        return "closed"
    return ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in windows)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_minute(text: str, part: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursSpecError(part, f"bad time {text.strip()!r}: expected HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise HoursSpecError(part, f"bad time {text.strip()!r}: must lie between 00:00 and 24:00")
    return hour * 60 + minute


def _parse_windows(value: Any, part: str) -> Windows:
    """`"08:00-12:00,13:00-18:00"` or `"closed"` -> windows; names `part` in every error."""
    if not isinstance(value, str):
        raise HoursSpecError(
            part, f"expected a string like '08:00-20:00' or 'closed', got {value!r}"
        )
    if value.strip().lower() == "closed":
        return ()
    windows: list[Window] = []
    for chunk in value.split(","):
        start_text, sep, end_text = chunk.partition("-")
        if not sep:
            raise HoursSpecError(part, f"bad window {chunk.strip()!r}: expected HH:MM-HH:MM")
        start, end = _parse_minute(start_text, part), _parse_minute(end_text, part)
        if end <= start:
            raise HoursSpecError(
                part,
                f"window {chunk.strip()!r} does not end after it starts; windows cannot cross "
                "midnight (end one day at 24:00 and start the next at 00:00)",
            )
        windows.append((start, end))
    return _normalise(windows, part)


def _parse_days(key: str) -> list[int]:
    """`"mon-fri,sun"` -> weekday indexes (Mon=0)."""
    days: list[int] = []
    for piece in key.lower().split(","):
        first, sep, last = (p.strip() for p in piece.partition("-"))
        if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
            raise HoursSpecError(
                key,
                "unknown key: expected days like 'mon', 'mon-fri' or 'sat,sun', "
                "or 'holidays', 'overrides', 'tz'",
            )
        i = WEEKDAYS.index(first)
        j = WEEKDAYS.index(last) if sep else i
        if j < i:
            raise HoursSpecError(key, "day ranges run forward within mon..sun, e.g. 'sat-sun'")
        days.extend(range(i, j + 1))
    return days


def _parse_overrides(value: Any, part: str) -> tuple[dict[date, Windows], dict[str, Any]]:
    """Per-date schedules; returns them plus a JSON-able copy (ISO date keys) for `spec`."""
    if not isinstance(value, Mapping):
        raise HoursSpecError(part, "expected a mapping of 'YYYY-MM-DD' to hours")
    parsed: dict[date, Windows] = {}
    stored: dict[str, Any] = {}
    for raw_day, windows in value.items():
        if isinstance(raw_day, date) and not isinstance(raw_day, datetime):
            day = raw_day  # YAML turns unquoted 2027-02-06 into a date already
        else:
            try:
                day = date.fromisoformat(str(raw_day))
            except ValueError:
                raise HoursSpecError(
                    f"{part}.{raw_day}", "expected a date written YYYY-MM-DD"
                ) from None
        label = f"{part}.{day.isoformat()}"
        if day in parsed:
            raise HoursSpecError(label, "date given twice")
        parsed[day] = _parse_windows(windows, label)
        stored[day.isoformat()] = windows
    return parsed, stored
