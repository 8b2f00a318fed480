"""The outbox: messages stored in the transaction of the change that causes them.

Sending a webhook or an SMS cannot be part of a database transaction. Sending before the
commit can announce a change that then fails; sending after it loses the message if the process
dies in between. So the change's transaction also inserts the message here, and a sender
*claims* pending rows (one sender per row, even across processes), sends, and marks them sent.
A crash after the send but before the mark sends it again: delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, insert, or_, select, update

from hotline.store import models_tickets as m

OUTBOX: Table = m.OutboxMessage.__table__  # type: ignore[assignment]
CLAIM_S = 60.0  # a claim older than this is taken to belong to a sender that died


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    order_id: str | None
    message: dict[str, Any]


def add(conn: Connection, at: float, messages: Sequence[Mapping[str, Any]]) -> None:
    """Insert `messages` inside the caller's transaction (nothing is sent here)."""
    for msg in messages:
        conn.execute(
            insert(OUTBOX).values(
                created_at=at, order_id=msg.get("order_id"), message=dict(msg), sent_at=None
            )
        )


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, now: float, order_id: str | None = None, limit: int = 100) -> list[Pending]:
        """Pending messages (oldest first) that this caller now owns until `now + CLAIM_S`."""
        c = OUTBOX.c
        free = or_(c.claimed_at.is_(None), c.claimed_at < now - CLAIM_S)
        stmt = select(c.id, c.order_id, c.message).where(c.sent_at.is_(None), free)
        if order_id is not None:
            stmt = stmt.where(c.order_id == order_id)
        out: list[Pending] = []
        with self._engine.begin() as conn:
            for row in conn.execute(stmt.order_by(c.id).limit(limit)).all():
                taken = conn.execute(
                    update(OUTBOX)
                    .where(and_(c.id == row.id, c.sent_at.is_(None), free))
                    .values(claimed_at=now)
                )
                if taken.rowcount == 1:
                    out.append(Pending(row.id, row.order_id, dict(row.message)))
        return out

    def release(self, message_id: int) -> None:
        """Give a claimed message back unsent (a transient failure): the next round takes it."""
        with self._engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(claimed_at=None))

    def mark_sent(self, message_id: int, at: float) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(sent_at=at))

    def pending_count(self) -> int:
        with self._engine.connect() as conn:
            rows = conn.execute(select(OUTBOX.c.id).where(OUTBOX.c.sent_at.is_(None))).all()
        return len(rows)
