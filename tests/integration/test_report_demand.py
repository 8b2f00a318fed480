"""Specification of what the scheduled reports say about demand: volume against the saved
forecast (or plainly that none is stored), the top contact reasons and the hot topics, with
last week's figures in the weekly bulletin; and the tables kept with each report as XLSX
and CSV, parsed back and compared with the report's own tables and pages.

The seed is `test_scheduled_reports.seed` (Tuesday 2026-11-24: c1 general at 10:00, c2
english at 11:00, c3 complaints at 12:00, callback cb1 at 13:00; c1 opened a help request
first, c3 a complaint; w1 on the Tuesday before), plus dispositions noted here.
"""

from __future__ import annotations

import csv
import io
import random

from hotline.domain.records import EventRecord
from hotline.notify import LogNotifier
from hotline.runtime import CenterService
from hotline.services.qa import QaService
from hotline.services.reports_schedule import Schedule
from hotline.services.reports_tables import report_tables
from hotline.store import Store
from hotline.store.forecasts import Forecasts
from hotline.store.kb import ChatStore
from tests.integration.test_qa_service import _chat

from .test_report_exports import xlsx_sheets
from .test_scheduled_reports import at, jobs_for, pages_of, seed

HOUR = 3600.0


def note(service: CenterService, cid: str, disposition: str, when: float) -> None:
    service.annotate(EventRecord(at=when, kind="contact.note", contact_id=cid, agent_id="a01",
                                 data={"disposition": disposition, "note": None}))  # fmt: skip


