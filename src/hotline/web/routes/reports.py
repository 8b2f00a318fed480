"""Reports over the aggregates: the reports, alerts and report documents API.

The aggregates are folded, the alerts evaluated and the scheduled reports produced by the
background jobs (`hotline.services.jobs`, run outside the server by `hotline jobs`); this API
reads what they stored, and a report request folds what came in since their last round.

`GET /api/reports` gives KPIs for any range by grain (15min … month) with queue, channel,
agent, team, province and skill filters (the last three resolved from the live center config
by `scope_filters`; an unknown one is a 422 listing the known ones), each period with its
queues' rows; the definitions printed with them name the SL variant and thresholds as the
CLI does.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from hotline.kpi import (
    SL_FORMULAS,
    KpiOptions,
    Kpis,
    RangeError,
    clip_to_now,
    definitions,
    parse_time,
)
from hotline.kpi.aggregate_time import GRAINS
from hotline.notify import notifier_from_env
from hotline.runtime import CenterService
from hotline.services.alerts import Alerts
from hotline.services.reports import Reports, ScopeError, scope_filters
from hotline.services.reports_jobs import ScheduledReports
from hotline.web.deps import Service, Supervisor
from hotline.web.schemas import RowId

# Bounded in the signature (a negative LIMIT is an error on PostgreSQL).
Limit = Annotated[int, Query(ge=1, le=1000)]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/reports", tags=["reports"])
alerts_router = APIRouter(prefix="/api/alerts", tags=["alerts"])


def _queue_thresholds(service: CenterService) -> list[float]:
    return service.read(lambda r: [q.sl_threshold_s for q in r.config.queues])  # type: ignore[return-value]


def reports_for(app: FastAPI) -> Reports:
    """The app's `Reports` (made on first use from the live config)."""
    reports = getattr(app.state, "reports", None)
    if reports is None:
        service: CenterService = app.state.service
        reports = Reports.for_store(service.store, _queue_thresholds(service))
        app.state.reports = reports
    return reports


def get_reports(request: Request) -> Reports:
    return reports_for(request.app)


ReportsDep = Annotated[Reports, Depends(get_reports)]


def alerts_for(app: FastAPI) -> Alerts:
    """The app's `Alerts` (rules are re-read from the live config at each evaluation)."""
    alerts = getattr(app.state, "alerts", None)
    if alerts is None:
        service: CenterService = app.state.service
        queues = lambda: service.read(  # noqa: E731
            lambda r: {q.id: q.sl_threshold_s for q in r.config.queues}
        )
        alerts = Alerts(service.store, reports_for(app), notifier_from_env(), queues)
        app.state.alerts = alerts
    return alerts


def scheduled_for(app: FastAPI) -> ScheduledReports:
    """The app's scheduled reports (the live config's `reports.schedules`); only due times
    after the server started are produced."""
    jobs = getattr(app.state, "scheduled_reports", None)
    if jobs is None:
        service: CenterService = app.state.service
        jobs = ScheduledReports(
            service.store, reports_for(app), notifier_from_env(),
            lambda: service.read(lambda r: r.config), since=service.clock(),
        )  # fmt: skip
        app.state.scheduled_reports = jobs
    return jobs


def install(app: FastAPI) -> None:
    """Register the reports API on the app (one line in `create_app`)."""
    from hotline.web.routes import metrics

    app.include_router(router)
    app.include_router(alerts_router)
    metrics.install(app)


def _invalid(field: str, message: str, value: Any) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", field), "msg": message, "input": value}]
    )


def _row(k: Kpis) -> dict[str, Any]:
    d = dataclasses.asdict(k)
    d.pop("options")
    return d


