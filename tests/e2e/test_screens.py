"""Specification of the three screens, in headless Chromium against a real server.

* no page is reachable without logging in; an agent is refused the wallboard and the console;
* an agent logs in, goes ready (keyboard), gets a contact created through the API as the
  `channel` user, accepts it from the ringing pop-up, writes a note, completes;
* the supervisor's wallboard shows the waiting number change live, over the WebSocket;
* the admin console shows the API's validation message next to the refused field.

Screenshots of every screen at 1366x768 go to test-output/screenshots/.
"""

from __future__ import annotations

import random
import re
import time

import httpx
from playwright.sync_api import expect

from .conftest import Server, login, screenshot

CUSTOMER = "13912345678"


def _ready_by_api(server: Server, agent: str) -> httpx.Client:
    c = server.api(agent)
    c.post("/api/agents/me/state", json={"state": "login"}).raise_for_status()
    c.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    return c


def _seed_traffic(server: Server) -> None:
    """Some of today's history for the figures and the chart, then agents in varied states.

    a02, a03 and a05 answer 15 contacts; then a02 and a03 stay on a call, a05 goes to lunch;
    three callers give up after more than the 5 s that count as a short abandon.
    """
    rng = random.Random(7)
    channel = server.api("channel")
    clients = {a: _ready_by_api(server, a) for a in ("a02", "a03", "a05")}
    queues = ["general", "general", "general", "complaints", "english", "chat"]
    for _ in range(15):
        q = rng.choice(queues)
        body = {
            "queue": q,
            "channel": "chat" if q == "chat" else "voice",
            "customer": f"139{rng.randint(10_000_000, 99_999_999)}",
        }
        c = channel.post("/api/contacts", json=body).json()
        who = c["agent_id"]
        if who in clients:
            clients[who].post(f"/api/contacts/{c['id']}/accept").raise_for_status()
            done = {"wrap_up_s": 0, "disposition": rng.choice(["consult", "lost_item"])}
            clients[who].post(f"/api/contacts/{c['id']}/complete", json=done).raise_for_status()
    clients["a05"].post(
        "/api/agents/me/state", json={"state": "not_ready", "reason": "lunch"}
    ).raise_for_status()
    for _ in range(2):  # a02 and a03 are on a call while the board is watched
        c = channel.post("/api/contacts", json={"queue": "general", "customer": "13700001111"})
        agent = c.json()["agent_id"]
        assert agent in ("a02", "a03"), c.text
        clients[agent].post(f"/api/contacts/{c.json()['id']}/accept").raise_for_status()
    gave_up = [
        channel.post(
            "/api/contacts", json={"queue": q, "channel": ch, "customer": f"1380000{i:04d}"}
        ).json()["id"]
        for i, (q, ch) in enumerate(
            [("special_assistance", "voice"), ("special_assistance", "voice"), ("chat", "chat")]
        )
    ]
    time.sleep(5.5)
    for cid in gave_up:
        channel.post(f"/api/contacts/{cid}/leave").raise_for_status()


# -- access -------------------------------------------------------------------------------------


def test_no_page_is_reachable_without_logging_in(server, new_page):
    for path in ("/", "/agent", "/wallboard", "/admin"):
        r = httpx.get(server.base + path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    assert httpx.get(server.base + "/api/ui/desk").status_code == 401
    assert httpx.get(server.base + "/api/ui/wallboard/live").status_code == 401

    page = new_page()
    page.goto("/wallboard")
    expect(page).to_have_url(f"{server.base}/login?next=/wallboard")
    screenshot(page, "login")
    # after logging in, the page asked for first is the one shown
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "wrong password")
    page.click("[data-testid=login-submit]")
    expect(page.get_by_test_id("login-error")).to_be_visible()
    page.fill("input[name=password]", "hotline-demo")
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{server.base}/wallboard")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{server.base}/login")
    page.goto("/wallboard")
    expect(page).to_have_url(f"{server.base}/login?next=/wallboard")
    assert page.errors == []


