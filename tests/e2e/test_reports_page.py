"""The supervisor's reports page: period, grain and filters, a chart and a table from the
stored aggregates, and CSV/XLSX downloads of the same query.

Three calls are answered by a02 in 综合咨询 (general) through the API; the supervisor opens
报表 from the top bar and sees them in today's hourly table, filters them away (another queue)
and back (a02), switches to the month by day, and downloads both files.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from ..integration.test_report_exports import xlsx_sheets
from .conftest import login, screenshot
from .test_screens import _ready_by_api


def _answer_calls(server, n: int) -> None:
    a02 = _ready_by_api(server, "a02")
    channel = server.api("channel")
    for i in range(n):
        body = {"queue": "general", "customer": f"1391234{i:04d}"}
        c = channel.post("/api/contacts", json=body).json()
        assert c["agent_id"] == "a02", c
        a02.post(f"/api/contacts/{c['id']}/accept").raise_for_status()
        a02.post(f"/api/contacts/{c['id']}/complete", json={"wrap_up_s": 0}).raise_for_status()


def _column_sum(page, col: str) -> int:
    cells = page.locator(f"[data-testid=report-row]:not(.sub) td[data-col={col}]")
    return sum(int(t) for t in cells.all_inner_texts())


def test_reports_page_shows_the_chart_and_table_and_downloads_the_same_figures(server, new_page):
    _answer_calls(server, 3)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))  # the demo center's zone
    page = new_page()
    login(page, "supervisor")
    page.get_by_role("link", name="报表").click()
    page.wait_for_url("**/reports")
    expect(page.get_by_test_id("report-row").first).to_be_visible()
    hours = now.hour + 1  # today by hour, cut at now
    assert page.get_by_test_id("report-row").count() == hours
    assert _column_sum(page, "offered") == 3
    assert _column_sum(page, "answered") == 3
    sl = page.locator("[data-testid=report-row] td[data-col=service_level]").all_inner_texts()
    assert "100%" in sl  # answered at once: inside the 20 s threshold
    chart = page.evaluate(
        """() => { const c = Chart.getChart('report-chart');
          return {n: c.data.labels.length, sets: c.data.datasets.map((d) => d.label),
                  offered: c.data.datasets[0].data.reduce((a, b) => a + b, 0)}; }"""
    )
    assert chart == {"n": hours, "sets": ["呼入量", "接通量", "放弃量", "服务水平"], "offered": 3}
    screenshot(page, "reports-day-zh")
    page.get_by_test_id("report-definitions").locator("summary").click()  # opens the list
    defs = page.get_by_test_id("report-definitions").inner_text()
    assert "服务水平 service level, formula" in defs

    page.get_by_test_id("report-queue").select_option("complaints")
    page.get_by_test_id("report-run").click()
    expect(page.get_by_test_id("report-empty")).to_be_visible()
    assert _column_sum(page, "offered") == 0
    page.get_by_test_id("report-queue").select_option("")
    page.get_by_test_id("report-agent").select_option("a02")
    page.get_by_test_id("report-run").click()
    expect(page.get_by_test_id("report-empty")).to_be_hidden()
    assert _column_sum(page, "handled") == 3
    # the demo config names skills but no teams or provinces: only the skill filter shows
    expect(page.get_by_test_id("report-team")).to_be_hidden()
    expect(page.get_by_test_id("report-province")).to_be_hidden()
    page.get_by_test_id("report-agent").select_option("")
    page.get_by_test_id("report-skill").select_option("english")  # general does not need it
    page.get_by_test_id("report-run").click()
    expect(page.get_by_test_id("report-empty")).to_be_visible()
    page.get_by_test_id("report-skill").select_option("general")
    page.get_by_test_id("report-run").click()
    expect(page.get_by_test_id("report-empty")).to_be_hidden()
    assert _column_sum(page, "handled") == 3
    page.get_by_test_id("report-skill").select_option("")

    page.get_by_test_id("period-month").click()
    assert page.get_by_test_id("report-grain").input_value() == "day"
    page.get_by_test_id("report-by-queue").check()
    page.get_by_test_id("report-run").click()
    expect(page.get_by_test_id("report-table")).to_have_attribute("data-grain", "day")
    expect(page.locator("[data-testid=report-row].sub[data-queue=general]")).to_have_count(1)
    days = page.locator("[data-testid=report-row]:not(.sub)").count()
    assert days == now.day  # the month so far, by day
    assert _column_sum(page, "handled") == 3

    with page.expect_download() as got:
        page.get_by_test_id("export-csv").click()
    text = Path(got.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["开始", "结束", "队列"]
    handled = rows[0].index("处理量")
    assert sum(int(r[handled]) for r in rows[1:] if r[2] == "全部") == 3
    assert [r[2] for r in rows[1:] if r[2] != "全部"] == ["general"]  # the by-queue row
    with page.expect_download() as got:
        page.get_by_test_id("export-xlsx").click()
    assert got.value.suggested_filename.endswith("-day.xlsx")
    sheet = xlsx_sheets(Path(got.value.path()).read_bytes())["报表"]
    assert sum(int(r[handled]) for r in sheet[1:] if r[2] == "全部") == 3
    assert page.errors == []


def test_reports_page_in_english_and_closed_to_agents(server, new_page):
    page = new_page("en")
    login(page, "supervisor")
    page.goto("/reports")
    expect(page.get_by_test_id("report-row").first).to_be_visible()
    expect(page.get_by_test_id("report-empty")).to_be_visible()
    headers = page.locator("[data-testid=report-table] th").all_inner_texts()
    assert headers[:4] == ["Start", "Queue", "Offered", "Answered"]
    screenshot(page, "reports-day-en")
    page.set_viewport_size({"width": 1920, "height": 1080})  # chart beside the table
    chart, table = (page.get_by_test_id(t).bounding_box() for t in ("report-chart", "report-table"))
    assert chart["x"] + chart["width"] <= table["x"], (chart, table)
    screenshot(page, "reports-day-en-1920")
    agent = new_page()
    login(agent, "a01")
    assert agent.goto("/reports").status == 403
    assert "报表" not in agent.locator(".mainnav").inner_text()
    assert page.errors == [] and agent.errors == []


def test_the_scheduled_reports_kept_are_listed_with_their_downloads(server, new_page):
    """A daily warning produced on the server's database (as the jobs process does) is listed
    under 定时报表 with its PDF, Excel and one CSV per table, which download what it holds."""
    import time

    from hotline.config import load_demo_config
    from hotline.notify import LogNotifier
    from hotline.services.reports import Reports
    from hotline.services.reports_jobs import ScheduledReports
    from hotline.services.reports_schedule import Schedule
    from hotline.store import open_store

    page = new_page()
    login(page, "supervisor")
    page.goto("/reports")
    expect(page.get_by_test_id("report-documents-empty")).to_be_visible()
    store = open_store(f"sqlite:///{server.db}")
    jobs = ScheduledReports(store, Reports.for_store(store), LogNotifier(), load_demo_config,
                            since=0, schedules=[Schedule("daily")])  # fmt: skip
    assert jobs.run_due(time.time()) == ["Daily warning report (daily)"]
    (doc,) = jobs.documents.history()
    store.close()
    page.reload()
    item = page.get_by_test_id("report-document")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Daily warning report (daily)")
    expect(item.locator("a")).to_have_count(3 + len(doc.tables))  # PDF, HTML, Excel, CSVs
    assert page.request.get(item.get_by_test_id("doc-pdf").get_attribute("href")).body() == doc.pdf
    expect(item.get_by_test_id("doc-csv-reasons")).to_have_text("来电原因")
    with page.expect_download() as got:
        item.get_by_test_id("doc-csv-queues").click()
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == doc.tables["queues"]["columns"] and rows[0][0] == "queue"
    with page.expect_download() as got:
        item.get_by_test_id("doc-xlsx").click()
    assert list(xlsx_sheets(Path(got.value.path()).read_bytes())) == [*doc.tables, "definitions"]
    assert page.errors == []
