"""An agent works web chats from the desk, in Chromium against a real `hotline serve`.

* two customers write in the widget's API and ask for a person; the agent accepts both;
* each chat shows its own transcript live (the customer's later lines arrive without a reload,
  images included), with who wrote and when;
* the reply box sends on Enter, keeps Shift+Enter as a new line, and the customer receives it;
* an anonymous chat is labelled as a web visitor: no masked "number", no 显示号码, no 首次来电,
  and a customer who leaves while waiting makes no callback task (one who left a phone does).
"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from .conftest import Server, login, screenshot

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Customer:
    """The widget's side of the API (what widget.js sends)."""

    def __init__(self, server: Server, **start) -> None:
        self.http = httpx.Client(base_url=server.base, timeout=10)
        r = self.http.post("/api/chat/sessions", json=start)
        assert r.status_code == 201, r.text
        self.sid = r.json()["session_id"]
        self.http.headers["X-Chat-Token"] = r.json()["token"]
        self.cid = f"chat-{self.sid}"

    def say(self, text: str) -> None:
        r = self.http.post(f"/api/chat/sessions/{self.sid}/messages", json={"text": text})
        assert r.status_code == 200, r.text

    def image(self) -> None:
        r = self.http.post(
            f"/api/chat/sessions/{self.sid}/images",
            content=PNG,
            headers={"Content-Type": "image/png"},
        )
        assert r.status_code == 200, r.text

    def ask_for_agent(self) -> None:
        assert self.http.post(f"/api/chat/sessions/{self.sid}/agent").status_code == 200

    def messages(self) -> list[dict]:
        return self.http.get(f"/api/chat/sessions/{self.sid}/messages").json()["messages"]


def _desk(page, agent: str) -> None:
    login(page, agent)
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "available")


def test_an_agent_reads_and_answers_two_chats_from_the_desk(server, new_page):
    page = new_page()
    _desk(page, "a07")  # general and chat, three chats at once
    first, second = Customer(server), Customer(server)
    first.say("我的托运行李没有到，怎么办？")
    first.ask_for_agent()
    offer = page.get_by_test_id("offer")
    expect(offer).to_have_attribute("data-id", first.cid)
    # a session id is no phone number: the offer names a web visitor, nothing masked
    expect(page.get_by_test_id("offer-customer")).to_have_text("网页访客")
    box = page.get_by_test_id("offer-customer").bounding_box()
    dialog = offer.bounding_box()
    assert box["x"] + box["width"] <= dialog["x"] + dialog["width"]
    screenshot(page, "desk-chat-offer")
    page.get_by_test_id("offer-accept").click()

    second.say("请问航班延误可以改签吗")
    second.ask_for_agent()
    expect(offer).to_have_attribute("data-id", second.cid)
    page.get_by_test_id("offer-accept").click()
    items = page.get_by_test_id("contact-item")
    expect(items).to_have_count(2)

    # the first chat: its transcript, the customer's words, no phone-number controls
    page.locator(f"[data-testid=contact-item][data-id='{first.cid}']").click()
    panel = page.get_by_test_id("chat-panel")
    expect(panel).to_have_attribute("data-id", first.cid)
    transcript = page.get_by_test_id("chat-transcript")
    expect(transcript).to_contain_text("我的托运行李没有到，怎么办？")
    expect(transcript).not_to_contain_text("航班延误")  # each chat has its own transcript
    expect(page.get_by_test_id("customer")).to_have_text("网页访客")
    expect(page.get_by_test_id("reveal")).to_be_hidden()
    expect(page.get_by_test_id("contact-card")).not_to_contain_text("首次来电")
    line = transcript.locator("[data-testid=chat-line][data-sender=customer]").first
    expect(line.locator("time")).to_have_text(re.compile(r"^\d\d-\d\d \d\d:\d\d$"))  # dated

    # the customer writes again and sends a photo: both appear without a reload
    first.say("行李牌号是 CKG123456")
    expect(transcript).to_contain_text("CKG123456")
    first.image()
    img = transcript.get_by_test_id("chat-image")
    expect(img).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=chat-image]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )

    # a message to the other chat marks it unread, it does not land in this transcript
    second.say("<b>急</b> 我赶时间")
    item = page.locator(f"[data-testid=contact-item][data-id='{second.cid}']")
    unread = item.get_by_test_id("unread")
    expect(unread).to_have_text("1")
    expect(transcript).not_to_contain_text("赶时间")

    # reply: Shift+Enter is a new line, Enter sends
    reply = page.get_by_test_id("chat-reply")
    reply.click()
    page.keyboard.type("您好，已为您登记。")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("请留意短信通知。")
    assert reply.input_value() == "您好，已为您登记。\n请留意短信通知。"
    page.keyboard.press("Enter")
    expect(reply).to_have_value("")
    mine = transcript.locator("[data-testid=chat-line][data-sender=agent]")
    expect(mine).to_contain_text("请留意短信通知。")
    assert [m["body"] for m in first.messages() if m["sender"] == "agent"] == [
        "您好，已为您登记。\n请留意短信通知。"
    ]
    page.mouse.move(0, 0)
    screenshot(page, "desk-chat")

    # the other chat: what the customer typed is shown as text, never as markup
    page.locator(f"[data-testid=contact-item][data-id='{second.cid}']").click()
    expect(panel).to_have_attribute("data-id", second.cid)
    expect(transcript).to_contain_text("<b>急</b> 我赶时间")
    assert transcript.locator("b", has_text="急").count() == 0
    expect(unread).to_be_hidden()
    assert page.errors == []


def test_an_anonymous_chat_that_leaves_makes_no_callback_task_but_one_with_a_phone_does(server):
    sup = server.api("supervisor")
    anonymous, with_phone = Customer(server), Customer(server, phone="13812345678")
    for c in (anonymous, with_phone):
        c.ask_for_agent()  # nobody is ready: both wait
        assert c.http.post(f"/api/chat/sessions/{c.sid}/close").status_code == 200
    ids = {x["id"]: x for x in sup.get("/api/contacts", params={"limit": 500}).json()}
    assert f"{anonymous.cid}-cb" not in ids  # no number to call back
    task = ids[f"{with_phone.cid}-cb"]
    assert task["channel"] == "callback" and task["customer"] == "138****5678"