def test_an_agent_is_refused_the_wallboard_and_the_admin_console(server, new_page):
    page = new_page()
    login(page, "a02")
    expect(page).to_have_url(f"{server.base}/agent")
    for path in ("/admin", "/wallboard"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_test_id("forbidden")).to_be_visible()
    # the navigation offers only what the role may open, and the API agrees
    expect(page.locator(".mainnav a")).to_have_count(1)
    assert page.request.get("/api/admin/config").status == 403
    assert page.request.get("/api/ui/wallboard/live").status == 403
    sup = new_page()
    login(sup, "supervisor")
    assert sup.goto("/admin").status == 403
    assert page.errors == [] and sup.errors == []


def test_the_ui_speaks_chinese_by_default_and_english_on_request(server, new_page):
    page = new_page()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("login-submit")).to_have_text("Sign in")
    login(page, "a03")
    expect(page.get_by_test_id("btn-sign-in")).to_contain_text("Sign in to queues")
    assert page.errors == []


# -- agent desktop ----------------------------------------------------------------------------


def test_an_agent_takes_a_contact_from_offer_to_completion(server, new_page):
    # Earlier today the same passenger called and a02 handled it: history + repeat flag.
    channel = server.api("channel")
    a02 = _ready_by_api(server, "a02")
    first = channel.post(
        "/api/contacts", json={"queue": "general", "customer": CUSTOMER, "intent": "lost_item"}
    ).json()
    a02.post(f"/api/contacts/{first['id']}/accept").raise_for_status()
    a02.post(
        f"/api/contacts/{first['id']}/complete",
        json={"wrap_up_s": 0, "disposition": "lost_item", "note": "T2 行李转盘遗失背包"},
    ).raise_for_status()
    a02.post("/api/agents/me/state", json={"state": "offline"}).raise_for_status()

    page = new_page()
    login(page, "a01")
    expect(page).to_have_url(f"{server.base}/agent")
    pill = page.get_by_test_id("state-pill")
    expect(pill).to_have_attribute("data-state", "offline")
    page.get_by_test_id("btn-sign-in").click()
    expect(pill).to_have_attribute("data-state", "not_ready")
    page.keyboard.press("Alt+r")  # documented shortcut for "ready"
    expect(pill).to_have_attribute("data-state", "available")
    expect(page.get_by_test_id("time-in-state")).to_have_text(re.compile(r"^00:0\d$"))
    expect(page.get_by_test_id("live")).to_have_class("live live-on")

    # A passenger calls: the channel adapter creates the contact; a01 is the only ready agent.
    contact = channel.post(
        "/api/contacts",
        json={"queue": "general", "customer": CUSTOMER, "intent": "lost_item", "language": "zh"},
    ).json()
    assert contact["agent_id"] == "a01"
    offer = page.get_by_test_id("offer")
    expect(offer).to_be_visible(timeout=5_000)
    expect(offer).to_have_attribute("data-id", contact["id"])
    expect(offer).to_contain_text("139****5678")
    seconds = int(page.get_by_test_id("offer-countdown").locator("strong").inner_text())
    assert 0 < seconds <= 15  # the general queue rings for 15 s
    assert page.evaluate("window.HOTLINE.ringing") is True
    screenshot(page, "agent-offer")
    page.get_by_test_id("offer-accept").click()

    card = page.get_by_test_id("contact-card")
    expect(card).to_have_attribute("data-id", contact["id"])
    expect(offer).to_be_hidden()
    assert page.evaluate("window.HOTLINE.ringing") is False
    expect(pill).to_have_attribute("data-state", "busy")
    expect(page.get_by_test_id("repeat-flag")).to_be_visible()
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("history")).to_contain_text("失物查找")
    expect(page.get_by_test_id("customer")).to_have_text("139****5678")
    page.get_by_test_id("reveal").click()  # audited server-side
    expect(page.get_by_test_id("customer")).to_have_text(CUSTOMER)
    page.get_by_test_id("kb-input").fill("登机口")
    page.get_by_test_id("kb-input").press("Enter")
    expect(page.get_by_test_id("kb-empty")).to_contain_text("登机口")  # nothing about it yet
    r = server.api("supervisor").post("/api/kb/articles", json={
        "title": "行李遗失怎么办", "category": "失物招领",
        "body": "旅客在航站楼遗失行李或物品，请到T2到达层失物招领处登记，或拨打966666转失物查找。",
    })  # fmt: skip
    assert r.status_code == 201, r.text
    page.get_by_test_id("kb-input").fill("行李丢了")
    page.get_by_test_id("kb-input").press("Enter")
    hits = page.get_by_test_id("kb-hits")
    expect(hits).to_contain_text("行李遗失怎么办")
    assert hits.locator("mark").count() > 0  # the matched words are highlighted
    hits.get_by_role("button").first.click()  # quote it into the note
    assert "行李遗失怎么办" in page.get_by_test_id("note").input_value()

    note = "旅客再次来电询问遗失背包，已联系T2失物招领处，约定下午回电。"
    page.get_by_test_id("note").fill(note)
    page.get_by_test_id("disposition").select_option("lost_item")
    page.mouse.move(0, 0)
    screenshot(page, "agent-desktop")

    page.get_by_test_id("btn-complete").click()
    expect(page.get_by_test_id("wrap-panel")).to_be_visible()  # the notes stay for 话后处理
    expect(pill).to_have_attribute("data-state", "wrap_up")
    page.get_by_test_id("btn-acw-done").click()
    expect(pill).to_have_attribute("data-state", "available")

    sup = server.api("supervisor")
    events = sup.get(f"/api/contacts/{contact['id']}/events").json()
    notes = [e["data"] for e in events if e["kind"] == "contact.note"]
    assert notes == [{"disposition": "lost_item", "note": note}]
    ended = [e["data"] for e in events if e["kind"] == "contact.ended"]
    assert ended and ended[0]["outcome"] == "completed"
    assert page.errors == []


