"""The catch-up job that keeps the reporting aggregates in step with the timeline.

It reads the events after its cursor (`report_cursor`, a `seq`), refolds only the contacts
those events touch (the whole timeline of each, so a late answer moves the contact's fate),
closes the agent state spans they end, and recomputes the 15-minute buckets that changed —
all in one transaction per batch, cursor included, so a crash resumes where it stopped and
never counts a batch twice. The event write path is not touched: the server runs the job
periodically and `hotline report` runs it before reading. `rebuild()` empties the aggregates
and folds the whole timeline again: they are derived data, exact by construction.

Assumption (true of the live router, which stamps events from one clock): one agent's state
events arrive in time order. An out-of-order one raises `AggregateOrderError`; `rebuild()`
then gives exact figures again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from hotline.domain.enums import AgentState
from hotline.domain.records import EventRecord
from hotline.kpi.agents import TOUCH_KINDS
from hotline.kpi.aggregate import BUCKET_S, bucket_of, fact_row, profile_key
from hotline.kpi.aggregate_time import AgentEdges, local_day, span_pieces
from hotline.kpi.contacts import fold_contact, group_by_contact
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
)
from hotline.store.convert import to_event
from hotline.store.repository import EVENTS

CURSOR_NAME = "aggregates"
#: thresholds a cube is kept for; others are answered from the contact facts (slower, exact)
DEFAULT_PROFILES = (KpiOptions(),)
_CHUNK = 500


class AggregateOrderError(RuntimeError):
    """An agent state event older than that agent's last one: run `rebuild()`."""


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


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
            return _cursor(conn)

    def catch_up(self, batch: int = 5000, max_batches: int | None = None) -> int:
        """Fold every event after the cursor, `batch` events per transaction; events folded."""
        self._ensure_days()
        done = n = 0
        while max_batches is None or n < max_batches:
            with self._engine.begin() as conn:
                folded = self._batch(conn, batch)
            if not folded:
                break
            done, n = done + folded, n + 1
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

    def _batch(self, conn: Connection, limit: int) -> int:
        _lock(conn)
        since = _cursor(conn)
        stmt = select(EVENTS).where(EVENTS.c.seq > since).order_by(EVENTS.c.seq).limit(limit)
        events = [to_event(r) for r in conn.execute(stmt).mappings()]
        if not events:
            return 0
        charged = self._agent_states(conn, [e for e in events if e.kind == "agent.state"])
        contacts = {e.contact_id for e in events if e.contact_id and e.kind.startswith("contact.")}
        buckets = self._refold_contacts(conn, sorted(contacts | charged))
        for options in self.profiles:
            for part in _chunks(sorted(buckets)):
                conn.execute(
                    delete(QUEUE_INTERVALS).where(
                        QUEUE_INTERVALS.c.profile == profile_key(options),
                        QUEUE_INTERVALS.c.bucket.in_(part),
                    )
                )
                conn.execute(_cube_insert(options, part))
        self._roll_days(conn, {local_day(b * BUCKET_S, self._tz)[0] for b in buckets})
        _set_cursor(conn, events[-1].seq)
        return len(events)

    def _agent_states(self, conn: Connection, changes: list[EventRecord]) -> set[str]:
        """Close the spans these state changes end; return the contacts charged wrap-up."""
        changes = [e for e in changes if e.agent_id is not None]
        if not changes:
            return set()
        ids = sorted({e.agent_id for e in changes if e.agent_id})
        known = {
            r["agent_id"]: AgentEdges(**r)
            for r in conn.execute(select(EDGES).where(EDGES.c.agent_id.in_(ids))).mappings()
        }
        edges = dict(known)
        spans: list[dict[str, Any]] = []
        pieces: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for e in changes:
            agent, to = str(e.agent_id), e.data.get("to")
            to = None if to is None else str(to)
            old = edges.get(agent)
            if old is None:
                first_from = e.data.get("from")
                edges[agent] = AgentEdges(
                    agent, e.at, None if first_from is None else str(first_from),
                    e.at, e.seq, to, e.contact_id,
                )  # fmt: skip
                continue
            if e.at < old.last_at:
                raise AggregateOrderError(
                    f"agent {agent}: state event seq {e.seq} at {e.at} is older than seq "
                    f"{old.last_seq} at {old.last_at}; rebuild the aggregates"
                )
            if old.last_to is not None:
                contact = old.last_contact_id
                if old.last_to == AgentState.WRAP_UP and contact is None:
                    contact = _last_touch(conn, agent, old.last_at)
                spans.append(
                    {"agent_id": agent, "state": old.last_to, "start": old.last_at,
                     "end": e.at, "contact_id": contact}
                )  # fmt: skip
                for b, occupied, staffed in span_pieces(old.last_to, old.last_at, e.at):
                    piece = pieces[(b, agent)]
                    piece[0] += occupied
                    piece[1] += staffed
            edges[agent] = replace(
                old, last_at=e.at, last_seq=e.seq, last_to=to, last_contact_id=e.contact_id
            )
        if spans:
            conn.execute(insert(SPANS), spans)
        self._add_pieces(conn, pieces)
        conn.execute(delete(EDGES).where(EDGES.c.agent_id.in_(ids)))
        conn.execute(insert(EDGES), [asdict(v) for k, v in edges.items() if k in set(ids)])
        return {
            s["contact_id"]
            for s in spans
            if s["state"] == AgentState.WRAP_UP and s["contact_id"] is not None
        }

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
            for part in _chunks(part_rows):
                conn.execute(stmt, list(part))

    def _refold_contacts(self, conn: Connection, ids: list[str]) -> set[int]:
        """Refold these contacts' whole timelines into their fact rows; buckets touched."""
        buckets: set[int] = set()
        for part in _chunks(ids):
            old = conn.execute(select(FACTS.c.bucket).where(FACTS.c.contact_id.in_(part)))
            buckets.update(int(b) for b in old.scalars())
            stmt = select(EVENTS).where(EVENTS.c.contact_id.in_(part)).order_by(EVENTS.c.seq)
            grouped = group_by_contact(to_event(r) for r in conn.execute(stmt).mappings())
            acw: dict[str, float] = defaultdict(float)
            wrap = select(SPANS.c.contact_id, SPANS.c.start, SPANS.c.end).where(
                SPANS.c.contact_id.in_(part), SPANS.c.state == AgentState.WRAP_UP.value
            )
            for cid, start, end in conn.execute(wrap.order_by(SPANS.c.id)):
                acw[cid] += end - start
            rows = []
            for cid, timeline in grouped.items():
                facts = fold_contact(cid, timeline)
                if facts is None:
                    continue
                agent = next((e.agent_id for e in timeline if e.kind == "contact.answered"), None)
                rows.append(_fact_params(fact_row(facts, acw.get(cid, 0.0), agent)))
                buckets.add(rows[-1]["bucket"])
            conn.execute(delete(FACTS).where(FACTS.c.contact_id.in_(part)))
            if rows:
                conn.execute(insert(FACTS), rows)
        return buckets


