"""Produced scheduled reports: one per schedule and due time (the unique key dedupes runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    tables: dict[str, Any] | None = None  # {name: {"columns": [...], "rows": [[...]]}}
    xlsx: bytes | None = None


class ReportDocuments:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def exists(self, schedule: str, due_at: float) -> bool:
        c = DOCUMENTS.c
        stmt = select(c.id).where(c.schedule == schedule, c.due_at == due_at)
        with self._engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def add(self, **values: object) -> int | None:
        """Store one report, its id; None when that schedule's report for that time exists."""
        try:
            with self._engine.begin() as conn:
                done = conn.execute(insert(DOCUMENTS).values(**values))
        except IntegrityError:
            return None
        return int(done.inserted_primary_key[0])

    def get(self, doc_id: int) -> ReportDocumentRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == doc_id)).mappings().first()
        return None if row is None else ReportDocumentRecord(**row)

    def listing(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest reports without their files (a list page must not load 100 PDFs); each
        with `tables`, the names of its kept tables ([] for reports made before 0011)."""
        c = DOCUMENTS.c
        cols = [c.id, c.schedule, c.due_at, c.period_start, c.period_end, c.created_at, c.title,
                c.tables, (c.xlsx.is_not(None)).label("has_xlsx")]  # fmt: skip
        stmt = select(*cols).order_by(c.due_at.desc()).limit(limit)
        with self._engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
        for r in rows:
            r["tables"] = list(r["tables"] or {})
            r["has_xlsx"] = bool(r["has_xlsx"])
        return rows

    def history(self, limit: int = 100) -> list[ReportDocumentRecord]:
        stmt = select(DOCUMENTS).order_by(DOCUMENTS.c.due_at.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [ReportDocumentRecord(**r) for r in conn.execute(stmt).mappings()]
