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
from hotline.services.reports_render import render_html, render_pdf
from hotline.services.reports_schedule import Schedule, schedules_of
from hotline.store import Store
from hotline.store.report_documents import ReportDocuments
from hotline.store.tickets import TicketStore

TITLES = {"daily": "Daily warning report", "weekly": "Weekly bulletin", "monthly": "Monthly report"}


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
            if self.documents.add(
                schedule=schedule.name, due_at=due, period_start=start, period_end=end,
                created_at=now, title=content.title, html=html, pdf=pdf,
            ):  # fmt: skip
                note = Notification(self._to, "report", content.title, data={"due_at": due})
                self._notifier.send(note)
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
        orders, by_queue, by_team = order_figures(self._tickets, cfg, start, end, now)
        return ReportContent(
            kind=kind, title=f"{TITLES[kind]} ({kind})", tz=self._tz, whole=whole,
            buckets=reader.series(start, end, grain, tz=self._tz), previous=previous,
            breaches=breaches(reader, cfg, start, end) if kind == "daily" else [],
            orders=orders, exposure_queues=by_queue, exposure_teams=by_team,
            agents=agent_figures(reader, cfg, start, end),
        )  # fmt: skip
