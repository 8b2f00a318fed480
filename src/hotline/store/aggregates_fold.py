"""The read half of a catch-up batch: fold the events after the cursor into the rows to write.

Issue 19: a batch used to read and fold inside its write transaction; on SQLite that held the
database's single write lock for the whole fold (40-250 ms per 500 events under load, seconds
in the nice +10 jobs process when the CPU is busy), and the router's commits waited behind
it. Everything here only reads (on SQLite outside any transaction: WAL readers never block
the writer), so the write transaction that follows (`Aggregates.apply`) does no more than
write the rows computed here. It may apply only if the cursor has not moved meanwhile: the
agent edges, spans and facts read here change only in a catch-up write transaction, which
always moves the cursor, so an unchanged cursor means this fold is still exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, select

from hotline.domain.enums import AgentState
from hotline.domain.records import EventRecord
from hotline.kpi.agents import TOUCH_KINDS
from hotline.kpi.aggregate import bucket_of, fact_row
from hotline.kpi.aggregate_time import AgentEdges, span_pieces
from hotline.kpi.contacts import fold_contact, group_by_contact
from hotline.store.aggregates_sql import CURSOR, EDGES, FACTS, SPANS
from hotline.store.convert import to_event
from hotline.store.repository import EVENTS

CURSOR_NAME = "aggregates"
CHUNK = 500  # ids per IN (...) list


class AggregateOrderError(RuntimeError):
    """An agent state event older than that agent's last one: run `rebuild()`."""


def chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class Fold:
    """What one batch writes, computed from the database as it was at cursor `since`."""

    since: int
    last_seq: int
    events: int
    spans: list[dict[str, Any]] = field(default_factory=list)
    #: (bucket, agent) -> [occupied_s, staffed_s] added to the agent cube
    pieces: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    edge_ids: list[str] = field(default_factory=list)  # agents whose edges are replaced
    edges: list[dict[str, Any]] = field(default_factory=list)
    fact_ids: list[str] = field(default_factory=list)  # contacts whose facts are replaced
    facts: list[dict[str, Any]] = field(default_factory=list)
    buckets: set[int] = field(default_factory=set)  # 15-minute buckets to recompute


def cursor_of(conn: Connection) -> int:
    value = conn.execute(select(CURSOR.c.seq).where(CURSOR.c.name == CURSOR_NAME)).scalar()
    return int(value or 0)


def plan(conn: Connection, limit: int) -> Fold | None:
    """Fold the next `limit` events after the cursor; None when there are none."""
    since = cursor_of(conn)
    stmt = select(EVENTS).where(EVENTS.c.seq > since).order_by(EVENTS.c.seq).limit(limit)
    events = [to_event(r) for r in conn.execute(stmt).mappings()]
    if not events:
        return None
    fold = Fold(since, events[-1].seq, len(events))
    charged = _agent_states(conn, fold, [e for e in events if e.kind == "agent.state"])
    contacts = {e.contact_id for e in events if e.contact_id and e.kind.startswith("contact.")}
    _refold_contacts(conn, fold, sorted(contacts | charged))
    return fold


def _agent_states(conn: Connection, fold: Fold, changes: list[EventRecord]) -> set[str]:
    """The spans these state changes end; returns the contacts charged wrap-up."""
    changes = [e for e in changes if e.agent_id is not None]
    if not changes:
        return set()
    ids = sorted({e.agent_id for e in changes if e.agent_id})
    edges = {
        r["agent_id"]: AgentEdges(**r)
        for r in conn.execute(select(EDGES).where(EDGES.c.agent_id.in_(ids))).mappings()
    }
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
            fold.spans.append(
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
    fold.pieces = dict(pieces)
    fold.edge_ids = ids
    fold.edges = [asdict(v) for k, v in edges.items() if k in set(ids)]
    return {
        s["contact_id"]
        for s in fold.spans
        if s["state"] == AgentState.WRAP_UP and s["contact_id"] is not None
    }


def _refold_contacts(conn: Connection, fold: Fold, ids: list[str]) -> None:
    """Refold these contacts' whole timelines into their fact rows (and note the buckets)."""
    fresh: dict[str, float] = defaultdict(float)  # wrap-up of spans this fold adds
    for s in fold.spans:
        if s["state"] == AgentState.WRAP_UP and s["contact_id"] is not None:
            fresh[s["contact_id"]] += s["end"] - s["start"]
    fold.fact_ids = ids
    for part in chunks(ids):
        old = conn.execute(select(FACTS.c.bucket).where(FACTS.c.contact_id.in_(part)))
        fold.buckets.update(int(b) for b in old.scalars())
        stmt = select(EVENTS).where(EVENTS.c.contact_id.in_(part)).order_by(EVENTS.c.seq)
        grouped = group_by_contact(to_event(r) for r in conn.execute(stmt).mappings())
        acw: dict[str, float] = defaultdict(float)
        wrap = select(SPANS.c.contact_id, SPANS.c.start, SPANS.c.end).where(
            SPANS.c.contact_id.in_(part), SPANS.c.state == AgentState.WRAP_UP.value
        )
        for cid, start, end in conn.execute(wrap.order_by(SPANS.c.id)):
            acw[cid] += end - start
        for cid, timeline in grouped.items():
            facts = fold_contact(cid, timeline)
            if facts is None:
                continue
            agent = next((e.agent_id for e in timeline if e.kind == "contact.answered"), None)
            wrap_s = acw.get(cid, 0.0) + fresh.get(cid, 0.0)
            fold.facts.append(_fact_params(fact_row(facts, wrap_s, agent)))
            fold.buckets.add(fold.facts[-1]["bucket"])


def _fact_params(row: Any) -> dict[str, Any]:
    d = asdict(row)
    d["bucket"] = bucket_of(row.created_at)
    d["queue"] = row.queue or ""
    d["channel"] = row.channel or ""
    for flag in ("queued", "answered", "gave_up", "handled"):
        d[flag] = int(d[flag])
    return d


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
