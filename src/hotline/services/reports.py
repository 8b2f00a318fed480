"""Reports over the stored aggregates: one entry point for the CLI, the API and the wallboard.

`Reports.fresh()` first folds the events written since the last run (the catch-up job is
incremental, so this costs what happened since, not the day), then reads. The cube is kept for
the center's default thresholds and for every queue's own SL threshold (the wallboard shows
each queue against its own), in the center's zone (daily rollup of its local days).

`scope_filters` turns the people-level filters of the reports page and the CLI — team,
province, skill — into the sets of agents or queues the aggregates know, from the center
config as it is now: a team is its agents' contacts and occupancy (`agents[].team`), a
province the regional queues of the region serving it (`regions[].queues`: the 10010 case,
where a caller's province routes the call to that province's queues), a skill the queues
requiring it. The aggregates keep queue and agent ids only, so moving an agent to another
team moves its history with it; the config is the one place these groupings are defined.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hotline.domain.models import CenterConfig
from hotline.domain.regions import Region, province_name
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


class ScopeError(ValueError):
    """A filter names something the center config does not know; `field` is the filter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _known(field: str, value: str, known: Iterable[str | None]) -> None:
    names = sorted({k for k in known if k})
    if value not in names:
        listed = ", ".join(names) if names else f"none configured (set {field} in the center file)"
        raise ScopeError(field, f"unknown {field} {value!r}; known: {listed}")


def _regions_of(config: CenterConfig, value: str) -> list[Region]:
    """The regions a province filter names: a region id or name, or a province (zh or en)."""
    regions = config.regions.regions
    canonical = province_name(value)
    found = [r for r in regions if value in (r.id, r.name) or canonical in r.provinces]
    if not found:
        known = [r.id for r in regions] + [p for r in regions for p in sorted(r.provinces)]
        _known("province", value, known)
    if not any(r.queues for r in found):
        names = ", ".join(r.id for r in found)
        raise ScopeError(
            "province",
            f"region {names} maps no queue of its own (regions[].queues): its contacts share "
            "the other regions' queues and cannot be told apart in the reports",
        )
    return found


def scope_filters(
    config: CenterConfig,
    *,
    queue: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    province: str | None = None,
    skill: str | None = None,
    options: KpiOptions = KpiOptions(),
) -> Filters:
    """The `Filters` of these report filters (all must hold); `ScopeError` names a bad one."""
    queues: frozenset[str] | None = None
    if province is not None:
        queues = frozenset(q for r in _regions_of(config, province) for q in r.queues.values())
    if skill is not None:
        _known("skill", skill, (r.skill for q in config.queues for r in q.skills))
        needing = frozenset(q.id for q in config.queues if any(r.skill == skill for r in q.skills))
        queues = needing if queues is None else queues & needing
    agents: frozenset[str] | None = None
    if team is not None:
        _known("team", team, (a.team for a in config.agents))
        agents = frozenset(a.id for a in config.agents if a.team == team)
    return Filters(queue, channel, agent, options, queues, agents)
