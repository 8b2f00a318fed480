"""The wallboard fits 1366x768 in Chinese and English, and its numbers agree with each other.

* every alert chip, queue name, number and state is shown whole (nothing cut by an ellipsis or
  the window edge), all 8 agent cards are on screen, English headers do not run together;
* the waiting tile counts the rows of the waiting list, and the longest wait is the oldest row
  (a ringing offer or a scheduled callback is no longer counted in one and not the other);
* the intraday chart starts where the traffic starts, has axis titles, an SL line and a target.
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from .conftest import login, screenshot
from .test_screens import _seed_traffic

#: elements whose text is wider than their box (ellipsis, overflow) or beyond the window
CLIPPED = """(sel) => [...document.querySelectorAll(sel)]
  .filter((e) => e.offsetParent !== null && e.textContent.trim())
  .filter((e) => {
    const box = e.getBoundingClientRect(), range = document.createRange();
    range.selectNodeContents(e);
    const text = range.getBoundingClientRect();
    return text.width > box.width + 1 || box.right > innerWidth || text.right > innerWidth;
  })
  .map((e) => e.textContent.trim())"""


def _secs(text: str) -> int:
    m, s = text.split(":")[-2:]
    return int(m) * 60 + int(s)


def test_the_wallboard_fits_the_screen_and_its_numbers_agree(server, new_page):
    _seed_traffic(server)
    channel = server.api("channel")
    for i in range(3):
        body = {"queue": "special_assistance", "customer": f"1370000{i:04d}"}
        channel.post("/api/contacts", json=body).raise_for_status()
    left = channel.post("/api/contacts", json={"queue": "general", "customer": "13600009999"})
    time.sleep(1.2)
    channel.post(f"/api/contacts/{left.json()['id']}/leave").raise_for_status()  # a callback task
    a08 = server.api("a08")  # ringing: an offer is on a08's screen
    a08.post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
    a08.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()

    for lang in ("zh-CN", "en"):
        page = new_page(lang)
        login(page, "supervisor")
        expect(page.get_by_test_id("live")).to_have_class("live live-on")
        rows = page.get_by_test_id("waiting-row")
        expect(rows.first).to_be_visible()
        page.wait_for_timeout(400)
        total = int(page.get_by_test_id("total-waiting").inner_text())
        assert total == rows.count(), (total, rows.count())  # the tile counts the list's rows
        assert int(page.get_by_test_id("waiting-count").inner_text()) == total
        waits = [_secs(t) for t in page.get_by_test_id("waiting-wait").all_inner_texts()]
        longest = _secs(page.locator(".tiles .tile").first.locator(".sub b").inner_text())
        assert abs(longest - max(waits)) <= 1, (longest, waits)

        for sel in (".alert-chip", ".qname strong", ".qtable th", ".qtable td", ".tile .sub",
                    ".agent-card strong", ".ac-state span", ".wr-queue", ".wait-row strong",
                    ".panel-head small", ".panel-head .card-title"):  # fmt: skip
            assert page.evaluate(CLIPPED, sel) == [], (lang, sel)
        cards = page.get_by_test_id("agent-row")
        assert cards.count() == 8
        for i in range(8):
            box = cards.nth(i).bounding_box()
            assert box["y"] + box["height"] <= 768, (lang, i, box)
            assert cards.nth(i).evaluate(
                "(e) => { const p = e.closest('.scroll-box').getBoundingClientRect();"
                " const r = e.getBoundingClientRect(); return r.bottom <= p.bottom + 1; }"
            ), (lang, i)
        chart = page.evaluate(
            """() => { const c = Chart.getChart('intraday'); return {
              labels: c.data.labels, sets: c.data.datasets.map((d) => d.label),
              x: c.options.scales.x.title.display && c.options.scales.x.title.text,
              y: c.options.scales.y.title.text, y2: c.options.scales.y2.title.text,
              target: c.data.datasets[4].data.filter((v) => v !== null).length }; }"""
        )
        # the empty night is not drawn: once the day is older than 4 h, the chart starts later
        hours = [_secs(t) / 60 for t in chart["labels"]]
        step = hours[1] - hours[0] if len(hours) > 1 else 0.5
        if hours[-1] >= 4 + step:
            assert chart["labels"][0] != "00:00", chart["labels"]
        elif hours[-1] < 4 - step:  # before 04:00 the whole short day is shown
            assert chart["labels"][0] == "00:00", chart["labels"]
        # within a step of 04:00 either is right: the page's clock and the last label's bucket
        # differ by up to one step (seen at 04:31 with labels ending at 04:00)
        assert chart["x"] and chart["y"] and chart["y2"]
        assert len(chart["sets"]) == 5 and chart["target"] == len(chart["labels"])
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
        screenshot(page, f"wallboard-{lang}")
        assert page.errors == []
