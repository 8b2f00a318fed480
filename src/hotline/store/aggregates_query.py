"""Reading KPIs from the aggregates: any range, grain, queue, channel or agent.

A range [start, end) is split into its whole 15-minute buckets, read from the cube, and its
unaligned edges (the default "last 24 h" ends at now), read from the contact facts and the
agent spans that cross them. Thresholds no cube is kept for, and the agent filters, are summed
from the contact facts over the whole range: slower, still exact, still SQL. A set of queues
(a province's or a skill's, resolved from the center config by `hotline.services.reports`)
still reads the cube; a set of agents (a team's) reads the facts, like one agent. Every read runs
in one repeatable-read transaction, so a catch-up batch committing meanwhile is not half seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, func, or_, select

from hotline.kpi.aggregate import CALLBACK, Scope, Sums, kpis_from_sums, profile_key, scoped, total
from hotline.kpi.aggregate_time import (
    AgentEdges,
    edge_occupancy,
    edge_ranges,
    inner_buckets,
    occupancy_of,
    overlap,
    periods,
    split_days,
)
from hotline.kpi.compute import Kpis
from hotline.kpi.options import KpiOptions
from hotline.store.aggregates_sql import (
    AGENT_INTERVALS,
    CENTER_DAYS,
    CURSOR,
    EDGES,
    FACTS,
    QUEUE_DAYS,
    QUEUE_INTERVALS,
    SPANS,
    cube_sums,
    fact_sums,
    to_sums,
)

Cells = dict[tuple[str, str], Sums]


@dataclass(frozen=True, slots=True)
class Filters:
    """What to count: `queue`/`channel` as `compute_kpis`; `agent` = contacts first answered
    by that agent, and that agent's occupancy. `queues` / `agents` narrow further to a set
    (every given filter must hold): the total and the per-queue rows then cover only those
    queues, contacts answered by those agents and those agents' occupancy."""

    queue: str | None = None
    channel: str | None = None
    agent: str | None = None
    options: KpiOptions = KpiOptions()  # noqa: RUF009 - frozen, so one shared default is safe
    queues: frozenset[str] | None = None
    agents: frozenset[str] | None = None

    def agent_set(self) -> frozenset[str] | None:
        """The agents counted (None: everyone), `agent` and `agents` combined."""
        if self.agent is None:
            return self.agents
        one = frozenset({self.agent})
        return one if self.agents is None else one & self.agents


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a report: the whole scope's KPIs, and per queue when asked for."""

    start: float
    end: float
    total: Kpis
    center: Kpis
    queues: dict[str, Kpis]
    #: every contact created in the period per queue ('' = none), short abandons and contacts
    #: never queued included, callback tasks not (the center calling back a missed call is
    #: not new demand; that call is counted): what `hotline forecast` counts and forecasts
    arrived: dict[str, int] = field(default_factory=dict)


