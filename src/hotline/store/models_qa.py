"""Tables of quality assurance (质检), on the same `Base` metadata as models.py.

* `qa_jobs` - the work queue: one row per contact to analyse, claimed by a worker with a lease
  (`claimed_at`, refreshed with each progress report); a lease that runs out - the worker died
  - puts the job back in line, so the queue survives restarts and resumes by itself.
* `qa_results` - per contact: transcript, acoustics, score (the contact's QA "report card").
* `qa_findings` - each automatic finding with its review trail (confirm / dismiss, the
  agent's one dispute and the second reviewer's decision).
* `qa_state` - scan cursors (timeline seq, chat end time) so a restart never rescans.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Double, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base

_AUTOINC = {"sqlite_autoincrement": True}


class QaJob(Base):
    __tablename__ = "qa_jobs"
    __table_args__ = (
        Index("ix_qa_jobs_status_not_before", "status", "not_before"),
        Index("ix_qa_jobs_contact_id", "contact_id", unique=True),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # call | chat
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(128))
    not_before: Mapped[float] = mapped_column(Double)
    claimed_at: Mapped[float | None] = mapped_column(Double)
    progress: Mapped[float] = mapped_column(Double)
    source_seq: Mapped[int] = mapped_column(Integer)  # newest input fact seen (re-run if newer)
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    error: Mapped[str | None] = mapped_column(Text)


class QaResult(Base):
    __tablename__ = "qa_results"
    __table_args__ = (
        Index("ix_qa_results_agent_id_contact_at", "agent_id", "contact_at"),
        Index("ix_qa_results_flagged_score", "flagged", "score"),
    )

    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    contact_at: Mapped[float] = mapped_column(Double)
    analysed_at: Mapped[float] = mapped_column(Double)
    language: Mapped[str | None] = mapped_column(String(16))
    asr: Mapped[str | None] = mapped_column(String(255))
    duration_s: Mapped[float] = mapped_column(Double)
    score: Mapped[float | None] = mapped_column(Double)
    flagged: Mapped[bool] = mapped_column(Boolean)
    transcript: Mapped[list[Any]] = mapped_column(JSON)
    acoustics: Mapped[dict[str, Any]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # rubric items, pending, recordings
    manual: Mapped[dict[str, Any]] = mapped_column(JSON)  # reviewer marks of manual items


class QaFinding(Base):
    __tablename__ = "qa_findings"
    __table_args__ = (
        Index("ix_qa_findings_contact_id", "contact_id"),
        Index("ix_qa_findings_status", "status"),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(64))
    at_s: Mapped[float | None] = mapped_column(Double)
    end_s: Mapped[float | None] = mapped_column(Double)
    speaker: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16))
    # open | confirmed | dismissed | disputed (then confirmed/dismissed by a second reviewer)
    status: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[float | None] = mapped_column(Double)
    note: Mapped[str | None] = mapped_column(Text)
    disputed_by: Mapped[str | None] = mapped_column(String(128))
    disputed_at: Mapped[float | None] = mapped_column(Double)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    final_by: Mapped[str | None] = mapped_column(String(128))
    final_at: Mapped[float | None] = mapped_column(Double)
    created_at: Mapped[float] = mapped_column(Double)


class QaState(Base):
    __tablename__ = "qa_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float] = mapped_column(Double)
