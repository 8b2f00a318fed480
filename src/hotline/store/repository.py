"""`Store`: the persistence API of hotline - timeline, live projections, accounts, config.

Every public method is one use case and runs in exactly one transaction (`engine.begin()`);
helpers never commit. Work goes through SQLAlchemy Core on the ORM tables: the hot path
(`append`, called on every API request) pays no identity-map or unit-of-work overhead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Engine,
    Insert,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from hotline.domain.records import EventRecord
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.store import models
from hotline.store.accounts import AccountsMixin
from hotline.store.convert import (
    agent_params,
    contact_params,
    event_params,
    to_agent,
    to_contact,
    to_event,
)
from hotline.store.entities import Rejected, StoreError

EVENTS: Table = models.Event.__table__  # type: ignore[assignment]
CONTACTS: Table = models.Contact.__table__  # type: ignore[assignment]
AGENTS: Table = models.Agent.__table__  # type: ignore[assignment]

#: Transaction-scoped advisory lock serialising appends on PostgreSQL. Advisory locks are
#: database-wide, so the key names the schema (one center per schema): with one fixed key the
#: centers (and test runs, benches) of one database queued behind each other's commits.
PG_APPEND_LOCK_CLASS = 0x4A0B6
PG_CENTER_KEY = "hashtext(current_database() || '.' || current_schema())"
_PG_APPEND_LOCK = text(f"SELECT pg_advisory_xact_lock({PG_APPEND_LOCK_CLASS}, {PG_CENTER_KEY})")

_ENDED = "ended"

S = TypeVar("S", ContactSnapshot, AgentSnapshot)


def _upsert(dialect: str, table: Table) -> Insert:
    """`INSERT ... ON CONFLICT (pk) DO UPDATE SET <every other column>` for `dialect`."""
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - guarded by Store.__init__
        raise StoreError(f"unsupported database dialect {dialect!r}")
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys},
    )


def value_limits() -> dict[str, int]:
    """What a column accepts, by column name of the timeline and contact tables: the longest
    text (`String(n)`) as `n`, a 32-bit integer column as -32 (64-bit: -64).

    PostgreSQL enforces these and SQLite does not; the runtime checks a command's values against
    them *before* the router acts, so a bad value is a refusal and never a failed commit.
    """
    limits: dict[str, int] = {}
    for table in (EVENTS, CONTACTS, AGENTS):
        for col in table.columns:
            if isinstance(col.type, String) and col.type.length:
                limits[col.name] = min(limits.get(col.name, 1 << 30), col.type.length)
            elif isinstance(col.type, BigInteger):
                limits.setdefault(col.name, -64)
            elif isinstance(col.type, Integer):
                limits[col.name] = -32
    return limits


def _rejected(exc: BaseException) -> bool:
    """A data error (the values), not an outage (the connection): see `Rejected`."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, DataError | IntegrityError) and not exc.connection_invalidated
    # parameter processing before the driver, or the driver refusing a Python value
    return isinstance(exc, StatementError | ValueError | TypeError | OverflowError)


def _last_per_id(snapshots: Iterable[S]) -> list[S]:
    """Keep the last snapshot of each id: one multi-row upsert may touch a row only once."""
    return list({snap.id: snap for snap in snapshots}.values())


