"""When scheduled reports are due and which period each covers (pure, in the center's zone).

`daily` at HH:MM covers the previous local day (日预警, the daily warning), `weekly` on Monday
the previous Monday–Monday week (周通报), `monthly` on the 1st the previous month (月曝光).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from hotline.domain.models import CenterConfig

KINDS = ("daily", "weekly", "monthly")


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: str
    at: str = "08:00"  # local time of day it is produced

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {', '.join(KINDS)}, not {self.kind!r}")
        time.fromisoformat(self.at)  # raises on a bad time of day

    @property
    def name(self) -> str:
        return f"{self.kind}@{self.at}"

    def last_due(self, now: float, tz: tzinfo) -> float:
        """The latest due instant at or before `now`."""
        local = datetime.fromtimestamp(now, tz)
        at = time.fromisoformat(self.at)
        day = local.date()
        while True:
            candidate = datetime.combine(day, at, tz)
            if candidate <= local and self._on(candidate):
                return candidate.timestamp()
            day -= timedelta(days=1)

    def _on(self, d: datetime) -> bool:
        if self.kind == "weekly":
            return d.weekday() == 0
        if self.kind == "monthly":
            return d.day == 1
        return True

    def period(self, due_at: float, tz: tzinfo) -> tuple[float, float]:
        """[start, end) of local days the report due at `due_at` covers."""
        end_day = datetime.fromtimestamp(due_at, tz).date()
        if self.kind == "daily":
            start_day = end_day - timedelta(days=1)
        elif self.kind == "weekly":
            start_day = end_day - timedelta(days=7)
        else:
            prev = end_day.replace(day=1) - timedelta(days=1)
            start_day = prev.replace(day=1)
        start = datetime.combine(start_day, time(), tz).timestamp()
        return start, datetime.combine(end_day, time(), tz).timestamp()


def schedules_of(config: CenterConfig) -> tuple[Schedule, ...]:
    """The center config's `reports.schedules` as `Schedule`s (validated by the loader)."""
    return tuple(Schedule(kind, at) for kind, at in config.report_schedules)