def test_an_agent_declines_with_the_keyboard_and_handles_two_chats(server, new_page):
    channel = server.api("channel")
    page = new_page()
    login(page, "a07")  # general only, three chats at once
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    pill = page.get_by_test_id("state-pill")
    expect(pill).to_have_attribute("data-state", "available")

    first = channel.post("/api/contacts", json={"queue": "chat", "channel": "chat"}).json()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", first["id"])
    page.keyboard.press("Alt+d")  # decline: the agent goes not ready, the chat waits
    expect(page.get_by_test_id("offer")).to_be_hidden()
    expect(pill).to_have_attribute("data-state", "not_ready")

    page.keyboard.press("Alt+r")
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", first["id"])
    page.keyboard.press("Alt+a")
    second = channel.post("/api/contacts", json={"queue": "chat", "channel": "chat"}).json()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", second["id"])
    page.get_by_test_id("offer-accept").click()
    items = page.get_by_test_id("contact-item")
    expect(items).to_have_count(2)
    items.first.click()
    expect(page.get_by_test_id("contact-card")).to_have_attribute("data-id", first["id"])
    page.keyboard.press("Alt+c")
    expect(items).to_have_count(1)
    expect(page.get_by_test_id("contact-card")).to_have_attribute("data-id", second["id"])
    assert page.errors == []


# -- wallboard ---------------------------------------------------------------------------------


