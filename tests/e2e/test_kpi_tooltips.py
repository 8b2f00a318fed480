"""Specification: the wallboard says what each KPI means where the number is shown (a tooltip
from the same definitions the reports print and the API documents), in headless Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from hotline.kpi import field_definitions

from .conftest import login


def test_wallboard_tiles_and_queue_headers_carry_the_kpi_definitions(server, new_page):
    page = new_page()
    login(page, "supervisor")
    page.goto("/wallboard")
    center = field_definitions()
    for name in ("service_level", "abandon_rate", "asa_s"):
        expect(page.locator(f'.tiles small[title="{center[name]}"]')).to_have_count(1)
    per_queue = field_definitions(threshold="each queue's own SL threshold")
    headers = page.locator("[data-testid=queues] thead th[title]")
    titles = [headers.nth(i).get_attribute("title") for i in range(headers.count())]
    assert titles == [
        per_queue["service_level"],
        per_queue["service_level"],
        per_queue["abandon_rate"],
        per_queue["asa_s"],
    ]
    assert "T = each queue's own SL threshold" in titles[0]
    assert not page.errors
