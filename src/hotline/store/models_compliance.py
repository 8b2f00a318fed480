"""Tables of the compliance features: opt-outs, attempt log, legal holds, settings, purges,
confidential callers (same `Base` as models.py; private to `hotline.store`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Double, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base

_AUTOINC = {"sqlite_autoincrement": True}


class OptOutRow(Base):
    """The do-not-call list: one row per (normalised identifier, channel or "all")."""

    __tablename__ = "compliance_opt_outs"

    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AttemptRow(Base):
    """Every outbound attempt decision, allowed or refused, with the rule that decided it."""

    __tablename__ = "compliance_attempts"
    __table_args__ = (
        Index("ix_compliance_attempts_identifier_at", "identifier", "at"),
        Index("ix_compliance_attempts_at", "at"),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Double)
    identifier: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class HoldRow(Base):
    __tablename__ = "compliance_holds"
    __table_args__ = (Index("ix_compliance_holds_target", "target"), _AUTOINC)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # customer | contact
    target: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Double)
    released_at: Mapped[float | None] = mapped_column(Double)
    released_by: Mapped[str | None] = mapped_column(String(128))


class SettingRow(Base):
    """Compliance settings documents by key ("retention", "contact_policy")."""

    __tablename__ = "compliance_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(128))


class PurgeRow(Base):
    """One row per purge run (dry runs too): the report as JSON."""

    __tablename__ = "compliance_purges"
    __table_args__ = (Index("ix_compliance_purges_at", "at"), _AUTOINC)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Double)
    actor: Mapped[str] = mapped_column(String(128))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class ConfidentialRow(Base):
    """GB/T 33358 confidential caller: identity hidden from all but `roles`."""

    __tablename__ = "compliance_confidential"

    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    roles: Mapped[list[Any]] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Double)
