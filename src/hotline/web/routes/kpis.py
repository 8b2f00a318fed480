"""KPIs for any range, queue and channel, computed from the stored timeline."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException, Query

from hotline.kpi import SL_FORMULAS, KpiOptions, compute_kpis, kpis_by_queue
from hotline.web.deps import Service, Supervisor

router = APIRouter(prefix="/api/kpis", tags=["kpis"])


def _as_dict(k: Any) -> dict[str, Any]:
    d = dataclasses.asdict(k)
    d["options"] = dataclasses.asdict(k.options)
    d["definitions"] = k.definitions()
    return d


@router.get("")
def kpis(
    service: Service,
    _user: Supervisor,
    start: float | None = Query(default=None, alias="from", description="epoch seconds"),
    end: float | None = Query(default=None, alias="to", description="epoch seconds"),
    queue: str | None = None,
    channel: str | None = None,
    by_queue: bool = False,
    sl_threshold_s: float = Query(default=20.0, gt=0, le=3600),
    short_abandon_s: float = Query(default=5.0, ge=0, le=600),
    sl_formula: str | None = None,
) -> dict[str, Any]:
    now = service.clock()
    end = now if end is None else end
    start = end - 86400 if start is None else start
    if start >= end:
        raise HTTPException(422, "from: must be before to")
    if sl_formula is not None and sl_formula not in SL_FORMULAS:
        raise HTTPException(422, f"sl_formula: must be one of {sorted(SL_FORMULAS)}")
    opts = KpiOptions(
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        **({"sl_formula": sl_formula} if sl_formula else {}),
    )
    events = service.store.events_for_range(start, end)
    if by_queue:
        per = kpis_by_queue(events, start, end, channel=channel, options=opts)
        return {"from": start, "to": end, "queues": {q: _as_dict(k) for q, k in per.items()}}
    k = compute_kpis(events, start, end, queue=queue, channel=channel, options=opts)
    return {"from": start, "to": end, **_as_dict(k)}
