"""Fired alerts and their history: open until cleared, acknowledged by a named user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, insert, select, update

from hotline.store import models_reports as m

ALERTS: Table = m.ReportAlert.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    rule_id: str
    subject: str
    kind: str
    value: float
    text: str
    breach_since: float
    fired_at: float
    acked_at: float | None
    acked_by: str | None
    cleared_at: float | None


class AlertStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_alerts(self) -> list[AlertRecord]:
        """Alerts not cleared yet, oldest first (what the wallboard shows)."""
        stmt = select(ALERTS).where(ALERTS.c.cleared_at.is_(None)).order_by(ALERTS.c.id)
        with self._engine.connect() as conn:
            return [AlertRecord(**r) for r in conn.execute(stmt).mappings()]

    def history(self, limit: int = 200) -> list[AlertRecord]:
        """Every alert, newest first."""
        stmt = select(ALERTS).order_by(ALERTS.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [AlertRecord(**r) for r in conn.execute(stmt).mappings()]

    def fire(self, **values: Any) -> AlertRecord:
        with self._engine.begin() as conn:
            new_id = conn.execute(insert(ALERTS).values(**values).returning(ALERTS.c.id)).scalar()
            row = conn.execute(select(ALERTS).where(ALERTS.c.id == new_id)).mappings().one()
        return AlertRecord(**row)

    def clear(self, rule_id: str, subject: str, at: float) -> None:
        c = ALERTS.c
        stmt = (
            update(ALERTS)
            .where(c.rule_id == rule_id, c.subject == subject, c.cleared_at.is_(None))
            .values(cleared_at=at)
        )
        with self._engine.begin() as conn:
            conn.execute(stmt)

    def acknowledge(self, alert_id: int, user: str, at: float) -> AlertRecord | None:
        """Mark acknowledged (first acknowledgement wins); None when there is no such alert."""
        c = ALERTS.c
        with self._engine.begin() as conn:
            conn.execute(
                update(ALERTS)
                .where(c.id == alert_id, c.acked_at.is_(None))
                .values(acked_at=at, acked_by=user)
            )
            row = conn.execute(select(ALERTS).where(c.id == alert_id)).mappings().first()
        return AlertRecord(**row) if row is not None else None