@router.get("")
def report(
    service: Service,
    _user: Supervisor,
    reports: ReportsDep,
    start: str = Query(alias="from", description="ISO date/time in the center's zone"),
    end: str = Query(alias="to", description="ISO date/time (excluded), cut at now"),
    grain: str = Query(default="day", description=f"one of {', '.join(GRAINS)}"),
    queue: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = Query(default=None, description="agents[].team of the center file"),
    province: str | None = Query(default=None, description="queues[].province"),
    skill: str | None = Query(default=None, description="queues requiring this skill"),
    sl_threshold_s: float = Query(default=20.0, gt=0, le=3600),
    short_abandon_s: float = Query(default=5.0, ge=0, le=600),
    sl_formula: str | None = None,
) -> dict[str, Any]:
    """KPIs per period of `grain` over [from, to), with per-queue rows and definitions."""
    tz = ZoneInfo(reports.zone)
    bounds = {}
    for name, value in (("from", start), ("to", end)):
        try:
            bounds[name] = parse_time(value, tz)
        except RangeError as exc:
            raise _invalid(name, str(exc), value) from None
    if bounds["from"] >= bounds["to"]:
        raise _invalid("from", "must be before to", start)
    if grain not in GRAINS:
        raise _invalid("grain", f"must be one of {list(GRAINS)}", grain)
    if sl_formula is not None and sl_formula not in SL_FORMULAS:
        raise _invalid("sl_formula", f"must be one of {sorted(SL_FORMULAS)}", sl_formula)
    if grain == "15min" and bounds["to"] - bounds["from"] > 31 * 86400:
        raise _invalid("grain", "15min is limited to ranges of 31 days", grain)
    opts = KpiOptions(
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        **({"sl_formula": sl_formula} if sl_formula else {}),
    )
    config = service.read(lambda r: r.config)
    try:
        filters = scope_filters(
            config, queue=queue, channel=channel, agent=agent, team=team, province=province,
            skill=skill, options=opts,
        )  # type: ignore[arg-type]  # fmt: skip
    except ScopeError as exc:
        given = {"team": team, "province": province, "skill": skill}
        raise _invalid(exc.field, str(exc), given[exc.field]) from None
    t0, t1 = clip_to_now(bounds["from"], bounds["to"], service.clock())
    periods = reports.fresh().series(t0, t1, grain, filters, tz)
    return {
        "from": t0,
        "to": t1,
        "timezone": reports.zone,
        "grain": grain,
        "options": dataclasses.asdict(opts),
        "definitions": definitions(opts),
        "periods": [
            {
                "start": p.start,
                "end": p.end,
                "total": _row(p.total),
                "queues": {q: _row(k) for q, k in p.queues.items()},
            }
            for p in periods
        ],
    }


@alerts_router.get("")
def list_alerts(request: Request, _user: Supervisor, limit: Limit = 200) -> dict[str, Any]:
    """Open alerts (what the wallboard shows) and the history, newest first."""
    alerts = alerts_for(request.app)
    return {
        "open": [dataclasses.asdict(a) for a in alerts.store.open_alerts()],
        "history": [dataclasses.asdict(a) for a in alerts.store.history(limit)],
    }


@alerts_router.post("/{alert_id}/ack")
def acknowledge(
    request: Request, service: Service, user: Supervisor, alert_id: RowId
) -> dict[str, Any]:
    """Acknowledge an alert: it stays open until its breach clears, but is marked as seen."""
    record = alerts_for(request.app).acknowledge(alert_id, user.username, service.clock())
    if record is None:
        raise HTTPException(404, f"alert_id: no alert {alert_id}")
    return dataclasses.asdict(record)


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/documents")
def documents(request: Request, _user: Supervisor, limit: Limit = 100) -> list[dict[str, Any]]:
    """Produced scheduled reports, newest first (download with `/documents/{id}.pdf|html|xlsx`,
    and each of `tables` with `/documents/{id}.csv?table=NAME`)."""
    out = scheduled_for(request.app).documents.listing(limit)
    for row in out:
        kept = row.pop("has_xlsx") and row["tables"]
        row["formats"] = ["pdf", "html", *(["xlsx", "csv"] if kept else [])]
    return out


@router.get("/documents/{doc_id}.{fmt}")
def document(
    request: Request,
    _user: Supervisor,
    doc_id: RowId,
    fmt: str,
    table: str | None = Query(default=None, description="csv: which of the report's tables"),
) -> Response:
    """A kept report as PDF, HTML, XLSX (every table) or CSV (one table, `table=`)."""
    from hotline.services.reports_tables import table_csv

    if fmt not in DOCUMENT_TYPES:
        raise HTTPException(404, f"fmt: one of {', '.join(DOCUMENT_TYPES)}")
    d = scheduled_for(request.app).documents.get(doc_id)
    if d is None:
        raise HTTPException(404, f"doc_id: no report {doc_id}")
    if fmt in ("pdf", "html"):
        return Response(d.pdf if fmt == "pdf" else d.html, media_type=DOCUMENT_TYPES[fmt])
    if not d.tables or d.xlsx is None:
        raise HTTPException(404, f"fmt: report {doc_id} was produced before tables were kept")
    name = f"{d.schedule.split('@')[0]}-{doc_id}"
    if fmt == "xlsx":
        body, filename = d.xlsx, f"{name}.xlsx"
    else:
        if table not in d.tables:
            raise _invalid("table", f"must be one of {list(d.tables)}", table)
        body, filename = table_csv(d.tables[table]), f"{name}-{table}.csv"
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=DOCUMENT_TYPES[fmt],
                    headers={"Content-Disposition": disposition})  # fmt: skip
