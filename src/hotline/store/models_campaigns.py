"""Outbound campaigns and their per-customer tasks (same `Base` as models.py; private to
`hotline.store`). A task row is the persisted `hotline.outbound.Task`: the runner loads the
pending ones, lets the pure core step them, and writes them back in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # draft | running | paused | done
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # start, end, hours, pacing, retries
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Double)


class CampaignTaskRow(Base):
    __tablename__ = "campaign_tasks"
    __table_args__ = (Index("ix_campaign_tasks_due", "campaign_id", "status", "next_at"),)

    campaign_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    customer: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | active | done | stopped | failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[float] = mapped_column(Double)
    result: Mapped[str | None] = mapped_column(String(64))
    last_at: Mapped[float | None] = mapped_column(Double)  # the last dispatch (pacing)
