"""Agents' desk-phone passwords through the API: admins set them, only HA1 is kept, and the
gateway's registrar gets the HA1s of agents whose login is active - nobody else sees them."""

from __future__ import annotations

import hashlib

import pytest

from .api_client import login, running_app

PASSWORD = "Desk-Phone-Pass-7391"


@pytest.fixture
def api(db_url):
    with running_app(db_url) as client:
        client.admin = login(client, "admin")
        client.channel = login(client, "channel")
        yield client


def _ha1(user: str, password: str, realm: str = "hotline") -> str:
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


def test_admin_sets_a_password_and_the_registrar_gets_only_its_ha1(api):
    r = api.put("/api/admin/phones/a01", json={"password": PASSWORD}, headers=api.admin)
    assert r.status_code == 200, r.text
    assert r.json()["realm"] == "hotline"
    listed = api.get("/api/admin/phones", headers=api.admin).json()
    assert [(p["agent_id"], p["login_active"], p["updated_by"]) for p in listed] == [
        ("a01", True, "admin")
    ]
    assert "ha1" not in listed[0] and PASSWORD not in r.text + str(listed)
    creds = api.get("/api/voice/phones/credentials", headers=api.channel).json()
    assert creds == [{"user": "a01", "realm": "hotline", "ha1": _ha1("a01", PASSWORD)}]


def test_a_new_password_replaces_the_old_one_and_a_deleted_one_is_gone(api):
    api.put("/api/admin/phones/a01", json={"password": PASSWORD}, headers=api.admin)
    other = "Another-Desk-Pass-2210"
    api.put("/api/admin/phones/a01", json={"password": other}, headers=api.admin)
    creds = api.get("/api/voice/phones/credentials", headers=api.channel).json()
    assert [c["ha1"] for c in creds] == [_ha1("a01", other)]
    assert api.delete("/api/admin/phones/a01", headers=api.admin).status_code == 204
    assert api.get("/api/voice/phones/credentials", headers=api.channel).json() == []
    assert api.delete("/api/admin/phones/a01", headers=api.admin).status_code == 404


def test_a_disabled_login_takes_its_phone_credential_out_of_the_registrar(api):
    api.put("/api/admin/phones/a01", json={"password": PASSWORD}, headers=api.admin)
    users = api.get("/api/admin/users", headers=api.admin).json()
    a01 = next(u for u in users if u["username"] == "a01")
    r = api.patch(f"/api/admin/users/{a01['id']}", json={"active": False}, headers=api.admin)
    assert r.status_code == 200, r.text
    assert api.get("/api/voice/phones/credentials", headers=api.channel).json() == []
    listed = api.get("/api/admin/phones", headers=api.admin).json()
    assert [(p["agent_id"], p["login_active"]) for p in listed] == [("a01", False)]


@pytest.mark.parametrize(
    ("agent", "body", "status", "why"),
    [
        ("a01", {"password": "short"}, 422, "at least"),
        ("a01", {"password": "a01-and-more-chars"}, 422, "user name"),
        ("a01", {"password": PASSWORD, "realm": "bad realm"}, 422, "realm"),
        ("a01", {"password": PASSWORD, "extra": 1}, 422, "extra"),
        ("nobody", {"password": PASSWORD}, 404, "no login is linked"),
        ("a:01", {"password": PASSWORD}, 422, "agent_id"),
    ],
)
def test_bad_input_is_refused_with_a_reason(api, agent, body, status, why):
    r = api.put(f"/api/admin/phones/{agent}", json=body, headers=api.admin)
    assert r.status_code == status, r.text
    assert why in r.text
    assert api.get("/api/voice/phones/credentials", headers=api.channel).json() == []


def test_the_registrar_reports_phones_and_the_agent_view_shows_it(api):
    a01 = login(api, "a01")
    assert api.get("/api/agents/me", headers=a01).json()["phone_registered"] is None
    body = {"agents": {"a01": False, "ghost": True}}
    r = api.post("/api/voice/phones/registrations", json=body, headers=api.channel)
    assert r.status_code == 200, r.text
    assert r.json() == {"unknown": ["ghost"]}
    assert api.get("/api/agents/me", headers=a01).json()["phone_registered"] is False
    bad = {"agents": {"a:01": True}}
    r = api.post("/api/voice/phones/registrations", json=bad, headers=api.channel)
    assert r.status_code == 422, r.text
