"""Specification of scheduled reports: produced at their time on a fake clock, once, with a PDF
whose pages carry the expected sections."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from hotline.config import dump_config, load_demo_config
from hotline.notify import LogNotifier
from hotline.routing import events as ev
from hotline.runtime import CenterService
from hotline.services.reports import Reports
from hotline.services.reports_jobs import ScheduledReports
from hotline.services.reports_schedule import Schedule
from hotline.store import Store

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def test_the_daily_report_is_produced_at_eight_once_with_its_sections(store: Store):
    store.save_config(dump_config(load_demo_config()), "test")
    clock = [at("2026-11-24T10:00")]
    service = CenterService(store, clock=lambda: clock[0])
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c1", "general"))
    clock[0] += 12
    service.apply(ev.OfferAccepted("a01", "c1"))
    clock[0] += 100
    service.apply(ev.ContactCompleted("a01", "c1"))

    notifier = LogNotifier()
    jobs = ScheduledReports(
        store, Reports.for_store(store), notifier, [Schedule("daily", "08:00")],
        since=at("2026-11-24T09:00"),
    )  # fmt: skip
    assert jobs.run_due(at("2026-11-25T07:59")) == []  # not yet
    assert jobs.run_due(at("2026-11-25T08:00")) == ["Daily warning report (daily)"]
    assert jobs.run_due(at("2026-11-25T08:05")) == []  # produced once
    assert [n.kind for n in notifier.sent] == ["report"]

    (doc,) = jobs.documents.history()
    assert (doc.period_start, doc.period_end) == (at("2026-11-24"), at("2026-11-25"))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(doc.pdf)).pages]
    assert len(pages) == 5
    assert "Summary" in pages[0] and "offered 1, answered 1" in pages[0]
    assert "2026-11-24 00:00" in pages[0]
    assert "Service level and abandon rate by hour" in pages[1]
    assert "Volume by hour" in pages[2]
    assert "Queues" in pages[3] and "general" in pages[3]
    assert "Definitions" in pages[4] and "formula" in pages[4]
    assert "服务水平" in pages[4]  # Chinese definitions drawn with the CJK font, not dropped
    assert "<h1>Daily warning report (daily)</h1>" in doc.html and "服务水平" in doc.html


def test_weekly_and_monthly_cover_the_previous_week_and_month():
    monday = at("2026-11-30T08:00")
    assert Schedule("weekly").last_due(at("2026-12-03T12:00"), TZ) == monday
    assert Schedule("weekly").period(monday, TZ) == (at("2026-11-23"), at("2026-11-30"))
    first = at("2026-12-01T08:00")
    assert Schedule("monthly").last_due(at("2026-12-03T12:00"), TZ) == first
    assert Schedule("monthly").period(first, TZ) == (at("2026-11-01"), at("2026-12-01"))
