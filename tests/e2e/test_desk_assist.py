"""Agent assist on the desk, in Chromium against a real `hotline serve`.

A supervisor writes answer templates and articles through the API; a customer writes in the
widget and asks for a person; the agent accepts. The desk then suggests, live:

* the answer template for what the customer asked, filled with the flight number they typed
  and the agent's name, the field it cannot know shown as 待填;
* new lines from the customer re-rank the suggestions without a reload;
* one click puts the filled template in the reply box; sending it reaches the customer, and the
  choice is logged (`kb.used`, counted by /api/kb/usage).
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import login, screenshot
from .test_desk_chat import Customer


def _seed(server) -> dict[str, int]:
    sup = server.api("supervisor")
    ids = {}
    for name, body, category in [
        (
            "改签答复",
            "您好，航班 {{航班号}} 可免费改签一次，工单号 {{订单号}}。{{坐席}}为您服务。",
            "航班",
        ),
        ("行李答复", "请凭行李牌到到达层行李查询柜台登记，我们会在24小时内联系您。", "行李"),
        ("问候", "您好，很高兴为您服务。", "通用"),
    ]:
        r = sup.post("/api/kb/templates", json={"name": name, "body": body, "category": category})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    for title, body, category in [
        ("航班延误改签规定", "航班延误或取消时，旅客可免费改签一次或全额退票。", "航班"),
        ("托运行李未到达", "托运行李未到达，请到到达层行李查询柜台登记。", "行李"),
    ]:
        r = sup.post("/api/kb/articles", json={"title": title, "body": body, "category": category})
        assert r.status_code == 201, r.text
        ids[title] = r.json()["id"]
    return ids


def test_the_desk_suggests_filled_templates_as_the_customer_writes(server, new_page):
    ids = _seed(server)
    page = new_page()
    login(page, "a07")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "available")

    cust = Customer(server)
    cust.say("我的航班 mu5137 延误了，能改签吗？")
    cust.ask_for_agent()
    expect(page.get_by_test_id("offer")).to_have_attribute("data-id", cust.cid)
    page.get_by_test_id("offer-accept").click()

    assist = page.get_by_test_id("assist")
    expect(assist).to_be_visible()
    first = assist.get_by_test_id("assist-template").first
    expect(first).to_have_attribute("data-id", str(ids["改签答复"]))
    expect(first).to_contain_text("航班 MU5137 可免费改签一次")
    expect(first).to_contain_text("待填：订单号")
    expect(assist.locator(f"[data-testid=assist-template][data-id='{ids['问候']}']")).to_have_count(
        0
    )
    expect(assist.get_by_test_id("assist-article").first).to_have_attribute(
        "data-id", str(ids["航班延误改签规定"])
    )
    assert assist.get_by_test_id("assist-article").first.locator("mark").count() > 0

    # the customer moves on to baggage: the suggestions follow without a reload
    cust.say("还有，托运行李也没到，行李牌丢了")
    expect(first).to_have_attribute("data-id", str(ids["行李答复"]))
    expect(page.get_by_test_id("assist-query")).to_have_text(
        "依据：还有，托运行李也没到，行李牌丢了"
    )
    expect(assist.get_by_test_id("assist-article").first).to_have_attribute(
        "data-id", str(ids["托运行李未到达"])
    )
    page.mouse.move(0, 0)
    screenshot(page, "desk-assist")

    # quote the flight template into the reply box, complete the missing field, send it
    flight = assist.locator(f"[data-testid=assist-template][data-id='{ids['改签答复']}']")
    flight.get_by_test_id("assist-quote-template").click()
    reply = page.get_by_test_id("chat-reply")
    expect(reply).to_be_focused()
    text = reply.input_value()
    assert text.startswith("您好，航班 MU5137 可免费改签一次，工单号 【订单号】。")
    agent_name = next(
        a["name"]
        for a in server.api("a07").get("/api/ui/directory").json()["agents"]
        if a["id"] == "a07"
    )
    assert text.endswith(f"{agent_name}为您服务。") and "{{" not in text
    expect(flight).to_contain_text("已引用")
    reply.fill(text.replace("【订单号】", "WO-1"))
    page.get_by_test_id("chat-send").click()
    expect(reply).to_have_value("")
    sent = [m["body"] for m in cust.messages() if m["sender"] == "agent"]
    assert sent[-1].startswith("您好，航班 MU5137 可免费改签一次，工单号 WO-1。")

    # the choice is logged for the KB owners
    sup = server.api("supervisor")
    events = sup.get(f"/api/contacts/{cust.cid}/events").json()
    used = [e["data"] for e in events if e["kind"] == "kb.used"]
    assert used == [
        {
            "query": used[0]["query"],
            "article_id": None,
            "template_id": ids["改签答复"],
            "rank": 1,
            "by": "a07",
        }
    ]
    assert "行李" in used[0]["query"]
    items = sup.get("/api/kb/usage").json()["items"]
    assert items[0]["kind"] == "template" and items[0]["id"] == ids["改签答复"]
    assert page.errors == []


def test_assist_speaks_english_and_quotes_an_article_into_the_reply(server, new_page):
    ids = _seed(server)
    page = new_page("en")
    login(page, "a07")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    cust = Customer(server)
    cust.say("托运行李没到怎么办")
    cust.ask_for_agent()
    page.get_by_test_id("offer-accept").click()
    assist = page.get_by_test_id("assist")
    expect(assist).to_contain_text("Agent assist")
    article = assist.locator(f"[data-testid=assist-article][data-id='{ids['托运行李未到达']}']")
    button = article.get_by_test_id("assist-quote-article")
    expect(button).to_have_text("Use in reply")
    button.click()
    expect(page.get_by_test_id("chat-reply")).to_have_value(
        "托运行李未到达，请到到达层行李查询柜台登记。"
    )
    expect(article).to_contain_text("Quoted")
    assert page.errors == []
