"""A supervisor switches the center into its emergency plan from the alerts console, and back.

The demo airport center has one plan, "flight_delays" (mass flight delays: long waits turn into
callbacks sooner). Switching on takes a second click; once on, every agent desktop and the
wallboard show the plan's banner, the console says who switched it on, and the general queue's
overflow rule is the plan's. Switching off restores normal operation everywhere."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import login, screenshot

BANNER = "大面积航班延误应急预案已启动：排队超过 2 分钟的来电转为回拨"
ROUND_MS = 15_000  # the console, desk and wallboard re-read every few seconds


def general_overflow(server) -> list[dict]:
    config = server.api("admin").get("/api/admin/config").json()
    return next(q for q in config["config"]["queues"] if q["id"] == "general")["overflow"]


def test_the_plan_is_switched_on_with_two_clicks_and_off_again_everywhere(server, new_page):
    before = general_overflow(server)
    console = new_page()
    login(console, "supervisor")
    console.goto("/alerts")
    panel = console.get_by_test_id("emergency")
    expect(panel.get_by_test_id("em-normal")).to_be_visible()
    expect(panel.get_by_test_id("em-preview")).to_have_text(BANNER)

    desk = new_page()
    login(desk, "a01")
    desk.goto("/agent")
    expect(desk.get_by_test_id("emergency-banner")).to_be_hidden()

    panel.get_by_test_id("em-on").click()
    armed_only = server.api("supervisor").get("/api/emergency").json()
    assert armed_only["active"] is None  # the first click only arms the switch
    panel.get_by_test_id("em-confirm").click()

    active = panel.get_by_test_id("em-active")
    expect(active).to_contain_text(BANNER)
    expect(active).to_contain_text("flight_delays")
    expect(active).to_contain_text("supervisor")
    expect(desk.get_by_test_id("emergency-banner")).to_have_text(BANNER, timeout=ROUND_MS)
    board = new_page()
    login(board, "supervisor")
    board.goto("/wallboard")
    expect(board.get_by_test_id("emergency-banner")).to_have_text(BANNER, timeout=ROUND_MS)
    assert general_overflow(server) == [{"target": "callback", "ewt_over_s": 120.0}]
    screenshot(console, "alerts-emergency-on-zh")

    panel.get_by_test_id("em-off").click()
    expect(panel.get_by_test_id("em-normal")).to_be_visible()
    expect(desk.get_by_test_id("emergency-banner")).to_be_hidden(timeout=ROUND_MS)
    expect(board.get_by_test_id("emergency-banner")).to_be_hidden(timeout=ROUND_MS)
    assert general_overflow(server) == before
