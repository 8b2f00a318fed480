"""Saved forecasts: what a planner expects per queue and interval, for volume vs forecast.

* `POST /api/forecasts` - save one: `{queue, interval_min, points: [{start, contacts}]}`,
  `queue` null for the whole center, `start` an ISO local time of the center (or epoch
  seconds). It replaces that queue's stored points over the range it covers. A forecast
  made elsewhere (a WFM tool, a spreadsheet) comes in here; `hotline forecast --save`
  stores the built-in model's.
* `GET /api/forecasts?from&to&queue` - the stored points of a range (`queue` omitted: all,
  `queue=` empty: the center's).

Supervisors only (they plan the day). A bad body is a 422 naming the field; each save is an
audit line, since reports judge the day against it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from hotline.kpi import RangeError, parse_time
from hotline.store.forecasts import ForecastPoint, Forecasts, check_points
from hotline.web.deps import Service, Supervisor
from hotline.web.responses import errors
from hotline.web.routes.reports import ReportsDep

router = APIRouter(prefix="/api/forecasts", tags=["reports"])
MAX_POINTS = 31 * 96  # a month of 15-minute intervals


class PointIn(BaseModel):
    start: str | float = Field(description="ISO local time of the center, or epoch seconds")
    contacts: float = Field(ge=0, allow_inf_nan=False)


class ForecastIn(BaseModel):
    queue: str | None = Field(default=None, max_length=64, description="null: the center")
    interval_min: int = Field(description="15, 30 or 60")
    points: list[PointIn] = Field(min_length=1, max_length=MAX_POINTS)


def _invalid(loc: tuple[Any, ...], message: str, value: Any) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message,
                                    "input": value}])  # fmt: skip


def _time(value: str | float, tz: ZoneInfo, loc: tuple[Any, ...]) -> float:
    if isinstance(value, float | int):
        return float(value)
    try:
        return parse_time(value, tz)
    except RangeError as exc:
        raise _invalid(loc, str(exc), value) from None


def _point(p: ForecastPoint, tz: ZoneInfo) -> dict[str, Any]:
    from datetime import datetime

    return {
        "queue": p.queue or None,
        "start": p.start,
        "local": datetime.fromtimestamp(p.start, tz).isoformat(timespec="minutes"),
        "interval_min": p.interval_s // 60,
        "contacts": p.contacts,
        "made_at": p.made_at,
        "made_by": p.made_by,
        "source": p.source,
    }


# a year of 15-min points can pass the body limit (413 at the edge)
@router.post("", status_code=201, responses=errors(413))
def save_forecast(
    body: ForecastIn, service: Service, user: Supervisor, reports: ReportsDep
) -> dict[str, Any]:
    """Save a forecast; it replaces the queue's stored points over the range it covers."""
    tz = ZoneInfo(reports.zone)
    queues = service.read(lambda r: [q.id for q in r.config.queues])
    if body.queue is not None and body.queue not in queues:
        raise _invalid(("body", "queue"), f"unknown queue; known: {', '.join(queues)}", body.queue)
    points = [
        (_time(p.start, tz, ("body", "points", i, "start")), p.contacts)
        for i, p in enumerate(body.points)
    ]
    reason = check_points(body.interval_min * 60, points)
    if reason is not None:
        field = "interval_min" if reason.startswith("interval") else "points"
        raise _invalid(("body", field), reason, body.interval_min)
    now = service.clock()
    lo, hi = Forecasts(service.store.engine).save(
        body.queue, body.interval_min * 60, points, made_at=now, made_by=user.username,
        source="api",
    )  # fmt: skip
    target = f"forecast:{body.queue or 'center'}"
    service.store.audit(user.username, "forecast_saved", target,
                        {"from": lo, "to": hi, "points": len(points)}, at=now)  # fmt: skip
    return {"queue": body.queue, "from": lo, "to": hi, "saved": len(points)}


@router.get("")
def list_forecasts(
    service: Service,
    _user: Supervisor,
    reports: ReportsDep,
    start: str = Query(alias="from", description="ISO date/time in the center's zone"),
    end: str = Query(alias="to", description="ISO date/time (excluded)"),
    queue: str | None = Query(default=None, description="empty: the center's; omitted: all"),
) -> dict[str, Any]:
    """The stored forecast points starting in [from, to)."""
    tz = ZoneInfo(reports.zone)
    t0 = _time(start, tz, ("query", "from"))
    t1 = _time(end, tz, ("query", "to"))
    if t0 >= t1:
        raise _invalid(("query", "from"), "must be before to", start)
    if t1 - t0 > 366 * 86400:
        raise _invalid(("query", "to"), "a range of at most 366 days", end)
    points = Forecasts(service.store.engine).between(t0, t1, queue)
    return {"timezone": reports.zone, "points": [_point(p, tz) for p in points]}