class ReportReader:
    """KPIs of stored aggregates; `profiles` are the option sets the cube is kept for."""

    def __init__(self, engine: Engine, profiles: tuple[KpiOptions, ...], zone: str = "UTC"):
        self._engine = engine
        self._cubes = {profile_key(p) for p in profiles}
        self.zone = zone
        self._tz = ZoneInfo(zone)
        self._days = False  # set per snapshot: is the daily rollup of `zone` built?
        self._built: set[str] = set()  # and the cubes of which profiles

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                names = set(conn.execute(select(CURSOR.c.name)).scalars())
                self._days = f"days:{self.zone}" in names
                self._built = {k for k in self._cubes if f"cube:{k}" in names}
                yield conn

    def kpis(self, start: float, end: float, filters: Filters = Filters()) -> Period:
        """KPIs of contacts created in [start, end) (cut it at now first), with per-queue rows."""
        with self._snapshot() as conn:
            return self._period(conn, start, end, filters)

    def series(
        self, start: float, end: float, grain: str, filters: Filters = Filters(), tz: tzinfo = UTC
    ) -> list[Period]:
        """One `Period` per local `grain` period of `tz` (15min, hour, day, week, month)."""
        return self.ranges(periods(start, end, grain, tz), filters)

    def ranges(
        self, spans: list[tuple[float, float]], filters: Filters = Filters()
    ) -> list[Period]:
        """One `Period` per [start, end) of `spans`, all read from one snapshot."""
        with self._snapshot() as conn:
            return [self._period(conn, a, b, filters) for a, b in spans]

    # -- one period -----------------------------------------------------------------------

    def _period(self, conn: Connection, start: float, end: float, f: Filters) -> Period:
        cells = self._cells(conn, start, end, f)
        occupancy = self._occupancy(conn, start, end, f.agent_set())
        by_queue: dict[str, list[tuple[str, Sums]]] = defaultdict(list)
        for (queue, channel), sums in cells.items():
            by_queue[queue].append((channel, sums))
        # a queue set narrows the total and the rows, not the center line; like one queue it
        # shows no occupancy (agents' states carry no queue)
        within = f.queues

        def scope_sums(queue: str | None, channel: str | None, narrow: bool) -> Sums:
            groups = by_queue.items() if queue is None else [(queue, by_queue.get(queue, []))]
            if narrow and within is not None:
                groups = [(q, c) for q, c in groups if q in within]
            parts = [(ch or None, s) for _, cells_ in groups for ch, s in cells_]
            return scoped(parts, channel)

        def make(
            queue: str | None,
            channel: str | None,
            occ: tuple[float, float] | None,
            narrow: bool = True,
        ) -> Kpis:
            scope = Scope(start, end, queue, channel, f.options, occ)
            return kpis_from_sums(scope_sums(queue, channel, narrow), scope)

        queues = {
            q: make(q, f.channel, None)
            for q in sorted(q for q, parts in by_queue.items() if q and _has_contacts(parts))
            if within is None or q in within
        }
        center = make(None, None, occupancy, narrow=False)
        whole = make(f.queue, f.channel, occupancy if within is None else None)
        arrived = {
            q: sum(s.contacts for ch, s in parts if _arrival(ch, f.channel))
            for q, parts in by_queue.items()
            if (within is None or q in within) and (f.queue is None or q == f.queue)
        }
        if f.queue is not None:
            queues = {q: k for q, k in queues.items() if q == f.queue}
        return Period(start, end, whole, center, queues, arrived)

    def _split(self, start: float, end: float) -> tuple[list[float], list[tuple[float, float]]]:
        """Whole local days (read from the rollup when it is built) and the rest."""
        if not self._days:
            return [], [(start, end)]
        return split_days(start, end, self._tz)

    def _cells(self, conn: Connection, start: float, end: float, f: Filters) -> Cells:
        """Sums per (queue, channel) of the contacts created in [start, end)."""
        if f.agent_set() is not None or profile_key(f.options) not in self._built:
            return _fact_cells(conn, [(start, end)], f)
        days, rest = self._split(start, end)
        cells: Cells = {}
        if days:
            d = QUEUE_DAYS.c
            stmt = (
                select(d.queue, d.channel, *[e.label(n) for n, e in cube_sums(QUEUE_DAYS).items()])
                .where(
                    d.profile == profile_key(f.options),
                    d.zone == self.zone,
                    d.day >= days[0],
                    d.day <= days[-1],
                )
                .group_by(d.queue, d.channel)
            )
            _merge(cells, conn.execute(stmt).mappings())
        for a, b in rest:
            lo, hi = inner_buckets(a, b)
            if lo < hi:
                q = QUEUE_INTERVALS.c
                stmt = (
                    select(q.queue, q.channel, *[e.label(n) for n, e in cube_sums().items()])
                    .where(q.profile == profile_key(f.options), q.bucket >= lo, q.bucket < hi)
                    .group_by(q.queue, q.channel)
                )
                _merge(cells, conn.execute(stmt).mappings())
            edges = edge_ranges(a, b)
            if edges:
                for key, sums in _fact_cells(conn, edges, f).items():
                    cells[key] = cells[key] + sums if key in cells else sums
        return cells

    def _occupancy(
        self, conn: Connection, start: float, end: float, agents: frozenset[str] | None
    ) -> tuple[float, float]:
        """(occupied, staffed) seconds of all agents (or these) inside [start, end)."""
        days, rest = self._split(start, end) if agents is None else ([], [(start, end)])
        occupied = staffed = 0.0
        if days:
            c = CENTER_DAYS.c
            stmt = select(func.sum(c.occupied_s), func.sum(c.staffed_s)).where(
                c.zone == self.zone, c.day >= days[0], c.day <= days[-1]
            )
            o, s = conn.execute(stmt).one()
            occupied, staffed = float(o or 0.0), float(s or 0.0)
        for a, b in rest:
            o, s = _closed_occupancy(conn, a, b, agents)
            occupied, staffed = occupied + o, staffed + s
        edges_stmt = select(EDGES)
        if agents is not None:
            edges_stmt = edges_stmt.where(EDGES.c.agent_id.in_(sorted(agents)))
        edges = [AgentEdges(**r) for r in conn.execute(edges_stmt).mappings()]
        o, s = edge_occupancy(edges, start, end)
        return occupied + o, staffed + s