class Store(AccountsMixin):
    """Repository over one `Engine` (SQLite or PostgreSQL); safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database dialect {dialect!r}")
        self._engine = engine
        self._pg = dialect == "postgresql"
        # Built once so SQLAlchemy's compiled-statement cache is hit on every call.
        self._insert_events = insert(EVENTS).returning(EVENTS.c.seq, sort_by_parameter_order=True)
        self._upsert_contacts = _upsert(dialect, CONTACTS)
        self._upsert_agents = _upsert(dialect, AGENTS)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Release pooled connections (tests, shutdown)."""
        self._engine.dispose()

    # -- writing --------------------------------------------------------------------------

    def append(
        self,
        records: Sequence[EventRecord],
        contacts: Sequence[ContactSnapshot] = (),
        agents: Sequence[AgentSnapshot] = (),
    ) -> list[EventRecord]:
        """Store events and the resulting projections atomically; return events with `seq`.

        Events and snapshots commit together, so after a crash the projections never run ahead
        of (or behind) the timeline. Any `seq` already on the input records is ignored.

        `seq` is also the cursor of `events(since_seq)` tailers, so it must become visible in
        order: a tailer that has seen seq 12 must never later find a newly committed 11. SQLite
        has one writer at a time anyway; on PostgreSQL sequence values are handed out before
        commit, so appends take a transaction-scoped advisory lock (readers are not blocked).

        Raises `Rejected` when the database refuses a value (nothing was written); any other
        failure (connection lost, database locked) propagates as the driver raised it.
        """
        if not records and not contacts and not agents:
            return []
        try:
            return self._append(records, contacts, agents)
        except Exception as exc:
            if _rejected(exc):
                raise Rejected(f"the database refused a value: {exc}") from exc
            raise

    def _append(
        self,
        records: Sequence[EventRecord],
        contacts: Sequence[ContactSnapshot],
        agents: Sequence[AgentSnapshot],
    ) -> list[EventRecord]:
        stored: list[EventRecord] = []
        with self._engine.begin() as conn:
            if self._pg:
                conn.execute(_PG_APPEND_LOCK)
            if records:
                result = conn.execute(self._insert_events, [event_params(r) for r in records])
                seqs = result.scalars().all()
                stored = [replace(r, seq=s) for r, s in zip(records, seqs, strict=True)]
            if contacts:
                rows = [contact_params(c) for c in _last_per_id(contacts)]
                conn.execute(self._upsert_contacts, rows)
            if agents:
                conn.execute(self._upsert_agents, [agent_params(a) for a in _last_per_id(agents)])
        return stored

    # -- projections ----------------------------------------------------------------------

    def live_contacts(self) -> list[ContactSnapshot]:
        """Every contact not yet ended, in arrival order - what `Router.restore` needs."""
        stmt = select(CONTACTS).where(CONTACTS.c.status != _ENDED).order_by(CONTACTS.c.seq)
        with self._engine.connect() as conn:
            return [to_contact(r) for r in conn.execute(stmt).mappings()]

    def agents(self) -> list[AgentSnapshot]:
        """Every agent's latest runtime state, by id."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(AGENTS).order_by(AGENTS.c.id)).mappings()
            return [to_agent(r) for r in rows]

    def contact(self, contact_id: str) -> ContactSnapshot | None:
        """The latest snapshot of one contact, live or ended."""
        stmt = select(CONTACTS).where(CONTACTS.c.id == contact_id)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return to_contact(row) if row is not None else None

    def contacts(
        self,
        status: str | None = None,
        queue: str | None = None,
        agent_id: str | None = None,
        limit: int = 100,
    ) -> list[ContactSnapshot]:
        """Contacts matching every given filter, newest first (`ContactStatus` works as status)."""
        stmt = select(CONTACTS)
        if status is not None:
            stmt = stmt.where(CONTACTS.c.status == str(status))
        if queue is not None:
            stmt = stmt.where(CONTACTS.c.queue == queue)
        if agent_id is not None:
            stmt = stmt.where(CONTACTS.c.agent_id == agent_id)
        stmt = stmt.order_by(CONTACTS.c.created_at.desc(), CONTACTS.c.seq.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [to_contact(r) for r in conn.execute(stmt).mappings()]

    def max_contact_seq(self) -> int:
        """Highest arrival `seq` given to any contact (0 if none): the router resumes after it."""
        stmt = select(func.coalesce(func.max(CONTACTS.c.seq), 0))
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    # -- timeline -------------------------------------------------------------------------

    def last_event_seq(self) -> int:
        """Seq of the newest stored event (0 if none): where a new live tail starts."""
        stmt = select(func.coalesce(func.max(EVENTS.c.seq), 0))
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def events(self, since_seq: int = 0, limit: int = 1000) -> list[EventRecord]:
        """Events with `seq > since_seq`, oldest first: page through or tail the timeline."""
        stmt = select(EVENTS).where(EVENTS.c.seq > since_seq).order_by(EVENTS.c.seq).limit(limit)
        with self._engine.connect() as conn:
            return [to_event(r) for r in conn.execute(stmt).mappings()]

    def events_for_contact(self, contact_id: str) -> list[EventRecord]:
        """One contact's whole timeline, in order."""
        stmt = select(EVENTS).where(EVENTS.c.contact_id == contact_id).order_by(EVENTS.c.seq)
        with self._engine.connect() as conn:
            return [to_event(r) for r in conn.execute(stmt).mappings()]

    def events_of_kind(self, prefix: str, start: float, end: float) -> list[EventRecord]:
        """Facts whose kind starts with `prefix` (e.g. "voice.") in `[start, end)`, by seq:
        voice calls contained in the IVR never become contacts, so `events_for_range` misses
        them."""
        e = EVENTS.c
        stmt = (
            select(EVENTS)
            .where(e.kind.startswith(prefix), e.at >= start, e.at < end)
            .order_by(e.seq)
        )
        with self._engine.connect() as conn:
            return [to_event(r) for r in conn.execute(stmt).mappings()]

    def events_for_range(self, start: float, end: float) -> list[EventRecord]:
        """What the KPI module needs for the period `[start, end)`, ordered by seq.

        * every event of each contact whose `contact.created` falls in the period - including
          its events after `end`, so a contact is judged on its whole life, counted once, in
          the period it arrived;
        * every `agent.state` event inside the period, plus, per agent, the last one before
          `start`: it tells the state the agent was already in when the period began.

        One SQL statement, so the answer is a consistent snapshot even while appends go on.
        """
        e = EVENTS.c
        created = select(e.contact_id).where(
            e.kind == "contact.created", e.at >= start, e.at < end, e.contact_id.is_not(None)
        )
        contact_events = select(e.seq).where(e.contact_id.in_(created))
        states_inside = select(e.seq).where(e.kind == "agent.state", e.at >= start, e.at < end)
        ranked = (
            select(
                e.seq,
                func.row_number()
                .over(partition_by=e.agent_id, order_by=(e.at.desc(), e.seq.desc()))
                .label("rn"),
            )
            .where(e.kind == "agent.state", e.at < start)
            .subquery()
        )
        state_before = select(ranked.c.seq).where(ranked.c.rn == 1)
        wanted = union(contact_events, states_inside, state_before).subquery()
        stmt = select(EVENTS).where(e.seq.in_(select(wanted.c.seq))).order_by(e.seq)
        with self._engine.connect() as conn:
            return [to_event(r) for r in conn.execute(stmt).mappings()]
