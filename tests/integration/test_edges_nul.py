"""NUL characters (U+0000) are refused at the edge with a 422 naming the field, on SQLite and
PostgreSQL alike (PostgreSQL cannot store them: before, a NUL was a 500 - unauthenticated on
login - and through POST /api/contacts a 503 that rebuilt the router and withdrew offers)."""

from __future__ import annotations

import json

import pytest

from .api_client import login, running_app

NUL = "\u0000"


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.as_ = {u: login(c, u) for u in ("admin", "supervisor", "channel", "a01")}
        c.cookies.clear()
        yield c


def refused_at(r, *loc) -> None:
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == list(loc), error
    assert "NUL" in error["msg"]


def test_login_with_a_nul_is_422_not_500(client):
    r = client.post("/api/auth/login", json={"username": f"admin{NUL}", "password": "x"})
    refused_at(r, "body", "username")
    r = client.post("/api/auth/login", json={"username": "admin", "password": f"a{NUL}b"})
    refused_at(r, "body", "password")


def test_widget_chat_message_with_a_nul_is_422(client):
    start = client.post("/api/chat/sessions", json={"language": "zh-CN"})
    assert start.status_code == 201, start.text
    sid, token = start.json()["session_id"], start.json()["token"]
    r = client.post(
        f"/api/chat/sessions/{sid}/messages",
        json={"text": f"行李{NUL}丢了"},
        headers={"X-Chat-Token": token},
    )
    refused_at(r, "body", "text")
    ok = client.post(
        f"/api/chat/sessions/{sid}/messages",
        json={"text": "行李丢了"},
        headers={"X-Chat-Token": token},
    )
    assert ok.status_code == 200, ok.text


def test_display_name_with_a_nul_is_422(client):
    body = {"username": "newbie", "password": "long-enough-1", "role": "agent"}
    r = client.post(
        "/api/admin/users", json=body | {"display_name": f"王{NUL}"}, headers=client.as_["admin"]
    )
    refused_at(r, "body", "display_name")
    assert all(
        u["username"] != "newbie"
        for u in client.get("/api/admin/users", headers=client.as_["admin"]).json()
    )


def test_kb_article_with_a_nul_is_422_in_any_field_even_nested(client):
    article = {"title": "行李", "body": "遗失行李请到服务台。", "tags": ["行李"]}
    sup = client.as_["supervisor"]
    refused_at(
        client.post("/api/kb/articles", json=article | {"body": f"x{NUL}"}, headers=sup),
        "body",
        "body",
    )
    refused_at(
        client.post("/api/kb/articles", json=article | {"tags": ["ok", f"b{NUL}"]}, headers=sup),
        "body",
        "tags",
        1,
    )
    assert client.post("/api/kb/articles", json=article, headers=sup).status_code == 201


def test_customer_lookup_with_a_nul_in_the_query_is_422(client):
    r = client.get(
        "/api/customers/lookup", params={"identifier": f"138{NUL}"}, headers=client.as_["channel"]
    )
    refused_at(r, "query", "identifier")
    r = client.get(
        "/api/customers/lookup", params={"identifier": "13800000000"}, headers=client.as_["channel"]
    )
    assert r.status_code == 200, r.text


def test_a_nul_in_a_path_parameter_names_the_parameter(client):
    r = client.get("/api/contacts/abc%00def", headers=client.as_["supervisor"])
    refused_at(r, "path", "contact_id")


def test_a_nul_in_a_json_key_in_a_utf16_body_and_in_a_form_is_422(client):
    r = client.post("/api/auth/login", json={"username": "a", "password": "b", f"k{NUL}": 1})
    refused_at(r, "body", f"k{NUL}")
    encoded = json.dumps({"username": f"a{NUL}", "password": "b"}).encode("utf-16")
    r = client.post(
        "/api/auth/login", content=encoded, headers={"Content-Type": "application/json"}
    )
    refused_at(r, "body", "username")
    r = client.post(
        "/api/auth/login",
        content=b"username=a%00&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    refused_at(r, "body", "username")


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client):
    r = client.post(
        "/api/auth/login",
        content=b'{"username": "a\\\\u0000", "password": "b"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 401, r.text  # "a\u0000" as six characters: just a wrong login


def test_a_nul_contact_is_refused_and_the_pending_offer_survives(client):
    a01, channel = client.as_["a01"], client.as_["channel"]
    for state in ("login", "available"):
        assert client.post("/api/agents/me/state", json={"state": state}, headers=a01).is_success
    r = client.post(
        "/api/contacts", json={"queue": "general", "customer": "13812345678"}, headers=channel
    )
    assert r.status_code == 201, r.text
    offered = r.json()["id"]
    assert client.get("/api/agents/me", headers=a01).json()["offer"]["id"] == offered

    r = client.post(
        "/api/contacts", json={"queue": "general", "customer": f"138{NUL}"}, headers=channel
    )
    refused_at(r, "body", "customer")

    me = client.get("/api/agents/me", headers=a01).json()
    assert me["state"] == "reserved" and me["offer"]["id"] == offered
    assert client.post(f"/api/contacts/{offered}/accept", headers=a01).status_code == 200
