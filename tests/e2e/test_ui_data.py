"""The UI's read-only endpoints and page gates, on SQLite and PostgreSQL (no browser), and the
word table: every key a page uses exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.store import ROLES
from hotline.web.ui import i18n

from ..integration.api_client import login, running_app

UI = Path(i18n.__file__).parent


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.as_ = {u: login(c, u) for u in ("supervisor", "channel", "a01", "a02")}
        c.cookies.clear()
        yield c


def _ready(client, user):
    for state in ("login", "available"):
        r = client.post("/api/agents/me/state", json={"state": state}, headers=client.as_[user])
        assert r.status_code == 200, r.text


def test_desk_card_and_wallboard_data(client):
    a01, a02, sup, ch = (client.as_[u] for u in ("a01", "a02", "supervisor", "channel"))
    _ready(client, "a02")
    first = client.post(
        "/api/contacts", json={"queue": "general", "customer": "13812345678"}, headers=ch
    ).json()
    client.post(f"/api/contacts/{first['id']}/accept", headers=a02).raise_for_status()
    done = {"wrap_up_s": 0, "disposition": "lost_item", "note": "背包"}
    client.post(f"/api/contacts/{first['id']}/complete", json=done, headers=a02)
    client.post("/api/agents/me/state", json={"state": "offline"}, headers=a02)

    _ready(client, "a01")
    second = client.post(
        "/api/contacts", json={"queue": "general", "customer": "13812345678"}, headers=ch
    ).json()
    desk = client.get("/api/ui/desk", headers=a01).json()
    assert desk["agent"]["state"] == "reserved" and desk["agent"]["name"] == "王静"
    assert desk["offer"]["id"] == second["id"]
    assert desk["offer"]["expires_at"] == pytest.approx(desk["now"] + 15, abs=2)
    assert desk["offer"]["customer"] == "138****5678"
    assert "general" in desk["queues"]

    card = client.get(f"/api/ui/contacts/{second['id']}/card", headers=a01).json()
    assert card["repeat"] is True
    assert [h["id"] for h in card["history"]] == [first["id"]]
    assert card["history"][0]["disposition"] == "lost_item"
    assert card["history"][0]["customer"] == "138****5678"
    # an agent sees only the cards of their own contacts
    assert client.get(f"/api/ui/contacts/{second['id']}/card", headers=a02).status_code == 403

    live = client.get("/api/ui/wallboard/live", headers=sup).json()
    assert {q["id"] for q in live["queues"]} >= {"general", "chat"}
    assert next(a for a in live["agents"] if a["id"] == "a01")["name"] == "王静"
    stats = client.get("/api/ui/wallboard/stats", headers=sup).json()
    assert stats["handled_today"] == {"a02": 1}
    assert stats["queues"]["general"]["today"]["offered"] == 2
    assert sum(b["offered"] for b in stats["intraday"]) == 2
    assert stats["intraday"][0]["t"] == stats["day_start"]

    directory = client.get("/api/ui/directory", headers=a01).json()
    assert {"id": "a02", "name": "李娜", "state": "offline", "team": None} in directory["agents"]


def test_ui_endpoints_check_roles(client):
    assert client.get("/api/ui/desk").status_code == 401
    assert client.get("/api/ui/wallboard/live", headers=client.as_["a01"]).status_code == 403
    assert client.get("/api/ui/wallboard/stats", headers=client.as_["a01"]).status_code == 403
    assert client.get("/api/ui/desk", headers=client.as_["supervisor"]).status_code == 403
    assert client.get("/api/ui/directory", headers=client.as_["channel"]).status_code == 403


def test_pages_need_the_cookie_and_the_role(client):
    for path in ("/", "/agent", "/wallboard", "/admin"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    r = client.post("/api/auth/login", json={"username": "a01", "password": "hotline-demo"})
    assert r.status_code == 200
    assert client.get("/agent").status_code == 200
    assert client.get("/wallboard").status_code == 403
    assert client.get("/admin").status_code == 403
    assert client.get("/ui/static/../pages.py").status_code == 404
    assert client.get("/ui/static/app.css").status_code == 200


def test_every_word_a_page_uses_exists_in_both_languages():
    used: set[str] = set()
    for path in [*UI.glob("templates/*.html"), *UI.glob("static/*.js")]:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"""\bt\(\s*'([a-z0-9_.]+)'""", text))
        used |= set(re.findall(r"""\bT\(\s*["']([a-z0-9_.]+)["']""", text))
    dynamic = {f"state.{s.value}" for s in AgentState}
    dynamic |= {f"channel.{c.value}" for c in Channel}
    dynamic |= {f"status.{s.value}" for s in ContactStatus}
    dynamic |= {f"outcome.{o.value}" for o in Outcome}
    dynamic |= {f"role.{r}" for r in ROLES}
    dynamic |= {f"offer.title.{c.value}" for c in Channel}
    used = {k for k in used if not k.endswith(".")}  # "state." + value: covered by `dynamic`
    missing = sorted((used | dynamic) - set(i18n.STRINGS))
    assert not missing, missing
    assert all(zh and en for zh, en in i18n.STRINGS.values())
