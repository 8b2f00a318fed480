"""Admin console, logins: a user locked out after failed logins is unlocked with one button
(and the unlock is audited); the API's refusals are worded in the admin's language.
"""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from hotline.bootstrap import DEMO_PASSWORD
from hotline.store import open_store

from .conftest import login, screenshot


def _lock_out(server, username: str) -> None:
    """Five wrong passwords (the default `login_max_failures`) lock the user name."""
    for _ in range(5):
        r = httpx.post(
            f"{server.base}/api/auth/login", json={"username": username, "password": "wrong-pw-1"}
        )
        assert r.status_code in (401, 423), r.text
    r = httpx.post(
        f"{server.base}/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert r.status_code == 423, r.text  # even the right password waits out the lock


def test_the_admin_unlocks_a_locked_out_user_and_it_is_audited(server, new_page):
    _lock_out(server, "a03")
    page = new_page()
    login(page, "admin")
    row = page.locator("[data-testid=user-row][data-user=a03]")
    expect(row.get_by_test_id("locked")).to_be_visible()
    expect(row.get_by_test_id("locked")).to_contain_text("已锁定至")
    expect(
        page.locator("[data-testid=user-row][data-user=a01]").get_by_test_id("unlock")
    ).to_be_hidden()
    screenshot(page, "admin-locked-user")
    row.get_by_test_id("unlock").click()
    expect(row.get_by_test_id("locked")).to_be_hidden()
    expect(row.get_by_test_id("unlock")).to_be_hidden()
    r = httpx.post(
        f"{server.base}/api/auth/login", json={"username": "a03", "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200, r.text
    store = open_store(f"sqlite:///{server.db}")
    try:
        entries = store.audit_entries(10, action="unlock_user")
    finally:
        store.close()
    assert [(e.user, e.target) for e in entries] == [("admin", "user:a03")]
    assert page.errors == []


def test_user_form_refusals_are_worded_in_the_admins_language(server, new_page):
    for lang, short, common in (
        ("zh-CN", "至少 8 个字符", "这是常见密码，请换一个"),
        ("en", "must have at least 8 characters", "is a commonly used password"),
    ):
        page = new_page(lang)
        login(page, "admin")
        page.get_by_test_id("new-username").fill("a09")
        page.get_by_test_id("new-password").fill("short")
        page.get_by_test_id("create-user").click()
        expect(page.get_by_test_id("user-error-password")).to_have_text(short)
        page.get_by_test_id("new-password").fill("password123")
        page.get_by_test_id("create-user").click()
        expect(page.get_by_test_id("user-error-password")).to_have_text(common)
        assert page.errors == []
