"""Produced scheduled reports: one per schedule and due time (the unique key dedupes runs)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Table, insert, select
from sqlalchemy.exc import IntegrityError

from hotline.store import models_reports as m

DOCUMENTS: Table = m.ReportDocument.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ReportDocumentRecord:
    id: int
    schedule: str
    due_at: float
    period_start: float
    period_end: float
    created_at: float
    title: str
    html: str
    pdf: bytes


class ReportDocuments:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def exists(self, schedule: str, due_at: float) -> bool:
        c = DOCUMENTS.c
        stmt = select(c.id).where(c.schedule == schedule, c.due_at == due_at)
        with self._engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def add(self, **values: object) -> bool:
        """Store one report; False when that schedule's report for that time already exists."""
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(DOCUMENTS).values(**values))
        except IntegrityError:
            return False
        return True

    def history(self, limit: int = 100) -> list[ReportDocumentRecord]:
        stmt = select(DOCUMENTS).order_by(DOCUMENTS.c.due_at.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [ReportDocumentRecord(**r) for r in conn.execute(stmt).mappings()]
