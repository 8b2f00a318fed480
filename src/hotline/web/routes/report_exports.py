"""Downloads of a report as CSV or XLSX: the very query of `GET /api/reports`, as a table.

`GET /api/reports/export?format=csv|xlsx&from=…&to=…&grain=…` takes the same parameters (and
the same 422s, since it runs the same handler) and gives one row per period - plus one per
period and queue with `by_queue=true` - with the column names of the reports page in the
user's language. Ratios are written as fractions (0.8123) so a spreadsheet can compute with
them; the XLSX shows them as percentages and carries the KPI definitions on a second sheet,
because a figure without its definition variant (SL formula, short-abandon threshold) is
not comparable with another center's. CSV starts with a UTF-8 BOM: without it Excel reads
the Chinese headers as mojibake. Reports hold no customer identifiers, so nothing to mask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from hotline.web.deps import Service, Supervisor
from hotline.web.routes.reports import ReportsDep, _invalid, report
from hotline.web.ui import i18n

router = APIRouter(prefix="/api/reports", tags=["reports"])

COUNTS = ("offered", "answered", "abandoned", "short_abandoned", "handled",
          "callbacks_created", "callbacks_completed")  # fmt: skip
RATIOS = ("service_level", "answer_rate", "abandon_rate", "occupancy")
SECONDS = ("asa_s", "max_wait_s", "aht_s")
#: the table's KPI columns, in the order of the reports page
KPI_COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "service_level",
               "answer_rate", "abandon_rate", "asa_s", "max_wait_s", "handled", "aht_s",
               "occupancy", "callbacks_created", "callbacks_completed")  # fmt: skip
COLUMNS = ("start", "end", "queue", "channel", *KPI_COLUMNS)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _local(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in RATIOS:
        return round(float(value), 4)
    if name in SECONDS:
        return round(float(value), 1)
    return value


def rows_of(data: dict[str, Any], by_queue: bool, everything: str) -> Iterator[list[Any]]:
    """Table rows of a `GET /api/reports` answer: each period's total, then its queues."""
    tz = ZoneInfo(data["timezone"])
    for p in data["periods"]:
        scopes = [(p["total"], p["total"]["queue"] or everything)]
        if by_queue:
            scopes += [(k, q) for q, k in sorted(p["queues"].items())]
        for kpis, queue in scopes:
            yield [
                _local(p["start"], tz),
                _local(p["end"], tz),
                queue,
                kpis["channel"] or everything,
                *(_cell(c, kpis[c]) for c in KPI_COLUMNS),
            ]


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(t: Any, header: list[str], rows: list[list[Any]], defs: dict[str, str]) -> bytes:
    import xlsxwriter  # imported here: only downloads need it

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold, pct = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet(t("rp.sheet.report"))
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    for i, row in enumerate(rows, start=1):
        for j, (name, value) in enumerate(zip(COLUMNS, row, strict=True)):
            if value is not None:
                sheet.write(i, j, value, pct if name in RATIOS else None)
    sheet.set_column(0, 1, 17)
    sheet.set_column(2, len(COLUMNS) - 1, 12)
    notes = book.add_worksheet(t("rp.sheet.definitions"))
    for i, (key, text) in enumerate(sorted(defs.items())):
        notes.write_row(i, 0, [key, text])
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 120)
    book.close()
    return buf.getvalue()


@router.get("/export")
def export(
    request: Request,
    service: Service,
    user: Supervisor,
    reports: ReportsDep,
    fmt: str = Query(alias="format", description="csv or xlsx"),
    start: str = Query(alias="from", description="ISO date/time in the center's zone"),
    end: str = Query(alias="to", description="ISO date/time (excluded), cut at now"),
    grain: str = "day",
    queue: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    province: str | None = None,
    skill: str | None = None,
    by_queue: bool = False,
    sl_threshold_s: float = Query(default=20.0, gt=0, le=3600),
    short_abandon_s: float = Query(default=5.0, ge=0, le=600),
    sl_formula: str | None = None,
) -> Response:
    """The report of the same query as `GET /api/reports`, as a CSV or XLSX file."""
    if fmt not in FORMATS:
        raise _invalid("format", f"must be one of {sorted(FORMATS)}", fmt)
    data = report(
        service, user, reports, start=start, end=end, grain=grain, queue=queue,
        channel=channel, agent=agent, team=team, province=province, skill=skill,
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s, sl_formula=sl_formula,
    )  # fmt: skip
    t = i18n.translator(i18n.normalise(request.cookies.get(i18n.LANG_COOKIE)))
    header = [t(f"rp.col.{c}") for c in COLUMNS]
    rows = list(rows_of(data, by_queue, t("rp.all")))
    tz = ZoneInfo(data["timezone"])
    name = f"report-{_local(data['from'], tz)[:10]}-{grain}.{fmt}"
    body = _csv(header, rows) if fmt == "csv" else _xlsx(t, header, rows, data["definitions"])
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": disposition})
