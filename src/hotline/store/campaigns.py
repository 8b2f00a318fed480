"""`CampaignStore`: outbound campaigns and their per-customer tasks.

Every public method is one transaction. `save_round` writes a runner round's tasks back only
while the campaign is still running, so a pause or an edit in between wins over a round that
was already under way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline.store import models_campaigns as mc
from hotline.store.entities import DuplicateError, NotFoundError

CAMPAIGNS: Table = mc.CampaignRow.__table__  # type: ignore[assignment]
TASKS: Table = mc.CampaignTaskRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: str
    name: str
    channel: str
    message: str
    status: str
    spec: dict[str, Any]
    created_by: str
    created_at: float


@dataclass(frozen=True, slots=True)
class TaskRecord:
    customer: str
    status: str
    attempts: int
    next_at: float
    result: str | None
    last_at: float | None


class CampaignStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, rec: CampaignRecord, customers: Iterable[str], start: float) -> None:
        rows = [
            {"campaign_id": rec.id, "customer": c, "status": "pending", "attempts": 0,
             "next_at": start, "result": None, "last_at": None}
            for c in dict.fromkeys(customers)
        ]  # fmt: skip
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(CAMPAIGNS).values(**_fields(rec)))
                if rows:
                    conn.execute(insert(TASKS), rows)
        except IntegrityError as exc:
            raise DuplicateError(f"campaign {rec.id!r} already exists") from exc

    def get(self, campaign_id: str) -> CampaignRecord:
        with self._engine.connect() as conn:
            row = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id)).first()
        if row is None:
            raise NotFoundError(f"no campaign {campaign_id!r}")
        return CampaignRecord(**row._asdict())

    def list(self, status: str | None = None) -> list[CampaignRecord]:
        stmt = select(CAMPAIGNS).order_by(CAMPAIGNS.c.created_at)
        if status is not None:
            stmt = stmt.where(CAMPAIGNS.c.status == status)
        with self._engine.connect() as conn:
            return [CampaignRecord(**r._asdict()) for r in conn.execute(stmt)]

    def set_status(self, campaign_id: str, status: str) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id).values(status=status)
            )
        if done.rowcount == 0:
            raise NotFoundError(f"no campaign {campaign_id!r}")

    def tasks(self, campaign_id: str, limit: int | None = None) -> list[TaskRecord]:
        stmt = select(TASKS).where(TASKS.c.campaign_id == campaign_id).order_by(TASKS.c.customer)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._engine.connect() as conn:
            return [
                TaskRecord(r.customer, r.status, r.attempts, r.next_at, r.result, r.last_at)
                for r in conn.execute(stmt)
            ]

    def counts(self, campaign_id: str) -> dict[str, int]:
        """Tasks per `status:result` (or status alone while no result), as the core counts."""
        key = TASKS.c.status, TASKS.c.result
        stmt = select(*key, func.count()).where(TASKS.c.campaign_id == campaign_id).group_by(*key)
        with self._engine.connect() as conn:
            return {(f"{s}:{r}" if r else s): n for s, r, n in conn.execute(stmt)}

    def save_round(self, campaign_id: str, tasks: Iterable[TaskRecord], done: bool) -> bool:
        """Write the round's tasks (and `done` status) if the campaign still runs."""
        with self._engine.begin() as conn:
            status = conn.execute(
                select(CAMPAIGNS.c.status).where(CAMPAIGNS.c.id == campaign_id).with_for_update()
            ).scalar()
            if status != "running":
                return False
            for t in tasks:
                conn.execute(
                    update(TASKS)
                    .where(TASKS.c.campaign_id == campaign_id, TASKS.c.customer == t.customer)
                    .values(status=t.status, attempts=t.attempts, next_at=t.next_at,
                            result=t.result, last_at=t.last_at)
                )  # fmt: skip
            if done:
                conn.execute(
                    update(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id).values(status="done")
                )
        return True


def _fields(rec: CampaignRecord) -> dict[str, Any]:
    return {k: getattr(rec, k) for k in CampaignRecord.__dataclass_fields__}
