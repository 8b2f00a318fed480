"""The edges every response and every write meets, through the real app: security headers on
every kind of response, the CSRF rule for cookie-authenticated writes (walked over every
state-changing route of the OpenAPI), Secure cookies over TLS, and the chat widget's CORS."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.channels.chat.settings import ChatSettings
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app

from .api_client import login, running_app

EVIL = "https://evil.example"
SELF = "http://testserver"


@pytest.fixture
def client(tmp_path):
    with running_app(f"sqlite:///{tmp_path / 'h.db'}") as c:
        yield c


def demo_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    store = open_store(url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    return url


def cookie_login(client: TestClient, user: str) -> None:
    r = client.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
    assert r.status_code == 200 and client.cookies.get("hotline_token"), r.text


# ------------------------------------------------------------------------------- headers
def test_every_kind_of_response_carries_the_security_headers(client):
    cookie_login(client, "admin")
    answers = [
        client.get(p)
        for p in (
            "/login",
            "/agent",
            "/wallboard",
            "/admin",
            "/chat/demo",
            "/api/health",
            "/api/admin/users",
            "/ui/static/common.js",
            "/chat/widget.js",
            "/api/nowhere",
            "/docs",
        )
    ]
    answers.append(client.post("/api/auth/login", json={}))  # a 422
    for r in answers:
        where = f"{r.request.url.path} ({r.status_code})"
        assert r.headers["x-content-type-options"] == "nosniff", where
        assert r.headers["x-frame-options"] == "DENY", where
        assert r.headers["referrer-policy"] == "same-origin", where
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, where
        script_src = re.search(r"script-src ([^;]*)", csp)
        if r.request.url.path != "/docs":
            assert script_src is None or "'unsafe-inline'" not in script_src.group(1), where
    json_csp = client.get("/api/health").headers["content-security-policy"]
    assert json_csp.startswith("default-src 'none'")
    # other sites may load the widget's script, nothing else
    assert client.get("/chat/widget.js").headers["cross-origin-resource-policy"] == "cross-origin"
    assert client.get("/login").headers["cross-origin-resource-policy"] == "same-origin"


def test_pages_contain_no_inline_script_or_inline_event_handler(client):
    """What the CSP forbids must not be needed: only <script src> and JSON data blocks."""
    cookie_login(client, "admin")
    pages = ["/login", "/admin", "/wallboard", "/reports", "/alerts"]
    for path in pages:
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
    cookie_login(client, "a01")
    html = client.get("/agent").text
    assert not re.search(r"\son[a-z]+\s*=", html)


# ------------------------------------------------------------------------------- CSRF
def state_changing_routes(client: TestClient) -> list[tuple[str, str]]:
    routes = []
    for path, item in client.app.openapi()["paths"].items():
        for method in item:
            if method in ("post", "put", "patch", "delete"):
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return routes


def test_a_foreign_origin_with_the_cookie_is_accepted_nowhere(client):
    cookie_login(client, "admin")
    users_before = client.get("/api/admin/users").json()
    routes = state_changing_routes(client)
    assert len(routes) > 50
    cookieless = ("/api/chat/sessions", "/api/wechat/")
    checked = 0
    for method, path in routes:
        if path.startswith(cookieless):
            continue
        refused = [{"Origin": EVIL}, {"Referer": f"{EVIL}/page"}, {"Origin": "null"}]
        if path != "/api/auth/login":  # the login reads no cookie: only a foreign page is refused
            refused.append({})  # neither Origin nor Referer
        for headers in refused:
            r = client.request(method, path, json={}, headers=headers)
            assert r.status_code == 403, (method, path, headers, r.status_code, r.text)
            assert "refused" in r.json()["detail"], r.text
        checked += 1
    assert checked > 50
    assert client.get("/api/admin/users").json() == users_before


def test_the_own_origin_and_bearer_requests_still_write(client):
    cookie_login(client, "a01")
    state = {"state": "login"}
    assert client.post("/api/agents/me/state", json=state, headers={"Origin": SELF}).is_success
    r = client.post(
        "/api/agents/me/state", json={"state": "available"}, headers={"Referer": f"{SELF}/agent"}
    )
    assert r.status_code == 200, r.text
    bearer = login(client, "a02")  # a bearer header is exempt, wherever the page came from
    r = client.post("/api/agents/me/state", json=state, headers={**bearer, "Origin": EVIL})
    assert r.status_code == 200, r.text


def test_logging_in_from_another_site_is_refused(client):
    body = {"username": "admin", "password": DEMO_PASSWORD}
    r = client.post("/api/auth/login", json=body, headers={"Origin": EVIL})
    assert r.status_code == 403 and "login" in r.json()["detail"]
    assert client.post("/api/auth/login", json=body, headers={"Origin": SELF}).status_code == 200


def test_trusted_origins_are_configurable(tmp_path):
    with running_app(
        f"sqlite:///{tmp_path / 'h.db'}", trusted_origins="https://desk.example.com"
    ) as client:
        cookie_login(client, "a01")
        r = client.post(
            "/api/agents/me/state",
            json={"state": "login"},
            headers={"Origin": "https://desk.example.com"},
        )
        assert r.status_code == 200, r.text
        r = client.post("/api/agents/me/state", json={"state": "login"}, headers={"Origin": EVIL})
        assert r.status_code == 403


def test_the_stream_refuses_a_cookie_handshake_from_another_site(client):
    cookie_login(client, "supervisor")
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/stream", headers={"Origin": EVIL}) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 4403
    with client.websocket_connect("/api/stream", headers={"Origin": SELF}) as ws:
        assert ws.receive_json()["type"] == "hello"


# ------------------------------------------------------------------------------- cookies
def test_the_login_cookie_is_secure_over_tls_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    body = {"username": "admin", "password": DEMO_PASSWORD}
    with running_app(url) as plain:
        cookie = plain.post("/api/auth/login", json=body).headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" not in cookie
        proxied = plain.post("/api/auth/login", json=body, headers={"X-Forwarded-Proto": "https"})
        assert "Secure" not in proxied.headers["set-cookie"]  # not trusted by default
    app = create_app(Settings(database_url=url))
    with TestClient(app, base_url="https://testserver") as tls:
        r = tls.post("/api/auth/login", json=body)
        assert "Secure" in r.headers["set-cookie"], r.headers
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert tls.get("/login").headers.get("set-cookie") is None
    app = create_app(Settings(database_url=url, trust_forwarded_proto=True))
    with TestClient(app) as behind_proxy:
        body = {"username": "a01", "password": DEMO_PASSWORD}
        r = behind_proxy.post("/api/auth/login", json=body, headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in r.headers["set-cookie"]
        sent = {"Cookie": f"hotline_token={r.json()['token']}", "X-Forwarded-Proto": "https"}
        behind_proxy.cookies.clear()
        for origin, status in (("https://testserver", 200), ("http://testserver", 403)):
            r = behind_proxy.post(
                "/api/agents/me/state", json={"state": "login"}, headers={**sent, "Origin": origin}
            )
            assert r.status_code == status, (origin, r.text)


# ------------------------------------------------------------------------------- widget CORS
def test_the_widget_api_answers_only_the_configured_embedding_sites(tmp_path):
    app = create_app(
        Settings(database_url=demo_db(tmp_path)),
        chat=ChatSettings(origins="https://shop.example, https://m.shop.example"),
    )
    with TestClient(app) as client:
        ok = client.post("/api/chat/sessions", json={}, headers={"Origin": "https://shop.example"})
        assert ok.status_code == 201, ok.text
        assert ok.headers["access-control-allow-origin"] == "https://shop.example"
        bad = client.post("/api/chat/sessions", json={}, headers={"Origin": EVIL})
        assert bad.status_code == 403 and "origin" in bad.json()["detail"]
        assert "access-control-allow-origin" not in bad.headers
        pre = client.options(
            "/api/chat/sessions",
            headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in pre.headers
        pre = client.options(
            "/api/chat/sessions",
            headers={"Origin": "https://m.shop.example", "Access-Control-Request-Method": "POST"},
        )
        assert pre.headers["access-control-allow-origin"] == "https://m.shop.example"


def test_by_default_any_site_may_embed_the_widget(client):
    r = client.post("/api/chat/sessions", json={}, headers={"Origin": EVIL})
    assert r.status_code == 201 and r.headers["access-control-allow-origin"] == "*"