def _fact_params(row: Any) -> dict[str, Any]:
    d = asdict(row)
    d["bucket"] = bucket_of(row.created_at)
    d["queue"] = row.queue or ""
    d["channel"] = row.channel or ""
    for flag in ("queued", "answered", "gave_up", "handled"):
        d[flag] = int(d[flag])
    return d


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


def _last_touch(conn: Connection, agent: str, at: float) -> str | None:
    """The contact this agent last touched at or before `at` (see `wrap_up_by_contact`)."""
    e = EVENTS.c
    stmt = (
        select(e.contact_id)
        .where(
            e.kind.in_(sorted(TOUCH_KINDS)),
            e.agent_id == agent,
            e.at <= at,
            e.contact_id.is_not(None),
        )
        .order_by(e.at.desc(), e.seq.desc())
        .limit(1)
    )
    return conn.execute(stmt).scalar()


def _cursor(conn: Connection) -> int:
    value = conn.execute(select(CURSOR.c.seq).where(CURSOR.c.name == CURSOR_NAME)).scalar()
    return int(value or 0)


def _set_cursor(conn: Connection, new: int) -> None:
    conn.execute(update(CURSOR).where(CURSOR.c.name == CURSOR_NAME).values(seq=new))


#: transaction-scoped advisory lock key serialising catch-up batches on PostgreSQL
_PG_CATCH_UP_LOCK = text("SELECT pg_advisory_xact_lock(29395943403646566)")


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