def _arrival(channel: str, wanted: str | None) -> bool:
    """Does a contact of `channel` count in `Period.arrived` under the channel filter?"""
    return channel != CALLBACK if wanted is None else (channel or None) == wanted


def _merge(cells: Cells, rows: Any) -> None:
    for r in rows:
        key, sums = (r["queue"], r["channel"]), to_sums(r)
        cells[key] = cells[key] + sums if key in cells else sums


def _has_contacts(parts: list[tuple[str, Sums]]) -> bool:
    return total(s for _, s in parts).contacts > 0


def _fact_cells(conn: Connection, ranges: list[tuple[float, float]], f: Filters) -> Cells:
    c = FACTS.c
    where = or_(*[and_(c.created_at >= a, c.created_at < b) for a, b in ranges])
    agents = f.agent_set()
    if agents is not None:
        where = and_(where, c.agent_id.in_(sorted(agents)))
    stmt = (
        select(c.queue, c.channel, *[e.label(n) for n, e in fact_sums(f.options).items()])
        .where(where)
        .group_by(c.queue, c.channel)
    )
    return {(r["queue"], r["channel"]): to_sums(r) for r in conn.execute(stmt).mappings()}


def _closed_occupancy(
    conn: Connection, start: float, end: float, agents: frozenset[str] | None
) -> tuple[float, float]:
    """(occupied, staffed) seconds of closed spans inside [start, end): buckets, then edges."""
    occupied = staffed = 0.0
    lo, hi = inner_buckets(start, end)
    if lo < hi:
        a = AGENT_INTERVALS.c
        stmt = select(func.sum(a.occupied_s), func.sum(a.staffed_s)).where(
            a.bucket >= lo, a.bucket < hi
        )
        if agents is not None:
            stmt = stmt.where(a.agent_id.in_(sorted(agents)))
        o, s = conn.execute(stmt).one()
        occupied, staffed = float(o or 0.0), float(s or 0.0)
    for e0, e1 in edge_ranges(start, end):
        s_ = SPANS.c
        stmt2 = select(s_.state, s_.start, s_.end).where(s_.end > e0, s_.start < e1)
        if agents is not None:
            stmt2 = stmt2.where(s_.agent_id.in_(sorted(agents)))
        for state, s0, s1 in conn.execute(stmt2):
            o, s = occupancy_of(state, overlap(s0, s1, e0, e1))
            occupied, staffed = occupied + o, staffed + s
    return occupied, staffed
