"""The tables of a scheduled report, for CSV and XLSX: the figures its pages print, as rows.

`report_tables` is computed once when the report is produced and kept with it (JSON), so a
download months later gives the figures the PDF printed, not a re-computation over data
that retention may since have purged. Each table is `{"columns", "rows", "percent"}`;
ratios are fractions (0.812) so a spreadsheet can compute with them, and `percent` names
the columns the XLSX formats as percentages. Times are local to the center, as on the pages.
CSV is one table per file (UTF-8 with a BOM, which Excel needs for Chinese); the XLSX holds
every table as a sheet plus the definitions, as the export of the reports page does.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from hotline.kpi.compute import Kpis
from hotline.services.reports_content import Exposure, ReportContent
from hotline.services.reports_render import definitions_of
from hotline.services.reports_sections import COMPARED

Table = dict[str, list[Any]]
KPI_COLUMNS = ("offered", "answered", "abandoned", "service_level", "abandon_rate", "asa_s",
               "aht_s", "handled", "occupancy")  # fmt: skip
RATIOS = ("service_level", "abandon_rate", "occupancy", "share", "value", "target")


def _r(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(float(v), digits)


def _kpis(k: Kpis) -> list[Any]:
    return [k.offered, k.answered, k.abandoned, _r(k.service_level), _r(k.abandon_rate),
            _r(k.asa_s, 1), _r(k.aht_s, 1), k.handled, _r(k.occupancy)]  # fmt: skip


def _table(columns: list[str], rows: list[list[Any]]) -> Table:
    return {"columns": columns, "rows": rows, "percent": [c for c in columns if c in RATIOS]}


def _exposure(rows: list[Exposure]) -> Table:
    return _table(["rank", "name", "overdue", "complaints", "orders"],
                  [[i, e.name, e.overdue, e.complaints, e.orders]
                   for i, e in enumerate(rows, 1)])  # fmt: skip


def report_tables(c: ReportContent) -> dict[str, Table]:
    """Name -> table, in the order of the report's pages."""
    fmt = "%Y-%m-%d %H:%M"
    when = [datetime.fromtimestamp(p.start, c.tz).strftime(fmt) for p in c.buckets]
    f = c.forecast
    forecast = f.forecast if f is not None else [None] * len(c.buckets)
    out: dict[str, Table] = {}
    out["intervals"] = _table(
        ["start", "arrived", "forecast", *KPI_COLUMNS],
        [[t, sum(p.arrived.values()), _r(fc, 1), *_kpis(p.total)]
         for t, p, fc in zip(when, c.buckets, forecast, strict=True)],
    )  # fmt: skip
    out["queues"] = _table(["queue", *KPI_COLUMNS],
                           [[q, *_kpis(k)] for q, k in c.whole.queues.items()])  # fmt: skip
    out["agents"] = _table(["agent", "handled", "aht_s", "occupancy"],
                           [[a, k.handled, _r(k.aht_s, 1), _r(k.occupancy)]
                            for a, k in c.agents])  # fmt: skip
    if c.kind == "daily":
        out["breaches"] = _table(
            ["queue", "measure", "value", "target", "offered", "detail"],
            [[b.queue, b.measure, _r(b.value), _r(b.target), b.offered, b.detail]
             for b in c.breaches],
        )  # fmt: skip
    if c.kind == "weekly" and c.previous is not None:  # ratios as fractions, counts as counts
        out["compared"] = _table(
            ["measure", "this_week", "previous_week"],
            [[label, _r(get(c.whole.total)), _r(get(c.previous.total))]
             for label, get, _fmt, _pt in COMPARED],
        )  # fmt: skip
    if c.kind == "monthly":
        out["exposure_queues"] = _exposure(c.exposure_queues)
        out["exposure_teams"] = _exposure(c.exposure_teams)
    r, before = c.demand.reasons, c.demand.previous
    out["reasons"] = _table(
        ["reason", "contacts", "share", "previous_period"],
        [[name, n, _r(n / r.contacts), before.reasons.get(name, 0)]
         for name, n in r.ranked()]
        + ([["(none recorded)", r.unrecorded, _r(r.unrecorded / r.contacts),
             before.unrecorded]] if r.contacts else []),
    )  # fmt: skip
    out["topics"] = _table(["topic", "contacts", "previous_period", "spike"],
                           [[t.label, t.contacts, t.previous, t.spike or ""]
                            for t in c.demand.topics])  # fmt: skip
    o = c.orders
    out["work_orders"] = _table(["measure", "count"], [
        ["opened", o.opened], ["resolved", o.resolved], ["resolved_on_time", o.resolved_on_time],
        ["overdue", o.overdue], ["reopened", o.reopened], ["cancelled", o.cancelled]])  # fmt: skip
    return out


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(table["columns"])
    w.writerows([["" if v is None else v for v in row] for row in table["rows"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def tables_xlsx(tables: dict[str, Table], c: ReportContent) -> bytes:
    """Every table as a sheet (header row frozen), then the report's definitions."""
    import xlsxwriter  # here: only producing a report needs it

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold, pct = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    for name, t in tables.items():
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, t["columns"], bold)
        sheet.freeze_panes(1, 0)
        percent = {i for i, col in enumerate(t["columns"]) if col in t["percent"]}
        for i, row in enumerate(t["rows"], start=1):
            for j, value in enumerate(row):
                if value is not None:
                    sheet.write(i, j, value, pct if j in percent else None)
        sheet.set_column(0, len(t["columns"]) - 1, 14)
    notes = book.add_worksheet("definitions")
    notes.write_row(0, 0, [c.title], bold)
    for i, text in enumerate(definitions_of(c), start=1):
        notes.write(i, 0, text)
    notes.set_column(0, 0, 140)
    book.close()
    return buf.getvalue()
