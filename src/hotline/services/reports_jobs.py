"""Producing the scheduled reports when they are due: render, keep, deliver.

`run_due(now)` is idempotent — each schedule's report for a due time is stored once (unique
key), so the server may call it every minute and after restarts. Only due times after
`since` (when scheduling started) are produced: a fresh install does not backfill years.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from hotline.notify import Notification, Notifier
from hotline.services.reports import Reports
from hotline.services.reports_render import render_html, render_pdf
from hotline.services.reports_schedule import Schedule
from hotline.store import Store
from hotline.store.report_documents import ReportDocuments

TITLES = {"daily": "Daily warning report", "weekly": "Weekly bulletin", "monthly": "Monthly report"}


class ScheduledReports:
    def __init__(
        self,
        store: Store,
        reports: Reports,
        notifier: Notifier,
        schedules: Sequence[Schedule],
        since: float,
        notify: str = "role:supervisor",
    ) -> None:
        self.documents = ReportDocuments(store.engine)
        self._reports, self._notifier = reports, notifier
        self._schedules, self._since, self._to = tuple(schedules), since, notify
        self._tz = ZoneInfo(reports.zone)

    def run_due(self, now: float) -> list[str]:
        """Produce every report due at or before `now` not produced yet; their titles."""
        made = []
        for schedule in self._schedules:
            due = schedule.last_due(now, self._tz)
            if due <= self._since or self.documents.exists(schedule.name, due):
                continue
            start, end = schedule.period(due, self._tz)
            reader = self._reports.fresh()
            (whole,) = reader.ranges([(start, end)])
            hours = reader.series(start, end, "hour" if schedule.kind == "daily" else "day",
                                  tz=self._tz)  # fmt: skip
            title = f"{TITLES[schedule.kind]} ({schedule.kind})"
            html = render_html(title, whole, hours, self._tz)
            pdf = render_pdf(title, whole, hours, self._tz)
            if self.documents.add(
                schedule=schedule.name, due_at=due, period_start=start, period_end=end,
                created_at=now, title=title, html=html, pdf=pdf,
            ):  # fmt: skip
                self._notifier.send(Notification(self._to, "report", title, data={"due_at": due}))
                made.append(title)
        return made
