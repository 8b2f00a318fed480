"""Work orders in the browser: the agent desktop creates and follows them, the wallboard lists
the orders at SLA risk.

* an agent accepts a contact, opens a work order from its card and sees it listed there;
* the supervisor's wallboard shows "orders at SLA risk": empty at first, then an order whose
  SLA share is past the configured threshold (the threshold is lowered through the admin API
  so a 10-minute help request is at risk within a second).
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .conftest import login, screenshot

CUSTOMER = "13955556666"


def test_an_agent_creates_a_work_order_and_the_wallboard_lists_orders_at_risk(server, new_page):
    channel = server.api("channel")
    a01 = server.api("a01")
    for state in ("login", "available"):
        a01.post("/api/agents/me/state", json={"state": state}).raise_for_status()

    page = new_page()
    login(page, "a01")
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "available")
    contact = channel.post("/api/contacts", json={"queue": "general", "customer": CUSTOMER}).json()
    assert contact["agent_id"] == "a01"
    offer = page.get_by_test_id("offer")
    expect(offer).to_have_attribute("data-id", contact["id"], timeout=5_000)
    page.get_by_test_id("offer-accept").click()
    card = page.get_by_test_id("contact-card")
    expect(card).to_have_attribute("data-id", contact["id"])

    # No open order yet: the card says so; the form lists the configured categories.
    orders = page.get_by_test_id("work-orders")
    expect(orders.get_by_test_id("order-empty")).to_be_visible()
    page.get_by_test_id("order-new").click()
    category = page.get_by_test_id("order-category")
    expect(category.locator("option[value=complaint]")).to_have_count(1)
    # a lost item needs its required fields before the order can be created
    category.select_option("lost_item")
    expect(page.get_by_test_id("order-field-item")).to_be_visible()
    page.get_by_test_id("order-summary").fill("站台广播太吵，投诉")
    expect(page.get_by_test_id("order-create")).to_be_disabled()
    category.select_option("complaint")
    expect(page.get_by_test_id("order-field-item")).to_have_count(0)
    page.get_by_test_id("order-create").click()

    row = orders.get_by_test_id("order-row")
    expect(row).to_have_count(1)
    expect(orders.get_by_test_id("order-empty")).to_be_hidden()
    expect(page.get_by_test_id("order-form")).to_be_hidden()
    created = a01.get("/api/tickets").json()
    assert len(created) == 1, created
    order = created[0]
    assert order["contact_ids"] == [contact["id"]]
    assert (order["category"], order["title"], order["state"]) == (
        "complaint",
        "站台广播太吵，投诉",
        "new",
    )
    expect(row).to_have_attribute("data-id", order["id"])
    expect(row).to_contain_text(order["id"])
    expect(row).to_contain_text("投诉")
    expect(row).to_contain_text("新建")
    expect(page.get_by_test_id("work-orders-count")).to_have_text("1")
    # the SLA clock runs on the card: time left until the first action is due
    expect(row.get_by_test_id("order-left")).to_have_text(re.compile(r"^剩 \d+:\d\d(:\d\d)?$"))
    screenshot(page, "agent-work-order")

    # The card read again (e.g. after a reload) still lists the order.
    page.reload()
    expect(page.get_by_test_id("work-orders").get_by_test_id("order-row")).to_have_attribute(
        "data-id", order["id"]
    )
    assert page.errors == []

    # The wallboard: no order is at risk yet (the new complaint has hours left).
    sup = server.api("supervisor")
    board = new_page()
    login(board, "supervisor")
    panel = board.get_by_test_id("at-risk")
    expect(panel.get_by_test_id("at-risk-empty")).to_be_visible()
    expect(panel).to_contain_text("工单超时风险")

    # Past 0.1 % of its budget counts as at risk: a help request (10 min to first action,
    # round the clock) is at risk within a second.
    cfg = sup.get("/api/tickets/config").json()["config"]
    r = server.api("admin").put("/api/tickets/config", json={**cfg, "at_risk": 0.001})
    assert r.status_code == 200, r.text
    urgent = sup.post(
        "/api/tickets",
        json={"category": "help_request", "title": "老人在站台走失", "customer": "13800001234"},
    )
    assert urgent.status_code == 201, urgent.text
    urgent_id = urgent.json()["id"]
    deadline = time.time() + 5
    while not any(o["id"] == urgent_id for o in sup.get("/api/tickets/at-risk").json()):
        assert time.time() < deadline, "the help request never became at risk"
        time.sleep(0.2)

    board.reload()
    risky = board.locator(f"[data-testid=at-risk-row][data-id='{urgent_id}']")
    expect(risky).to_be_visible()
    expect(risky).to_contain_text("老人在站台走失")
    expect(risky).to_contain_text("求助")
    expect(board.get_by_test_id("at-risk-empty")).to_be_hidden()
    screenshot(board, "wallboard-at-risk")
    assert board.errors == []
