"""The catch-up job that keeps the reporting aggregates in step with the timeline.

It reads the events after its cursor (`report_cursor`, a `seq`), refolds only the contacts
those events touch (the whole timeline of each, so a late answer moves the contact's fate),
closes the agent state spans they end, and recomputes the 15-minute buckets that changed.
Each batch is folded first with reads only (`hotline.store.aggregates_fold`), then written in
one short transaction, cursor included, so a crash resumes where it stopped and never counts
a batch twice, and the router's commits never wait for a fold (issue 19). The event write
path is not touched: the server runs the job periodically and `hotline report` runs it
before reading. `rebuild()` empties the aggregates and folds the whole timeline again: they
are derived data, exact by construction.

Assumption (true of the live router, which stamps events from one clock): one agent's state
events arrive in time order. An out-of-order one raises `AggregateOrderError`; `rebuild()`
then gives exact figures again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from hotline.kpi.aggregate import BUCKET_S, bucket_of, profile_key
from hotline.kpi.aggregate_time import local_day
from hotline.kpi.options import KpiOptions
from hotline.store.aggregates_fold import (
    CURSOR_NAME,
    AggregateOrderError,
    Fold,
    chunks,
    cursor_of,
    plan,
)
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
)
from hotline.store.repository import PG_CENTER_KEY

#: thresholds a cube is kept for; others are answered from the contact facts (slower, exact)
DEFAULT_PROFILES = (KpiOptions(),)
__all__ = ["CURSOR_NAME", "AggregateOrderError", "Aggregates", "Fold"]


class Aggregates:
    """Maintains the aggregate tables of one database (see `hotline.store.models_reports`)."""

    def __init__(
        self,
        engine: Engine,
        profiles: Sequence[KpiOptions] = DEFAULT_PROFILES,
        zone: str = "UTC",
    ):
        self._engine = engine
        self.zone = zone
        self._tz = ZoneInfo(zone)
        self.profiles = tuple({profile_key(p): p for p in profiles}.values())
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    @property
    def engine(self) -> Engine:
        return self._engine

    def cursor(self) -> int:
        """The last event seq folded into the aggregates (0 before the first run)."""
        with self._engine.connect() as conn:
            return cursor_of(conn)

    def catch_up(self, batch: int = 5000, max_batches: int | None = None) -> int:
        """Fold every event after the cursor, `batch` events per write transaction; events
        folded. Each batch is planned outside any write transaction (`plan`) and written in
        a short one (`apply`); a plan that another catch-up overtook is planned again."""
        self._ensure_days()
        done = n = 0
        while max_batches is None or n < max_batches:
            fold = self.plan(batch)
            if fold is None:
                break
            if self.apply(fold):
                done, n = done + fold.events, n + 1
        return done

    def rebuild(self, batch: int = 5000) -> int:
        """Empty the aggregates and fold the whole timeline again; events folded."""
        with self._engine.begin() as conn:
            for table in (
                QUEUE_INTERVALS, QUEUE_DAYS, CENTER_DAYS, AGENT_INTERVALS, SPANS, EDGES, FACTS,
                CURSOR,
            ):  # fmt: skip
                conn.execute(delete(table))
        return self.catch_up(batch)

    def rebuild_cube(self) -> None:
        """Recompute every 15-minute bucket from the contact facts (bulk loads, bench)."""
        with self._engine.begin() as conn:
            conn.execute(delete(QUEUE_INTERVALS))
            conn.execute(delete(CURSOR).where(CURSOR.c.name != CURSOR_NAME))
        self._ensure_days()

    # -- the daily rollup -----------------------------------------------------------------

    @property
    def _marker(self) -> str:
        return f"days:{self.zone}"

    def _ensure_days(self) -> None:
        """Build what is missing once: the cube of a new profile, the rollup of a new zone.

        Markers in `report_cursor` (`cube:20:5`, `days:Asia/Shanghai`) say what is built;
        readers use a cube or rollup only when its marker is there.
        """
        with self._engine.begin() as conn:
            _lock(conn)
            names = set(conn.execute(select(CURSOR.c.name)).scalars())
            missing = [p for p in self.profiles if f"cube:{profile_key(p)}" not in names]
            for options in missing:  # a new threshold (e.g. a queue's SL): build its cube
                key = profile_key(options)
                conn.execute(delete(QUEUE_INTERVALS).where(QUEUE_INTERVALS.c.profile == key))
                conn.execute(_cube_insert(options, None))
                conn.execute(insert(CURSOR).values(name=f"cube:{key}", seq=1))
            if self._marker in names and not missing:
                return
            conn.execute(delete(CURSOR).where(CURSOR.c.name == self._marker))
            for table in (QUEUE_DAYS, CENTER_DAYS):
                conn.execute(delete(table).where(table.c.zone == self.zone))
            buckets = conn.execute(select(QUEUE_INTERVALS.c.bucket).distinct()).scalars()
            agent_buckets = conn.execute(select(AGENT_INTERVALS.c.bucket).distinct()).scalars()
            self._roll_days(conn, {local_day(b * BUCKET_S, self._tz)[0] for b in buckets})
            days = {local_day(b * BUCKET_S, self._tz)[0] for b in agent_buckets}
            for day in sorted(days):
                lo, hi = self._day_buckets(day)
                a = AGENT_INTERVALS.c
                sums = select(
                    literal(self.zone), literal(day), func.sum(a.occupied_s), func.sum(a.staffed_s)
                ).where(a.bucket >= lo, a.bucket < hi)
                conn.execute(
                    insert(CENTER_DAYS).from_select(
                        ["zone", "day", "occupied_s", "staffed_s"], sums
                    )
                )
            conn.execute(insert(CURSOR).values(name=self._marker, seq=1))

    def _day_buckets(self, day: float) -> tuple[int, int]:
        d0, d1 = local_day(day, self._tz)
        return bucket_of(d0), bucket_of(d1)

    def _roll_days(self, conn: Connection, days: set[float]) -> None:
        """Recompute these local days of the queue rollup from the 15-minute cube."""
        q = QUEUE_INTERVALS.c
        sums = cube_sums()
        for day in sorted(days):
            lo, hi = self._day_buckets(day)
            conn.execute(
                delete(QUEUE_DAYS).where(QUEUE_DAYS.c.zone == self.zone, QUEUE_DAYS.c.day == day)
            )
            query = (
                select(
                    q.profile, literal(self.zone), literal(day), q.queue, q.channel,
                    *[e.label(n) for n, e in sums.items()],
                )
                .where(q.bucket >= lo, q.bucket < hi)
                .group_by(q.profile, q.queue, q.channel)
            )  # fmt: skip
            columns = ["profile", "zone", "day", "queue", "channel", *sums]
            conn.execute(insert(QUEUE_DAYS).from_select(columns, query))

    # -- one batch ------------------------------------------------------------------------

    def plan(self, batch: int = 5000) -> Fold | None:
        """Fold the next `batch` events after the cursor without writing (no lock taken)."""
        with self._engine.connect() as conn:
            return plan(conn, batch)

    def apply(self, fold: Fold) -> bool:
        """Write a planned fold in one short transaction; False (nothing written) when another
        catch-up moved the cursor since it was planned (plan again)."""
        with self._engine.begin() as conn:
            _lock(conn)
            if cursor_of(conn) != fold.since:
                return False
            self._write(conn, fold)
            return True

    def _write(self, conn: Connection, fold: Fold) -> None:
        if fold.spans:
            conn.execute(insert(SPANS), fold.spans)
        self._add_pieces(conn, fold.pieces)
        if fold.edge_ids:
            conn.execute(delete(EDGES).where(EDGES.c.agent_id.in_(fold.edge_ids)))
            conn.execute(insert(EDGES), fold.edges)
        for part in chunks(fold.fact_ids):
            conn.execute(delete(FACTS).where(FACTS.c.contact_id.in_(part)))
        for rows in chunks(fold.facts):
            conn.execute(insert(FACTS), list(rows))
        for options in self.profiles:
            for part in chunks(sorted(fold.buckets)):
                conn.execute(
                    delete(QUEUE_INTERVALS).where(
                        QUEUE_INTERVALS.c.profile == profile_key(options),
                        QUEUE_INTERVALS.c.bucket.in_(part),
                    )
                )
                conn.execute(_cube_insert(options, part))
        self._roll_days(conn, {local_day(b * BUCKET_S, self._tz)[0] for b in fold.buckets})
        conn.execute(update(CURSOR).where(CURSOR.c.name == CURSOR_NAME).values(seq=fold.last_seq))

    def _add_pieces(self, conn: Connection, pieces: dict[tuple[int, str], list[float]]) -> None:
        if not pieces:
            return
        rows = [
            {"bucket": b, "agent_id": a, "occupied_s": o, "staffed_s": s}
            for (b, a), (o, s) in pieces.items()
        ]
        days: dict[float, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for (b, _), (o, s) in pieces.items():
            day = days[local_day(b * BUCKET_S, self._tz)[0]]
            day[0] += o
            day[1] += s
        day_rows = [
            {"zone": self.zone, "day": d, "occupied_s": o, "staffed_s": s}
            for d, (o, s) in days.items()
        ]
        for table, keys, part_rows in (
            (AGENT_INTERVALS, ["bucket", "agent_id"], rows),
            (CENTER_DAYS, ["zone", "day"], day_rows),
        ):
            stmt = self._dialect.insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=keys,
                set_={
                    "occupied_s": table.c.occupied_s + stmt.excluded.occupied_s,
                    "staffed_s": table.c.staffed_s + stmt.excluded.staffed_s,
                },
            )
            for part in chunks(part_rows):
                conn.execute(stmt, list(part))


def _cube_insert(options: KpiOptions, buckets: Sequence[int] | None) -> Any:
    """INSERT INTO the cube the facts of `buckets` (None: all) grouped per bucket/queue/channel."""
    sums = fact_sums(options)
    c = FACTS.c
    query = select(
        literal(profile_key(options)).label("profile"),
        c.bucket,
        c.queue,
        c.channel,
        *[expr.label(name) for name, expr in sums.items()],
    ).group_by(c.bucket, c.queue, c.channel)
    if buckets is not None:
        query = query.where(c.bucket.in_(list(buckets)))
    columns = ["profile", "bucket", "queue", "channel", *sums]
    return insert(QUEUE_INTERVALS).from_select(columns, query)


#: transaction-scoped advisory lock serialising one center's catch-up batches on PostgreSQL
#: (keyed by the schema like the append lock: other centers' catch-ups are not waited for)
PG_CATCH_UP_LOCK_CLASS = 0x4A0B7
_PG_CATCH_UP_LOCK = text(f"SELECT pg_advisory_xact_lock({PG_CATCH_UP_LOCK_CLASS}, {PG_CENTER_KEY})")


def _lock(conn: Connection) -> None:
    """Serialise catch-up batches (the server's loop and `hotline report` may overlap).

    Two batches reading the same cursor would add the same agent pieces twice. PostgreSQL
    takes an advisory lock; on SQLite the first statement is a write (creating the cursor
    row if missing), which takes the database's write lock before the cursor is read.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_CATCH_UP_LOCK)
        stmt: Any = postgresql.insert(CURSOR)
    else:
        stmt = sqlite.insert(CURSOR)
    conn.execute(stmt.values(name=CURSOR_NAME, seq=0).on_conflict_do_nothing())