def test_the_wallboard_shows_the_queue_change_live(server, new_page):
    _seed_traffic(server)
    page = new_page()
    login(page, "supervisor")
    expect(page).to_have_url(f"{server.base}/wallboard")
    # WeChat chats: that queue has no overflow, so new chats simply wait (nobody is ready)
    row = page.locator("[data-testid=queue-row][data-queue=chat]")
    expect(page.get_by_test_id("live")).to_have_class("live live-on")
    expect(row.get_by_test_id("waiting")).to_have_text(re.compile(r"^\d+$"))
    before = int(row.get_by_test_id("waiting").inner_text())
    total = int(page.get_by_test_id("total-waiting").inner_text())
    page.evaluate("window.__same_page = true")  # proves nothing reloads the page

    channel = server.api("channel")
    waiting = [
        channel.post(
            "/api/contacts",
            json={"queue": "chat", "channel": "chat", "customer": f"1360000{i:04d}"},
        ).json()
        for i in range(2)
    ]
    # an anonymous web chat: leaving it creates no callback task
    waiting.append(channel.post("/api/contacts", json={"queue": "chat", "channel": "chat"}).json())
    expect(row.get_by_test_id("waiting")).to_have_text(str(before + 3), timeout=5_000)
    expect(page.get_by_test_id("total-waiting")).to_have_text(str(total + 3))
    for c in waiting:
        expect(page.locator(f"[data-testid=waiting-row][data-id='{c['id']}']")).to_be_visible()

    # the server's alert rules (center config): waiting above N in that queue, abandon > 2 %
    sup = server.api("supervisor")
    for rule in (
        {"id": "wait-chat", "kind": "waiting_above", "threshold": before + 2, "queue": "chat"},
        {"id": "abandon", "kind": "abandon_rate_above", "threshold": 0.02},
    ):
        sup.post("/api/alert-rules", json=rule).raise_for_status()
    alert = page.locator("[data-testid=alert][data-kind=waiting_above][data-queue=chat]")
    expect(alert).to_be_visible(timeout=20_000)  # evaluated by the server every 5 s
    # the callers who gave up during the seeding: abandon rate above 2 %
    expect(page.locator("[data-testid=alert][data-kind=abandon_rate_above]").first).to_be_visible()

    # the anonymous chat is closed: the number drops again, still without a reload
    channel.post(f"/api/contacts/{waiting[2]['id']}/leave").raise_for_status()
    expect(row.get_by_test_id("waiting")).to_have_text(str(before + 2), timeout=5_000)

    # supervisor actions: green channel, move to another queue, force an agent's state
    page.get_by_test_id(f"green-{waiting[0]['id']}").click()
    expect(page.locator(f"[data-testid=waiting-row][data-id='{waiting[0]['id']}']")).to_have_class(
        re.compile(r"\bgreen\b")
    )
    english = page.locator("[data-testid=queue-row][data-queue=english]")
    expect(english.get_by_test_id("waiting")).to_have_text("0")
    page.get_by_test_id(f"move-{waiting[1]['id']}").select_option("english")
    expect(english.get_by_test_id("waiting")).to_have_text("1")
    expect(row.get_by_test_id("waiting")).to_have_text(str(before + 1))
    page.get_by_test_id("force-a07").select_option("not_ready")
    expect(page.locator("[data-testid=agent-row][data-agent=a07]")).to_have_attribute(
        "data-state", "not_ready"
    )
    expect(page.locator("[data-testid=agent-row][data-agent=a02]")).to_have_attribute(
        "data-state", "busy"
    )
    expect(page.locator("canvas#intraday")).to_be_visible()
    assert page.evaluate("window.__same_page") is True
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)  # let the chart settle
    screenshot(page, "wallboard")
    assert page.errors == []


# -- admin console ----------------------------------------------------------------------------


