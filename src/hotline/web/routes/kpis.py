"""KPIs for any range, queue and channel, computed from the stored timeline.

`from`/`to` take what the CLI takes — ISO 8601 dates or date-times, in the center's time zone
unless they carry an offset — or epoch seconds. The range is cut at now (the future is not idle
agent time). The response model carries each figure's definition as its field description, so
the OpenAPI page says what every number means, as the CLI report does under its table.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, create_model

from hotline.kpi import (
    SL_FORMULAS,
    KpiOptions,
    Kpis,
    RangeError,
    clip_to_now,
    field_definitions,
    parse_time,
)
from hotline.store.aggregates_query import Filters
from hotline.web.deps import Service, Supervisor
from hotline.web.routes.reports import ReportsDep

router = APIRouter(prefix="/api/kpis", tags=["kpis"])

TIME_HELP = (
    "ISO 8601 date (2026-11-25 = its midnight) or date-time (2026-11-25T08:30), in the center's "
    "time zone unless it has an offset (Z, +08:00); epoch seconds are accepted too"
)
_SCOPE = {
    "start": "start of the range measured, epoch seconds",
    "end": "end of the range measured (excluded), epoch seconds, cut at now",
    "queue": "queue filter, null = all queues",
    "channel": "channel filter, null = every channel except callback",
}


def _kpi_fields() -> dict[str, Any]:
    """Every `Kpis` figure as a pydantic field described by its KPI definition."""
    hints = typing.get_type_hints(Kpis)
    described = {**field_definitions(), **_SCOPE}
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(Kpis):
        if f.name == "options":
            continue
        fields[f.name] = (hints[f.name], Field(description=described[f.name]))
    fields["options"] = (dict[str, Any], Field(description="thresholds and SL formula used"))
    fields["definitions"] = (
        dict[str, str],
        Field(description="KPI → definition with the thresholds actually used"),
    )
    return fields


KpisFigures = create_model("KpisFigures", **_kpi_fields())  # type: ignore[call-overload]


class KpisOut(KpisFigures):  # type: ignore[misc,valid-type]
    """The KPIs of one scope over [from, to)."""

    from_: float = Field(alias="from", description="start of the range, epoch seconds")
    to: float = Field(description="end of the range (excluded), epoch seconds, cut at now")
    timezone: str = Field(description="the center's zone, in which ISO dates were read")


class KpisByQueueOut(BaseModel):
    """`by_queue=true`: one set of KPIs per queue with a contact created in the range."""

    from_: float = Field(alias="from", description="start of the range, epoch seconds")
    to: float = Field(description="end of the range (excluded), epoch seconds, cut at now")
    timezone: str = Field(description="the center's zone, in which ISO dates were read")
    queues: dict[str, KpisFigures] = Field(  # type: ignore[valid-type]
        description="queue id → KPIs (occupancy is a center figure: null per queue)"
    )


def _as_dict(k: Kpis) -> dict[str, Any]:
    d = dataclasses.asdict(k)
    d["options"] = dataclasses.asdict(k.options)
    d["definitions"] = k.definitions()
    return d


def _invalid(field: str, message: str, value: Any) -> RequestValidationError:
    """A 422 shaped like FastAPI's own (`detail[].loc` names the query field)."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", field), "msg": message, "input": value}]
    )


def _bound(field: str, value: str | None, tz: ZoneInfo) -> float | None:
    if value is None:
        return None
    try:
        return parse_time(value, tz)
    except RangeError as exc:
        raise _invalid(field, str(exc), value) from None


@router.get(
    "",
    response_model=KpisOut | KpisByQueueOut,
    response_model_by_alias=True,
    response_model_exclude_unset=False,
)
def kpis(
    service: Service,
    _user: Supervisor,
    reports: ReportsDep,
    start: str | None = Query(default=None, alias="from", description=TIME_HELP),
    end: str | None = Query(default=None, alias="to", description=f"{TIME_HELP}; default now"),
    queue: str | None = None,
    channel: str | None = None,
    by_queue: bool = False,
    sl_threshold_s: float = Query(default=20.0, gt=0, le=3600),
    short_abandon_s: float = Query(default=5.0, ge=0, le=600),
    sl_formula: str | None = None,
) -> dict[str, Any]:
    """KPIs of the contacts created in [from, to) (default: the last 24 h), cut at now."""
    now = service.clock()
    zone = service.read(lambda r: r.config.timezone)
    tz = ZoneInfo(zone)
    t1 = _bound("to", end, tz)
    t0 = _bound("from", start, tz)
    t1 = now if t1 is None else t1
    t0 = t1 - 86400 if t0 is None else t0
    if t0 >= t1:
        raise _invalid("from", "must be before to", start)
    if sl_formula is not None and sl_formula not in SL_FORMULAS:
        raise _invalid("sl_formula", f"must be one of {sorted(SL_FORMULAS)}", sl_formula)
    opts = KpiOptions(
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        **({"sl_formula": sl_formula} if sl_formula else {}),
    )
    t0, t1 = clip_to_now(t0, t1, now)
    head = {"from": t0, "to": t1, "timezone": zone}
    # from the stored aggregates (folded up to now first), not a refold of the timeline
    f = Filters(None if by_queue else queue, channel, options=opts)
    period = reports.kpis(t0, t1, f)
    if by_queue:
        return {**head, "queues": {q: _as_dict(k) for q, k in period.queues.items()}}
    return {**head, **_as_dict(period.total)}
