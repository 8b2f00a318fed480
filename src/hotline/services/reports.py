"""Reports over the stored aggregates: one entry point for the CLI, the API and the wallboard.

`Reports.fresh()` first folds the events written since the last run (the catch-up job is
incremental, so this costs what happened since, not the day), then reads. The cube is kept for
the center's default thresholds and for every queue's own SL threshold (the wallboard shows
each queue against its own), in the center's zone (daily rollup of its local days).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hotline.kpi import KpiOptions
from hotline.store import Store
from hotline.store.aggregates import Aggregates
from hotline.store.aggregates_query import Filters, Period, ReportReader

DEFAULT_ZONE = "Asia/Shanghai"


def profiles_for(thresholds: Iterable[float]) -> tuple[KpiOptions, ...]:
    """The default options plus one per distinct queue SL threshold."""
    extra = [KpiOptions(sl_threshold_s=t) for t in sorted(set(thresholds))]
    return (KpiOptions(), *extra)


def _stored_center(store: Store) -> tuple[str, list[float]]:
    """Zone and queue SL thresholds of the stored center config (defaults when none)."""
    latest = store.latest_config()
    doc: dict[str, Any] = latest[1] if latest else {}
    zone = (doc.get("center") or {}).get("timezone") or DEFAULT_ZONE
    thresholds = []
    for q in doc.get("queues") or []:
        sl = (q or {}).get("service_level") or {}
        if sl.get("threshold_s") is not None:
            thresholds.append(float(sl["threshold_s"]))
    return zone, thresholds


class Reports:
    """The aggregates of one store, kept for a zone and a set of threshold profiles."""

    def __init__(self, store: Store, zone: str, profiles: tuple[KpiOptions, ...]):
        self.zone = zone
        self.aggregates = Aggregates(store.engine, profiles, zone)
        self.reader = ReportReader(store.engine, self.aggregates.profiles, zone)

    @classmethod
    def for_store(cls, store: Store, thresholds: Iterable[float] | None = None) -> Reports:
        """From the stored config (the CLI); the server passes its live queues' thresholds."""
        zone, stored = _stored_center(store)
        return cls(store, zone, profiles_for(stored if thresholds is None else thresholds))

    def fresh(self) -> ReportReader:
        """The reader, after folding every event written so far."""
        self.aggregates.catch_up()
        return self.reader

    def kpis(self, start: float, end: float, filters: Filters = Filters()) -> Period:
        return self.fresh().kpis(start, end, filters)
