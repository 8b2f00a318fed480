"""Specification: logins resist guessing, and chosen passwords follow the policy.

Against the real app (lifespan, store) on SQLite and PostgreSQL. The timing and flood probes
run a real `hotline serve` process with production argon2 (test_login_timing.py).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from hotline.bootstrap import DEMO_PASSWORD
from hotline.cli import app as cli
from hotline.web.login_guard import Busy, HashPool

from .api_client import login, running_app

LOGIN = "/api/auth/login"


def attempt(client, username, password="not-the-password"):
    return client.post(LOGIN, json={"username": username, "password": password})


def audit(client, action):
    return client.app.state.service.store.audit_entries(1000, action=action)


@pytest.fixture
def client(db_url):
    with running_app(db_url, login_max_failures=5, login_address_failures=1000) as c:
        c.admin = login(c, "admin")
        c.cookies.clear()
        yield c


def test_five_wrong_passwords_lock_the_name_even_for_the_right_password(client):
    for _ in range(4):
        assert attempt(client, "supervisor").status_code == 401
    r = attempt(client, "supervisor")
    assert r.status_code == 423
    assert int(r.headers["Retry-After"]) > 0 and "locked" in r.json()["detail"]
    r = attempt(client, "supervisor", DEMO_PASSWORD)
    assert r.status_code == 423 and int(r.headers["Retry-After"]) > 800
    failed = [e for e in audit(client, "login_failed") if e.user == "supervisor"]
    assert len(failed) == 5 and failed[0].data["known"] is True
    assert [e.target for e in audit(client, "login_locked")] == ["user:supervisor"]


def test_a_right_password_before_the_limit_starts_the_count_again(client):
    for _ in range(4):
        assert attempt(client, "a01").status_code == 401
    assert attempt(client, "a01", DEMO_PASSWORD).status_code == 200
    for _ in range(4):
        assert attempt(client, "a01").status_code == 401
    assert attempt(client, "a01", DEMO_PASSWORD).status_code == 200


def test_an_admin_lifts_a_lockout_and_it_is_audited(client):
    for _ in range(5):
        attempt(client, "a02")
    users = client.get("/api/admin/users", headers=client.admin).json()
    a02 = next(u for u in users if u["username"] == "a02")
    assert a02["locked_until"] > time.time()
    a01 = login(client, "a01")
    path = f"/api/admin/users/{a02['id']}/unlock"
    assert client.post(path, headers=a01).status_code == 403
    r = client.post(path, headers=client.admin)
    assert r.status_code == 200 and r.json()["unlocked"] is True
    assert r.json()["locked_until"] is None
    assert attempt(client, "a02", DEMO_PASSWORD).status_code == 200
    unlocks = audit(client, "unlock_user")
    assert [(e.user, e.target) for e in unlocks] == [("admin", "user:a02")]
    assert client.post("/api/admin/users/99999/unlock", headers=client.admin).status_code == 404


def test_an_unknown_name_locks_the_same_way_so_the_lockout_reveals_nothing(client):
    answers = [attempt(client, "nobody-here").status_code for _ in range(6)]
    assert answers == [401, 401, 401, 401, 423, 423]
    assert audit(client, "login_failed")[0].data["known"] is False


def test_the_lockout_survives_a_restart(db_url):
    with running_app(db_url, login_max_failures=3) as c:
        for _ in range(3):
            attempt(c, "a03")
    with running_app(db_url, login_max_failures=3) as c:
        assert attempt(c, "a03", DEMO_PASSWORD).status_code == 423


def test_a_lockout_ends_by_itself_after_its_time(db_url):
    with running_app(db_url, login_max_failures=2, login_lockout_s=1.0) as c:
        attempt(c, "a04")
        assert attempt(c, "a04").status_code == 423
        time.sleep(1.2)
        assert attempt(c, "a04", DEMO_PASSWORD).status_code == 200


def test_one_address_trying_many_names_is_slowed_down_with_429(db_url):
    with running_app(db_url, login_address_failures=8, login_address_window_s=60) as c:
        for i in range(8):
            assert attempt(c, f"spray{i}").status_code == 401
        r = attempt(c, "admin", DEMO_PASSWORD)
        assert r.status_code == 429 and "address" in r.json()["detail"]
        assert 0 < int(r.headers["Retry-After"]) <= 61


# -- password policy --------------------------------------------------------------------------


def new_user(client, password, username="zhangwei", **kw):
    body = {"username": username, "password": password, "role": "agent", **kw}
    return client.post("/api/admin/users", json=body, headers=client.admin)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("nine-char", "min_length"),
        ("ZhangWei-2026!", "user_name"),
        ("Password123", "common"),
        ("1q2w3e4r5t", "common"),
    ],
)
def test_a_new_login_with_a_weak_password_is_refused_naming_field_and_rule(client, password, rule):
    r = new_user(client, password)
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "password"] and problem["type"] == f"password_policy.{rule}"
    assert problem["msg"].startswith("password ")
    names = {u["username"] for u in client.get("/api/admin/users", headers=client.admin).json()}
    assert "zhangwei" not in names


def test_the_demo_password_and_a_sound_one_are_accepted(client):
    assert new_user(client, DEMO_PASSWORD, "demo1").status_code == 201
    r = new_user(client, "blue-kettle-river-9")
    assert r.status_code == 201
    assert attempt(client, "zhangwei", "blue-kettle-river-9").status_code == 200


def test_a_password_reset_follows_the_policy(client):
    r = new_user(client, "blue-kettle-river-9")
    path = f"/api/admin/users/{r.json()['id']}"
    r = client.patch(path, json={"password": "zhangwei12345"}, headers=client.admin)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "password_policy.user_name"
    r = client.patch(path, json={"password": "qwertyuiop"}, headers=client.admin)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "password_policy.common"
    r = client.patch(path, json={"password": "green-teapot-lake-4"}, headers=client.admin)
    assert r.status_code == 200
    assert attempt(client, "zhangwei", "green-teapot-lake-4").status_code == 200


# -- the command line -------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_the_cli_applies_the_policy_and_unlocks_a_name(db_url):
    with running_app(db_url, login_max_failures=2) as c:
        attempt(c, "a05")
        attempt(c, "a05")
        assert attempt(c, "a05", DEMO_PASSWORD).status_code == 423
        r = run("user", "add", "liming", "--role", "agent", "--database-url", db_url,
                input="liming-2026\nliming-2026\n")  # fmt: skip
        assert r.exit_code == 2 and "user name" in r.output and "rule: user_name" in r.output
        r = run("user", "passwd", "a06", "--database-url", db_url,
                input="password123\npassword123\n")  # fmt: skip
        assert r.exit_code == 2 and "rule: common" in r.output
        assert "a05" in run("user", "list", "--database-url", db_url).output
        r = run("user", "unlock", "a05", "--database-url", db_url)
        assert r.exit_code == 0 and "a05 unlocked" in r.output
        assert attempt(c, "a05", DEMO_PASSWORD).status_code == 200
        assert run("user", "unlock", "nobody", "--database-url", db_url).exit_code == 2
        unlocks = audit(c, "unlock_user")
        assert [(e.user, e.target) for e in unlocks] == [("hotline user unlock", "user:a05")]


def test_password_checks_beyond_the_pool_and_its_queue_are_refused_at_once():
    pool = HashPool(workers=1, queue=1)

    async def three_at_once():
        async def slow():
            return await pool.run(lambda: time.sleep(0.3) or "checked")

        return await asyncio.gather(slow(), slow(), slow(), return_exceptions=True)

    try:
        # Its own thread: a browser test's Playwright loop may be running on this one.
        with ThreadPoolExecutor(1) as runner:
            results = runner.submit(asyncio.run, three_at_once()).result()
    finally:
        pool.close()
    assert results.count("checked") == 2
    assert sum(isinstance(r, Busy) for r in results) == 1