def plan(store: Store, queue: str | None, first: str, hours: int, each: float, step=3600):
    points = [(at(first) + i * step, each) for i in range(int(hours * 3600 // step))]
    Forecasts(store.engine).save(queue, step, points, made_at=at("2026-11-20T09:00"),
                                 made_by="planner", source="test")  # fmt: skip


def daily(store: Store, service: CenterService):
    jobs = jobs_for(store, service, schedules=[Schedule("daily")])
    assert jobs.run_due(at("2026-11-25T08:00")) == ["Daily warning report (daily)"]
    (doc,) = jobs.documents.history()
    return jobs, doc


def daily_and_weekly(store: Store, service: CenterService) -> dict:
    """The daily warning of 2026-11-24 and the weekly bulletin of the week of 11-23."""
    jobs = jobs_for(store, service, schedules=[Schedule("daily"), Schedule("weekly")])
    jobs.run_due(at("2026-11-25T08:00"))
    jobs.run_due(at("2026-11-30T08:00"))
    docs = {(d.schedule, d.period_start): d for d in jobs.documents.history()}
    return {"daily": docs["daily@08:00", at("2026-11-24")],
            "weekly": docs["weekly@08:00", at("2026-11-23")]}  # fmt: skip


def test_volume_is_drawn_against_the_saved_forecast_hour_by_hour(store: Store):
    service = seed(store)
    plan(store, None, "2026-11-24T09:00", 5, 1.0)  # 09-14 h: 1 contact an hour planned
    plan(store, "general", "2026-11-24T10:00", 1, 1.0, step=1800)  # 2 in the 10 h for general
    plan(store, "english", "2026-11-24T11:00", 0.25, 3.0, step=900)  # a quarter: covers no hour
    _, doc = daily(store, service)
    pages = pages_of(doc.pdf)
    assert len(pages) == 6
    assert "Volume vs forecast by hour" in pages[2] and "forecast" in pages[2]
    assert "No forecast stored" not in pages[2]
    said = pages[4].split("Volume vs forecast")[1]
    # 10 h c1, 11 h c2, 12 h c3, none at 9 h; cb1 at 13 h is a callback task, not demand
    assert ("center: arrived 3 against forecast 5 (-40.0%) over the 5 of 24 hours the forecast "
            "covers\n  forecast saved by planner via test") in said  # fmt: skip
    assert "general: arrived 1 against forecast 2 (-50.0%)" in said
    assert "english: arrived 0 against forecast 0" in said  # its quarter-hour covers no hour
    rows = {r[0][11:]: r for r in doc.tables["intervals"]["rows"]}
    columns = doc.tables["intervals"]["columns"]
    arrived, forecast = columns.index("arrived"), columns.index("forecast")
    assert [(rows[h][arrived], rows[h][forecast]) for h in ("08:00", "09:00", "10:00", "13:00")] \
        == [(0, None), (0, 1.0), (1, 1.0), (0, 1.0)]  # fmt: skip
    assert "center: arrived 3 against forecast 5" in doc.html


def test_queue_forecasts_alone_are_summed_and_compared_with_those_queues(store: Store):
    service = seed(store)
    plan(store, "general", "2026-11-24T00:00", 24, 0.5)
    plan(store, "complaints", "2026-11-24T00:00", 24, 0.25)
    _, doc = daily(store, service)
    said = pages_of(doc.pdf)[4].split("Volume vs forecast")[1]
    assert ("queues complaints, general (sum of their forecasts): arrived 2 against forecast "
            "18 (-88.9%) over the 24 of 24 hours") in said  # fmt: skip


def test_without_a_forecast_the_report_says_so_plainly(store: Store):
    service = seed(store)
    plan(store, None, "2026-11-23T00:00", 24, 1.0)  # the day before: not this report's
    _, doc = daily(store, service)
    pages = pages_of(doc.pdf)
    assert "No forecast stored for this period" in pages[2]  # on the chart itself
    assert "No forecast stored for this period: save one with `hotline forecast --save`" \
        in pages[4]  # fmt: skip
    assert all(r[2] is None for r in doc.tables["intervals"]["rows"])


def test_top_reasons_come_from_orders_then_dispositions_and_the_bulletin_compares(store: Store):
    service = seed(store)
    note(service, "c2", "consult", at("2026-11-24T11:05"))  # desk code for a consultation
    note(service, "c1", "praise", at("2026-11-24T10:05"))  # its order's category wins
    note(service, "w1", "complaint", at("2026-11-17T10:05"))  # last week's
    note(service, "cb1", "praise", at("2026-11-24T13:05"))  # a callback is not a new reason
    docs = daily_and_weekly(store, service)
    first = pages_of(docs["daily"].pdf)[4]
    reasons = first.split("Top contact reasons")[1].split("Hot topics")[0]
    assert "1. complaint: 1 (33.3%)" in reasons
    assert "2. consultation: 1 (33.3%)" in reasons and "3. help_request: 1 (33.3%)" in reasons
    assert "praise" not in reasons and "previous week" not in reasons
    assert "no reason recorded: 0 of 3 contacts" in reasons
    weekly = pages_of(docs["weekly"].pdf)[4].split("Top contact reasons")[1]
    assert "1. complaint: 1 (33.3%) (previous week 1, change +0)" in weekly
    assert "2. consultation: 1 (33.3%) (previous week 0, change +1)" in weekly
    assert docs["weekly"].tables["reasons"]["rows"] == [
        ["complaint", 1, 0.3333, 1], ["consultation", 1, 0.3333, 0],
        ["help_request", 1, 0.3333, 0], ["(none recorded)", 0, 0.0, 0]]  # fmt: skip
    assert "No hot topics: 0 contacts analysed by QA" in weekly


def _chats(store: Store) -> int:
    """A week of chats, 3 a day about an outage and 4 about bills, then 30 about the outage
    on 2026-11-24; analysed by QA as the server's worker does."""
    rng, n = random.Random(3), 0
    for day in range(17, 25):
        for lines, count in ((["我家停电了", "小区停电了什么时候来电"], 30 if day == 24 else 3),
                             (["电费账单不对", "这个月电费太高"], 4)):  # fmt: skip
            for _ in range(count):
                n += 1
                when = at(f"2026-11-{day}T09:00") + n
                said = [(0, "customer", rng.choice(lines)), (5, "agent", "您好，马上处理。再见。")]
                _chat(store, f"s{n}", f"chat{n}", said)
                ChatStore(store.engine).update_session(f"s{n}", created_at=when, ended_at=when + 60)
    assert QaService(store, asr=False, clock=lambda: at("2026-11-25T01:00")).drain() == n
    return n


def test_hot_topics_are_the_qa_topics_with_their_spike_and_last_weeks_count(store: Store):
    service = seed(store)
    _chats(store)
    docs = daily_and_weekly(store, service)
    topics = pages_of(docs["daily"].pdf)[4].split("Hot topics")[1]
    outage, bills = (line for line in topics.splitlines()[1:3])
    assert "停电" in outage and ": 30, SPIKE 2026-11-24: 30, 10× its mean 3" in outage
    assert "电费" in bills and bills.endswith(": 4")
    weekly = pages_of(docs["weekly"].pdf)[4].split("Hot topics")[1]
    # the week of 11-23: 3 + 30 on the outage; the week before (11-16..22): 6 days of 3
    assert ": 33 (previous week 18, change +15), SPIKE 2026-11-24" in weekly
    assert ": 8 (previous week 24, change -16)" in weekly
    rows = docs["weekly"].tables["topics"]["rows"]
    assert [r[1:3] for r in rows] == [[33, 18], [8, 24]] and "停电" in rows[0][0]


def test_the_kept_tables_download_as_xlsx_and_csv_equal_to_the_report(store: Store, db_url):
    from .api_client import login, running_app

    service = seed(store)
    plan(store, None, "2026-11-24T09:00", 5, 1.0)
    jobs = jobs_for(store, service, schedules=[Schedule("monthly")])
    jobs._notifier = notifier = LogNotifier()
    jobs.run_due(at("2026-12-01T08:00"))
    (doc,) = jobs.documents.history()
    (sent,) = notifier.sent  # the notification says where the kept files are
    assert sent.data["links"]["xlsx"] == f"/api/reports/documents/{doc.id}.xlsx"
    assert sent.data["links"]["csv:reasons"] == f"/api/reports/documents/{doc.id}.csv?table=reasons"
    content = jobs.content("monthly", doc.period_start, doc.period_end, at("2026-12-01T08:00"))
    assert report_tables(content) == doc.tables  # what is kept is what the report printed
    sheets = xlsx_sheets(doc.xlsx)
    assert list(sheets) == [*doc.tables, "definitions"]
    for name, table in doc.tables.items():
        assert sheets[name][0] == table["columns"]
        width = len(table["columns"])  # trailing empty cells are not written
        back = [[_typed(v) for v in row + [""] * (width - len(row))] for row in sheets[name][1:]]
        assert back == [[_cell(v) for v in row] for row in table["rows"]], name
    assert sheets["exposure_queues"][1] == ["1", "general", "2", "0", "3"]
    assert "1. general: overdue 2, complaints 0, orders 3" in pages_of(doc.pdf)[0]
    assert any("formula" in row[0] for row in sheets["definitions"])

    with running_app(db_url) as c:
        sup, a01 = login(c, "supervisor"), login(c, "a01")
        c.cookies.clear()
        (listed,) = [d for d in c.get("/api/reports/documents", headers=sup).json()
                     if d["id"] == doc.id]  # fmt: skip
        assert listed["tables"] == list(doc.tables) and "xlsx" in listed["formats"]
        base = f"/api/reports/documents/{doc.id}"
        r = c.get(f"{base}.xlsx", headers=sup)
        assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
        assert r.content == doc.xlsx and "attachment" in r.headers["content-disposition"]
        r = c.get(f"{base}.csv", params={"table": "intervals"}, headers=sup)
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0] == doc.tables["intervals"]["columns"]
        assert rows[1:] == [["" if v is None else str(v) for v in row]
                            for row in doc.tables["intervals"]["rows"]]  # fmt: skip
        assert len(rows) == 1 + 30  # one row a day of November
        bad = c.get(f"{base}.csv", params={"table": "nope"}, headers=sup)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "table"]
        assert c.get(f"{base}.csv", headers=sup).status_code == 422  # which table?
        assert c.get(f"{base}.doc", headers=sup).status_code == 404
        assert c.get(f"{base}.xlsx", headers=a01).status_code == 403
        assert c.get("/api/reports/documents/99999.xlsx", headers=sup).status_code == 404


def _cell(v: object) -> object:
    return "" if v is None else v


def _typed(text: str) -> object:
    """An XLSX cell's text back to the JSON value (numbers are stored as numbers)."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number