def test_the_admin_console_shows_the_api_validation_next_to_the_field(server, new_page):
    page = new_page()
    login(page, "admin")
    expect(page).to_have_url(f"{server.base}/admin")
    expect(page.locator("[data-testid=user-row][data-user=a01]")).to_be_visible()
    # agents' logins carry their names, not the login again
    expect(page.locator("[data-testid=user-row][data-user=a01]")).to_contain_text("王静")

    # a new login: the API's 422 (password too short) is shown next to the password
    page.get_by_test_id("new-username").fill("a09")
    page.get_by_test_id("new-password").fill("short")
    page.get_by_test_id("create-user").click()
    expect(page.get_by_test_id("user-error-password")).to_be_visible()
    page.get_by_test_id("new-password").fill("long-enough-9")
    page.get_by_test_id("create-user").click()
    expect(page.locator("[data-testid=user-row][data-user=a09]")).to_be_visible()
    screenshot(page, "admin-users")

    page.get_by_test_id("tab-queues").click()
    page.get_by_test_id("queue-complaints").click()
    target = page.get_by_test_id("sl-target")
    expect(target).to_have_value("80")  # a percentage on screen, 0.8 in the config
    target.fill("150")
    page.get_by_test_id("save-config").click()
    error = target.locator("xpath=following-sibling::small[@data-testid='field-error']")
    expect(error).to_be_visible()
    expect(target).to_have_class("invalid")
    expect(error).to_contain_text("百分比")  # said in the form's unit, not as a 0-1 fraction
    expect(page.get_by_test_id("save-status")).to_contain_text("queues[1].service_level.target")
    page.mouse.move(0, 0)
    screenshot(page, "admin-console")

    target.fill("85")
    page.get_by_test_id("save-config").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("2")
    expect(error).to_be_hidden()
    config = server.api("admin").get("/api/admin/config").json()
    complaints = next(q for q in config["config"]["queues"] if q["id"] == "complaints")
    assert complaints["service_level"]["target"] == 0.85
    assert config["version"] == 2
    assert page.errors == []


def test_callback_tasks_are_listed_with_their_due_time_and_worked_like_contacts(server, new_page):
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()  # signed in, not ready: nothing is offered
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "not_ready")

    # Nobody can take the call: the general queue turns it into a callback task at once.
    channel = server.api("channel")
    missed = channel.post("/api/contacts", json={"queue": "general", "customer": CUSTOMER})
    assert missed.json()["status"] == "ended"
    callbacks = page.get_by_test_id("callbacks").locator("li")
    page.reload()  # callback tasks of the queues are re-read on load (and every 30 s)
    expect(callbacks).to_have_count(1)
    expect(callbacks.first).to_contain_text("139****5678")

    page.get_by_test_id("btn-ready").click()
    offer = page.get_by_test_id("offer")
    expect(offer).to_contain_text("回拨任务")
    page.get_by_test_id("offer-accept").click()
    expect(page.get_by_test_id("contact-card")).to_contain_text("回拨")
    page.get_by_test_id("btn-not-reached").click()  # nobody answered: retried later
    expect(page.get_by_test_id("contact-card")).to_be_hidden()  # after-call work, then idle
    expect(callbacks.first).to_contain_text("已拨 1 次")
    expect(callbacks.first).to_contain_text("到期")
    assert page.errors == []


def test_hold_resume_and_transfer_to_an_agent(server, new_page):
    a02 = _ready_by_api(server, "a02")
    a02.post("/api/agents/me/state", json={"state": "not_ready", "reason": "break"})
    page = new_page()
    login(page, "a01")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    contact = server.api("channel").post("/api/contacts", json={"queue": "general"}).json()
    page.get_by_test_id("offer-accept").click()
    card = page.get_by_test_id("contact-card")
    expect(card).to_have_attribute("data-id", contact["id"])
    expect(card).to_contain_text("未知号码")  # anonymous caller: no history to look up

    page.keyboard.press("Alt+h")
    expect(card).to_contain_text("保持中")
    page.get_by_test_id("btn-hold").click()
    expect(card).to_contain_text("进行中")

    a02.post("/api/agents/me/state", json={"state": "available"}).raise_for_status()
    page.get_by_test_id("btn-transfer").click()
    page.get_by_text("转给坐席").click()
    page.get_by_test_id("transfer-agent").select_option("a02")
    page.get_by_test_id("transfer-go").click()
    expect(page.get_by_test_id("idle")).to_be_visible()
    offered = a02.get("/api/agents/me").json()["offer"]
    assert offered is not None and offered["id"] == contact["id"]
    assert page.errors == []
