"""Agent assist through the real app (SQLite and PostgreSQL): what the customer writes in a chat
picks the KB articles and answer templates, templates come filled from what the desk knows, the
agent's choice is logged and counted for the KB owners; agents reach only their own contacts."""

from __future__ import annotations

import pytest

from .test_chat_api import Customer, agent_ready, chat_app


@pytest.fixture
def client(db_url):
    with chat_app(db_url) as c:
        sup = c.as_["supervisor"]
        for name, body, category in [
            (
                "改签答复",
                "{{客户姓名|您好}}，航班 {{航班号}} 可免费改签一次，工单 {{订单号}}。",
                "航班",
            ),
            ("行李答复", "请凭行李牌到行李查询柜台登记，{{坐席}}为您跟进。", "行李"),
            ("问候", "您好，很高兴为您服务。", "通用"),
        ]:
            r = c.post(
                "/api/kb/templates",
                json={"name": name, "body": body, "category": category},
                headers=sup,
            )
            assert r.status_code == 201, r.text
        ids = []
        for title, body, category in [
            ("航班延误改签规定", "航班延误或取消时，旅客可免费改签一次或全额退票。", "航班"),
            ("行李牌遗失怎么办", "行李牌丢失时，凭身份证件和登机牌到行李查询柜台办理。", "行李"),
        ]:
            r = c.post(
                "/api/kb/articles",
                json={"title": title, "body": body, "category": category},
                headers=sup,
            )
            assert r.status_code == 201
            ids.append(r.json()["id"])
        c.article_id, c.baggage_id = ids
        yield c


def _chat_with(client, agent: str, *lines: str) -> tuple[Customer, str]:
    cust = Customer(client, phone="13812345678")
    for line in lines:
        cust.say(line)
    cust.say("转人工")
    agent_ready(client, agent)
    cid = f"chat-{cust.sid}"
    assert client.post(f"/api/contacts/{cid}/accept", headers=client.as_[agent]).status_code == 200
    return cust, cid


def test_the_customer_s_words_pick_articles_and_filled_templates(client):
    sup, a01 = client.as_["supervisor"], client.as_["a01"]
    r = client.post(
        "/api/customers",
        json={"name": "李娜", "identifiers": [{"kind": "phone", "value": "13812345678"}]},
        headers=sup,
    )
    assert r.status_code == 201, r.text
    cust, cid = _chat_with(client, "a01", "我的航班 mu5137 延误了，可以改签吗")
    out = client.get(f"/api/ui/contacts/{cid}/assist", headers=a01).json()
    assert "改签" in out["query"] and "转人工" in out["query"]
    assert out["articles"][0]["id"] == client.article_id
    assert "<mark>" in out["articles"][0]["title_html"]
    names = [t["name"] for t in out["templates"]]
    assert names[0] == "改签答复" and "问候" not in names  # a greeting fits no question
    first = out["templates"][0]
    assert first["text"].startswith("李娜，航班 MU5137 可免费改签一次")
    assert first["missing"] == ["订单号"] and "【订单号】" in first["text"]

    # the customer goes on about baggage: the newest line leads the suggestions
    cust.say("另外托运行李也没到，行李牌丢了")
    out = client.get(f"/api/ui/contacts/{cid}/assist", headers=a01).json()
    assert "行李" in out["query"] and out["latest"] == "另外托运行李也没到，行李牌丢了"
    top = [a["title"] for a in out["articles"]]
    assert "行李" in top[0] and "行李牌遗失怎么办" in top and "航班延误改签规定" in top, top
    assert [t["name"] for t in out["templates"]][:2] == ["行李答复", "改签答复"]
    agents = client.get("/api/ui/directory", headers=a01).json()["agents"]
    agent_name = next(a["name"] for a in agents if a["id"] == "a01")  # 王静 in the demo center
    assert out["templates"][0]["text"] == f"请凭行李牌到行李查询柜台登记，{agent_name}为您跟进。"

    # nobody else's agent sees this contact's suggestions
    a02 = client.as_["a02"]
    assert client.get(f"/api/ui/contacts/{cid}/assist", headers=a02).status_code == 403
    assert client.get("/api/ui/contacts/nobody/assist", headers=a01).status_code == 404


def test_a_quoted_suggestion_is_logged_and_counted(client):
    a01, sup = client.as_["a01"], client.as_["supervisor"]
    _cust, cid = _chat_with(client, "a01", "航班延误改签")
    url = f"/api/ui/contacts/{cid}/assist/used"
    ok = {"query": "航班延误改签", "article_id": client.article_id, "rank": 0}
    assert client.post(url, json=ok, headers=a01).status_code == 201
    assert client.post(url, json=ok | {"query": "飞机晚点能换票吗"}, headers=a01).status_code == 201
    tid = client.get("/api/kb/templates", headers=a01).json()[0]["id"]
    assert client.post(url, json={"template_id": tid, "query": "x"}, headers=a01).status_code == 201
    # bad input: both or neither, unknown ids, someone else's contact
    both = {"article_id": client.article_id, "template_id": tid}
    assert client.post(url, json=both, headers=a01).status_code == 422
    assert client.post(url, json={}, headers=a01).status_code == 422
    assert client.post(url, json={"article_id": 99999}, headers=a01).status_code == 404
    assert client.post(url, json=ok, headers=client.as_["a02"]).status_code == 403

    events = client.get(f"/api/contacts/{cid}/events", headers=sup).json()
    logged = [e["data"] for e in events if e["kind"] == "kb.used"]
    assert [d["article_id"] for d in logged] == [client.article_id, client.article_id, None]
    assert logged[0]["by"] == "a01"

    usage = client.get("/api/kb/usage", headers=sup).json()["items"]
    assert usage[0] == {
        "kind": "article",
        "id": client.article_id,
        "used": 2,
        "queries": [{"query": "航班延误改签", "n": 1}, {"query": "飞机晚点能换票吗", "n": 1}],
    }
    assert usage[1]["kind"] == "template" and usage[1]["used"] == 1
    assert client.get("/api/kb/usage", headers=a01).status_code == 403
    assert client.get("/api/kb/usage?from=10&to=5", headers=sup).status_code == 422


def test_a_contact_without_a_chat_gets_no_suggestions(client):
    sup = client.as_["supervisor"]
    r = client.post(
        "/api/contacts",
        json={"id": "call-1", "channel": "voice", "queue": "general", "customer": "13900000000"},
        headers=sup,
    )
    assert r.status_code in (200, 201), r.text
    out = client.get("/api/ui/contacts/call-1/assist", headers=sup).json()
    assert out == {
        "contact_id": "call-1",
        "query": "",
        "latest": "",
        "articles": [],
        "templates": [],
    }
