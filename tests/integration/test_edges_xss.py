"""XSS payloads in every user-supplied text the server renders, through the real app: the chat
demo page's query parameters (a reflected XSS on the desk's own origin before), display names,
center and agent names in the pages, the login page's `next`, and the KB's search snippets.
Texts the pages draw from JSON (chat messages, notes, customer names) come back unchanged as
`application/json` that no browser may sniff or run; that the screens draw them as text is
checked in a real browser (tests/e2e/test_edges_browser.py)."""

from __future__ import annotations

import re

import pytest

from hotline.bootstrap import DEMO_PASSWORD

from .api_client import login, running_app

PAYLOAD = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>'
SHORT = "</script><img src=x onerror=alert(1)>"  # fits a 64-character field


@pytest.fixture
def client(tmp_path):
    with running_app(f"sqlite:///{tmp_path / 'h.db'}") as c:
        c.as_ = {u: login(c, u) for u in ("admin", "supervisor", "channel", "a01")}
        c.cookies.clear()
        yield c


def assert_inert(html: str) -> None:
    """No tag or attribute of the payload made it into the markup as markup."""
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "onerror=alert" not in html or "onerror=alert(1)&gt;" in html or "\\u003e" in html


def test_demo_page_refuses_script_in_api_and_lang(client):
    for query in (
        {"api": PAYLOAD},
        {"api": 'http://127.0.0.1:8000/"><script>alert(1)</script>'},
        {"api": "javascript:alert(1)"},
        {"lang": PAYLOAD},
        {"lang": 'en" onload="alert(1)'},
    ):
        r = client.get("/chat/demo", params=query)
        assert r.status_code == 422, (query, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert_inert(r.text)
        assert next(iter(query)) in r.json()["detail"]  # names the parameter


def test_demo_page_writes_a_valid_origin_and_language_escaped_and_allows_only_them(client):
    r = client.get("/chat/demo", params={"api": "https://hotline.example:8443/", "lang": "en"})
    assert r.status_code == 200, r.text
    assert '<script src="https://hotline.example:8443/chat/widget.js" data-lang="en"' in r.text
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert script_src == ["'self'", "https://hotline.example:8443"]


def test_display_name_is_escaped_in_every_page(client):
    user = {"username": "sup2", "password": "long-enough-1", "role": "supervisor"}
    r = client.post(
        "/api/admin/users", json=user | {"display_name": SHORT}, headers=client.as_["admin"]
    )
    assert r.status_code == 201, r.text
    r = client.post("/api/auth/login", json={"username": "sup2", "password": "long-enough-1"})
    assert r.status_code == 200
    page = client.get("/wallboard")
    assert page.status_code == 200
    assert_inert(page.text)
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text  # the top bar
    config = re.search(r'id="hotline-config">(.*?)</script>', page.text, re.S).group(1)
    assert "\\u003c/script\\u003e\\u003cimg" in config  # the JSON block for the scripts


def test_center_and_agent_names_are_escaped_in_the_pages(client):
    admin = client.as_["admin"]
    config = client.get("/api/admin/config", headers=admin).json()["config"]
    config["center"]["name"] = SHORT
    agent = next(a for a in config["agents"] if a["id"] == "a01")
    agent["name"] = SHORT
    r = client.put("/api/admin/config", json=config, headers=admin)
    assert r.status_code == 200, r.text
    login_page = client.get("/login")
    assert_inert(login_page.text)
    assert "<title>" in login_page.text and "&lt;/script&gt;" in login_page.text
    client.post("/api/auth/login", json={"username": "a01", "password": DEMO_PASSWORD})
    desk = client.get("/agent")
    assert desk.status_code == 200
    assert_inert(desk.text)


def test_login_next_parameter_is_not_reflected_as_markup(client):
    for nxt in (PAYLOAD, "/agent" + PAYLOAD, "javascript:alert(1)", "//evil.example"):
        r = client.get("/login", params={"next": nxt})
        assert r.status_code == 200
        assert_inert(r.text)
        assert "javascript:alert" not in r.text and "//evil.example" not in r.text


def test_kb_search_snippets_escape_the_article_and_mark_only_the_match(client):
    sup = client.as_["supervisor"]
    article = {
        "title": f"行李遗失 {PAYLOAD}",
        "body": f"托运行李未到达 {PAYLOAD} 请到行李查询柜台登记。<b onmouseover=alert(3)>x</b>",
    }
    assert client.post("/api/kb/articles", json=article, headers=sup).status_code == 201
    hits = client.get("/api/kb/search", params={"q": "行李"}, headers=client.as_["a01"]).json()
    (hit,) = hits["hits"]
    for html in (hit["title_html"], hit["snippet_html"]):
        without_marks = re.sub(r"</?mark>", "", html)
        assert "<" not in without_marks and ">" not in without_marks, html
        assert "&lt;" in html and "<mark>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in hit["title_html"]


def test_json_answers_return_payloads_unchanged_and_unsniffable(client):
    a01, channel = client.as_["a01"], client.as_["channel"]
    start = client.post("/api/chat/sessions", json={}).json()
    sid, token = start["session_id"], start["token"]
    r = client.post(
        f"/api/chat/sessions/{sid}/messages",
        json={"text": PAYLOAD},
        headers={"X-Chat-Token": token},
    )
    assert r.status_code == 200
    customer = client.post(
        "/api/customers",
        json={"identifiers": [{"kind": "phone", "value": "13900000001"}], "name": SHORT},
        headers=client.as_["supervisor"],
    )
    for state in ("login", "available"):
        client.post("/api/agents/me/state", json={"state": state}, headers=a01)
    cid = client.post(
        "/api/contacts", json={"queue": "general", "customer": "13900000001"}, headers=channel
    ).json()["id"]
    client.post(f"/api/contacts/{cid}/accept", headers=a01)
    note = client.post(f"/api/contacts/{cid}/note", json={"note": PAYLOAD}, headers=a01)
    answers = [
        client.get(f"/api/chat/sessions/{sid}/messages", headers={"X-Chat-Token": token}),
        customer,
        note,
        client.get(f"/api/ui/contacts/{cid}/card", headers=a01),
    ]
    for r in answers:
        assert r.status_code in (200, 201), r.text
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
    bodies = [m["body"] for m in answers[0].json()["messages"]]
    assert PAYLOAD in bodies  # stored and returned as the customer typed it
    assert customer.json()["name"] == SHORT
