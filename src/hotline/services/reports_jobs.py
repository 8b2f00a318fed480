"""Producing the scheduled reports when they are due: render, keep, deliver.

`run_due(now)` is idempotent — each schedule's report for a due time is stored once (unique
key), so the server may call it every minute and after restarts. Only due times after
`since` (when scheduling started) are produced: a fresh install does not backfill years.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from hotline.domain.models import CenterConfig
from hotline.notify import Notification, Notifier
from hotline.services.reports import Reports
from hotline.services.reports_content import (
    ReportContent,
    agent_figures,
    breaches,
    order_figures,
)
from hotline.services.reports_forecast import volume_forecast
from hotline.services.reports_render import render_html, render_pdf
from hotline.services.reports_schedule import Schedule, schedules_of
from hotline.services.reports_tables import report_tables, tables_xlsx
from hotline.services.reports_topics import demand
from hotline.store import Store
from hotline.store.forecasts import Forecasts
from hotline.store.report_documents import ReportDocuments
from hotline.store.tickets import TicketStore

#: 日预警, 周通报, 月曝光: the names the seed centers give these reports
TITLES = {
    "daily": "Daily warning report",
    "weekly": "Weekly bulletin",
    "monthly": "Monthly exposure report",
}


def delivered(doc_id: int, due: float, tables: dict) -> dict:
    """What the notifier carries: where the kept report and its downloads are (a webhook or
    an email links to them; the files stay in the app, behind the supervisors' login)."""
    base = f"/api/reports/documents/{doc_id}"
    links = {fmt: f"{base}.{fmt}" for fmt in ("pdf", "html", "xlsx")}
    links |= {f"csv:{name}": f"{base}.csv?table={name}" for name in tables}
    return {"due_at": due, "doc_id": doc_id, "links": links}


class ScheduledReports:
    """`config` gives the live center configuration: its `reports.schedules` say what is due
    (unless `schedules` overrides them), its queues, agents and alert rules what is judged."""

    def __init__(
        self,
        store: Store,
        reports: Reports,
        notifier: Notifier,
        config: Callable[[], CenterConfig],
        since: float,
        schedules: Sequence[Schedule] | None = None,
        notify: str = "role:supervisor",
    ) -> None:
        self.documents = ReportDocuments(store.engine)
        self._tickets = TicketStore(store.engine)
        self._forecasts, self._store = Forecasts(store.engine), store
        self._reports, self._notifier, self._config = reports, notifier, config
        self._schedules = None if schedules is None else tuple(schedules)
        self._since, self._to = since, notify
        self._tz = ZoneInfo(reports.zone)

    def schedules(self) -> tuple[Schedule, ...]:
        return self._schedules if self._schedules is not None else schedules_of(self._config())

    def run_due(self, now: float) -> list[str]:
        """Produce every report due at or before `now` not produced yet; their titles."""
        made = []
        for schedule in self.schedules():
            due = schedule.last_due(now, self._tz)
            if due <= self._since or self.documents.exists(schedule.name, due):
                continue
            start, end = schedule.period(due, self._tz)
            content = self.content(schedule.kind, start, end, now)
            html, pdf = render_html(content), render_pdf(content)
            tables = report_tables(content)
            doc_id = self.documents.add(
                schedule=schedule.name, due_at=due, period_start=start, period_end=end,
                created_at=now, title=content.title, html=html, pdf=pdf,
                tables=tables, xlsx=tables_xlsx(tables, content),
            )  # fmt: skip
            if doc_id is not None:
                self._notifier.send(Notification(self._to, "report", content.title,
                                                 data=delivered(doc_id, due, tables)))  # fmt: skip
                made.append(content.title)
        return made

    def content(self, kind: str, start: float, end: float, now: float) -> ReportContent:
        """Everything the report of `kind` over [start, end) says, judged at `now`."""
        cfg, reader = self._config(), self._reports.fresh()
        (whole,) = reader.ranges([(start, end)])
        grain = "hour" if kind == "daily" else "day"
        previous = None
        if kind == "weekly":
            (previous,) = reader.ranges([(start - (end - start), start)])
        buckets = reader.series(start, end, grain, tz=self._tz)
        orders, by_queue, by_team = order_figures(self._tickets, cfg, start, end, now)
        return ReportContent(
            kind=kind, title=f"{TITLES[kind]} ({kind})", tz=self._tz, whole=whole,
            buckets=buckets, previous=previous,
            breaches=breaches(reader, cfg, start, end) if kind == "daily" else [],
            orders=orders, exposure_queues=by_queue, exposure_teams=by_team,
            agents=agent_figures(reader, cfg, start, end),
            forecast=volume_forecast(self._forecasts, buckets),
            demand=demand(self._store, start, end, self._reports.zone),
        )  # fmt: skip
