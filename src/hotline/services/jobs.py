"""The center's periodic background work, in one object that any process can run.

Folding new events into the report aggregates, evaluating the alert rules on the fresh
numbers, producing the scheduled reports, transcribing and checking recordings and chats (QA)
and the retention purge are CPU-heavy batch work. Run inside the request-serving process they
hold the GIL for tens to hundreds of milliseconds and the API's tail latency follows (issue 19:
p99 200-350 ms at 50 contacts/s with them, < 50 ms without). So `hotline serve` runs them in a
child `hotline jobs` process (`hotline.web.jobs`); in-process test servers still run the same
`Jobs` on their own event loop (`Settings.jobs = "inline"`).

Everything a job produces goes to the database (aggregates, alerts, report documents, QA
results and their `qa.analysed` facts, purge audit), where the server's API reads it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hotline.config import config_from_dict
from hotline.domain.models import CenterConfig
from hotline.domain.records import EventRecord
from hotline.notify import notifier_from_env
from hotline.services.alerts import Alerts, rules_from
from hotline.services.compliance import ComplianceService
from hotline.services.qa import QaService
from hotline.services.reports import Reports
from hotline.services.reports_jobs import ScheduledReports
from hotline.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobIntervals:
    """How often each job runs (seconds; a purge period of 0 switches the purge off).

    `catch_up_batch` bounds the events folded per write transaction. A batch is folded with
    reads only and then written in one short transaction (`Aggregates.apply`); on SQLite that
    transaction holds the database's single write lock, so the jobs process writes small
    batches and the server's router commits wait behind one for milliseconds, never for a
    fold or a whole backlog (`bench/catch_up_contention.py`)."""

    reports_s: float = 5.0
    qa_s: float = 5.0
    purge_s: float = 3600.0
    qa_workers: int = 1
    catch_up_batch: int = 5000


class Jobs:
    """One center's background jobs over its store; `run()` loops them forever.

    `config` gives the center configuration (the server passes its live one; by default the
    stored one is read, re-parsed only when its version changes). `annotate` stores the QA
    facts (by default appended to the timeline directly)."""

    def __init__(
        self,
        store: Store,
        intervals: JobIntervals = JobIntervals(),
        *,
        clock: Callable[[], float] = time.time,
        config: Callable[[], CenterConfig] | None = None,
        annotate: Callable[[EventRecord], Any] | None = None,
        name: str = "jobs",
    ) -> None:
        self.store, self.intervals, self.clock, self.name = store, intervals, clock, name
        self._config = config or self._stored_config
        self._stored: tuple[int, CenterConfig] | None = None
        self._since = clock()  # scheduled reports: only due times after the start
        self._thresholds: tuple[float, ...] | None = None
        self._by_queue: dict[str, float] = {}  # queue id -> SL threshold, for SL alert rules
        self._reports: Reports | None = None
        self._alerts: Alerts | None = None
        self._scheduled: ScheduledReports | None = None
        self.qa = QaService(store, annotate=annotate, clock=clock)
        self.rounds: Counter[str] = Counter()  # completed rounds per job (logs, tests)

    # ------------------------------------------------------------------ one round of each job
    def reports_round(self) -> int:
        """Fold new events, then evaluate the alert rules on the fresh numbers and produce
        the scheduled reports that fell due; returns the events folded."""
        cfg = self._config()
        self._build(cfg)
        assert self._reports and self._alerts and self._scheduled
        folded = self._reports.aggregates.catch_up(self.intervals.catch_up_batch)
        rules = rules_from(cfg.alerts)
        if rules:
            self._alerts.evaluate(self.clock(), rules)
        self._scheduled.run_due(self.clock())
        return folded

    def qa_scan(self) -> int:
        """Queue contacts with new recordings or newly ended chats."""
        return self.qa.scan()

    def qa_work(self, worker: int) -> str | None:
        """Run one due QA job as worker number `worker`; None when nothing is due."""
        return self.qa.work(f"{self.name}-{os.getpid()}-{worker}")

    def purge_round(self) -> dict[str, int]:
        """The retention purge, audited as the system like a manual one."""
        report = ComplianceService(self.store, self.clock).purge(actor="system")
        if any(report.deleted.values()):
            log.info("retention purge: %s", report.deleted)
        return dict(report.deleted)

    # ------------------------------------------------------------------ the loops
    async def run(self) -> None:
        """Every job on its own period until cancelled; a failing round is logged and retried."""
        iv = self.intervals
        loops = [self._every(iv.reports_s, self._reports_async, "reports", first=0.0)]
        loops.append(self._every(iv.qa_s, self._qa_async, "qa"))
        if iv.purge_s > 0:
            loops.append(self._every(iv.purge_s, self._purge_async, "purge"))
        await asyncio.gather(*loops)

    async def _every(
        self, every: float, job: Callable[[], Any], name: str, first: float | None = None
    ) -> None:
        await asyncio.sleep(every if first is None else first)
        while True:
            try:
                await job()
                self.rounds[name] += 1
            except Exception:  # background work must never end the process that runs it
                log.exception("background job %s failed; retried next period", name)
            await asyncio.sleep(every)

    async def _reports_async(self) -> None:
        await asyncio.to_thread(self.reports_round)

    async def _qa_async(self) -> None:
        await asyncio.to_thread(self.qa_scan)
        workers = range(max(1, self.intervals.qa_workers))
        while any(await asyncio.gather(*(asyncio.to_thread(self.qa_work, n) for n in workers))):
            pass

    async def _purge_async(self) -> None:
        await asyncio.to_thread(self.purge_round)

    # ------------------------------------------------------------------ helpers
    def _stored_config(self) -> CenterConfig:
        latest = self.store.latest_config()
        if latest is None:
            raise RuntimeError("no center configuration stored; run `hotline init` first")
        if self._stored is None or self._stored[0] != latest[0]:
            self._stored = (latest[0], config_from_dict(latest[1], source="database"))
        return self._stored[1]

    def _build(self, cfg: CenterConfig) -> None:
        """Reports, alerts and schedules over the queues' SL thresholds (rebuilt when the
        configuration changes them: each threshold has its own aggregate cube)."""
        self._by_queue = {q.id: q.sl_threshold_s for q in cfg.queues}
        thresholds = tuple(q.sl_threshold_s for q in cfg.queues)
        if self._reports is not None and thresholds == self._thresholds:
            return
        self._thresholds = thresholds
        self._reports = Reports.for_store(self.store, thresholds)
        notifier = notifier_from_env()
        self._alerts = Alerts(self.store, self._reports, notifier, lambda: self._by_queue)
        self._scheduled = ScheduledReports(
            self.store, self._reports, notifier, self._config, since=self._since
        )
