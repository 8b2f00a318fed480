"""Tables of the reporting aggregates: derived from `events`, rebuildable from it at any time.

* `report_cursor` — the last event `seq` folded in (the catch-up job resumes after it);
* `report_contacts` — one row per contact: its folded fate (see `hotline.kpi.aggregate`);
* `report_queue_intervals` — sums per profile × 15-min bucket × queue × channel;
* `report_queue_days` / `report_center_days` — the same rolled up per local day;
* `report_agent_intervals` — occupied/staffed seconds per agent × 15-min bucket (closed spans);
* `report_agent_spans` — closed agent state spans (the edges of unaligned ranges, wrap-up);
* `report_agent_edges` — per agent, the spans of unknown length (before first, after last).

Not derived, kept as written: `report_alerts` (fired alerts), `report_documents` (produced
scheduled reports with their tables and XLSX) and `forecasts` (a planner's saved forecast).

Empty queue/channel are stored as '' (not NULL) so they can be part of primary keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Double, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base, SeqType


class ReportCursor(Base):
    __tablename__ = "report_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class ReportContact(Base):
    __tablename__ = "report_contacts"
    __table_args__ = (
        Index("ix_report_contacts_bucket", "bucket"),
        Index("ix_report_contacts_created_at", "created_at"),
        Index("ix_report_contacts_agent_id", "agent_id", "created_at"),
    )

    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[float] = mapped_column(Double)
    queue: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    queued: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    gave_up: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int] = mapped_column(Integer)
    wait_s: Mapped[float | None] = mapped_column(Double)
    talk_s: Mapped[float | None] = mapped_column(Double)
    acw_s: Mapped[float] = mapped_column(Double)
    ewt_err_s: Mapped[float | None] = mapped_column(Double)
    outcome: Mapped[str | None] = mapped_column(String(32))


class _Sums:
    """The `hotline.kpi.aggregate.Sums` fields as columns (cube and daily rollup)."""

    contacts: Mapped[int] = mapped_column(Integer)
    queued: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    short: Mapped[int] = mapped_column(Integer)
    abandoned: Mapped[int] = mapped_column(Integer)
    answered_in: Mapped[int] = mapped_column(Integer)
    abandoned_in: Mapped[int] = mapped_column(Integer)
    wait_sum: Mapped[float] = mapped_column(Double)
    wait_n: Mapped[int] = mapped_column(Integer)
    max_wait: Mapped[float | None] = mapped_column(Double)
    handled: Mapped[int] = mapped_column(Integer)
    talk_sum: Mapped[float] = mapped_column(Double)
    acw_sum: Mapped[float] = mapped_column(Double)
    ewt_sum: Mapped[float] = mapped_column(Double)
    ewt_n: Mapped[int] = mapped_column(Integer)
    cb_created: Mapped[int] = mapped_column(Integer)
    cb_completed: Mapped[int] = mapped_column(Integer)
    cb_reached: Mapped[int] = mapped_column(Integer)


class ReportQueueInterval(_Sums, Base):
    __tablename__ = "report_queue_intervals"

    profile: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class ReportQueueDay(_Sums, Base):
    """The cube rolled up per local day of `zone` (a year is 365 rows per queue × channel)."""

    __tablename__ = "report_queue_days"

    profile: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[float] = mapped_column(Double, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class ReportCenterDay(Base):
    """All agents' occupied/staffed seconds per local day of `zone` (closed spans)."""

    __tablename__ = "report_center_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[float] = mapped_column(Double, primary_key=True)
    occupied_s: Mapped[float] = mapped_column(Double)
    staffed_s: Mapped[float] = mapped_column(Double)


class ReportAgentInterval(Base):
    __tablename__ = "report_agent_intervals"

    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    occupied_s: Mapped[float] = mapped_column(Double)
    staffed_s: Mapped[float] = mapped_column(Double)


class ReportAgentSpan(Base):
    __tablename__ = "report_agent_spans"
    __table_args__ = (
        Index("ix_report_agent_spans_end", "end"),
        Index("ix_report_agent_spans_contact_id", "contact_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    start: Mapped[float] = mapped_column(Double)
    end: Mapped[float] = mapped_column(Double)
    contact_id: Mapped[str | None] = mapped_column(String(64))


class ReportAgentEdges(Base):
    __tablename__ = "report_agent_edges"

    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_at: Mapped[float] = mapped_column(Double)
    first_from: Mapped[str | None] = mapped_column(String(32))
    last_at: Mapped[float] = mapped_column(Double)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_to: Mapped[str | None] = mapped_column(String(32))
    last_contact_id: Mapped[str | None] = mapped_column(String(64))


class ReportAlert(Base):
    """One fired alert: open until `cleared_at`; `acked_*` when someone acknowledged it."""

    __tablename__ = "report_alerts"
    __table_args__ = (
        Index("ix_report_alerts_rule_id_subject", "rule_id", "subject"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Double)
    text: Mapped[str] = mapped_column(String(500))
    breach_since: Mapped[float] = mapped_column(Double)
    fired_at: Mapped[float] = mapped_column(Double)
    acked_at: Mapped[float | None] = mapped_column(Double)
    acked_by: Mapped[str | None] = mapped_column(String(128))
    cleared_at: Mapped[float | None] = mapped_column(Double)


class ReportDocument(Base):
    """A produced scheduled report (HTML and PDF), kept with its history."""

    __tablename__ = "report_documents"
    __table_args__ = (
        Index("ix_report_documents_schedule_due_at", "schedule", "due_at", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    schedule: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[float] = mapped_column(Double)
    period_start: Mapped[float] = mapped_column(Double)
    period_end: Mapped[float] = mapped_column(Double)
    created_at: Mapped[float] = mapped_column(Double)
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    # the report's tables ({name: {"columns": [...], "rows": [[...]]}}) and their XLSX; NULL
    # for reports produced before 0011 (they are kept as they were made, not re-rendered)
    tables: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Forecast(Base):
    """Contacts forecast for one queue ('' = the whole center) and one interval.

    A saved forecast replaces the queue's stored points over the range it covers; `made_*`
    and `source` say whose it is and how it was made (`hotline forecast`, the API)."""

    __tablename__ = "forecasts"
    __table_args__ = (Index("ix_forecasts_start", "start"),)

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    start: Mapped[float] = mapped_column(Double, primary_key=True)
    interval_s: Mapped[int] = mapped_column(Integer)
    contacts: Mapped[float] = mapped_column(Double)
    made_at: Mapped[float] = mapped_column(Double)
    made_by: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(64))
