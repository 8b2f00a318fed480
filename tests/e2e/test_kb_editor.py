"""The KB editor, in Chromium against a real `hotline serve`, as a supervisor uses it.

* create an article in the form (validity days, tags), edit it: every save is a version with
  its author and note, and "changes" shows what the edit changed - the changed characters of a
  long line marked, not the whole line; restoring v1 makes a v3 with v1's text;
* two editors at once: the second save is refused with a message, nothing is overwritten;
* an agent's error report (查误报错) appears as a fix task and is closed as fixed;
* answer templates and synonym groups are edited on their tabs, and what agents quoted is
  counted; the page works in English too; agents get the 403 page.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import login, screenshot

BODY_1 = "起飞前24小时以上退票，收取票价5%的手续费。\n特价机票不得退票。"
BODY_2 = "起飞前48小时以上退票，收取票价5%的手续费。\n特价机票不得退票。\n儿童票按成人票规定办理。"


def _form(page, title: str, category: str, tags: str, body: str) -> None:
    page.get_by_test_id("kb-title").fill(title)
    page.get_by_test_id("kb-category").fill(category)
    page.get_by_test_id("kb-tags").fill(tags)
    page.get_by_test_id("kb-body").fill(body)


def test_a_supervisor_writes_versions_sees_the_diff_and_restores(server, new_page):
    page = new_page()
    login(page, "supervisor")
    page.get_by_role("link", name="知识库管理").click()
    page.wait_for_url("**/kb")
    page.get_by_test_id("kb-new").click()
    expect(page.get_by_test_id("kb-title")).to_be_focused()

    # nothing typed: the form says what is missing, next to the fields, in Chinese
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-error-title")).to_have_text("请填写标题")
    expect(page.get_by_test_id("kb-error-body")).to_have_text("请填写正文")

    _form(page, "退票规定", "票务", "退票，手续费", BODY_1)
    page.get_by_test_id("kb-valid-from").fill("2026-01-01")
    page.get_by_test_id("kb-valid-to").fill("2025-12-31")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-error-valid_to")).to_have_text("失效日期不能早于生效日期")
    page.get_by_test_id("kb-valid-to").fill("2030-12-31")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-article")).to_have_count(1)
    sup = server.api("supervisor")
    (stored,) = sup.get("/api/kb/articles").json()
    tz = ZoneInfo("Asia/Shanghai")  # the demo center's zone
    assert stored["valid_from"] == dt.datetime(2026, 1, 1, tzinfo=tz).timestamp()
    assert stored["valid_to"] == dt.datetime(2031, 1, 1, tzinfo=tz).timestamp() - 1
    assert stored["tags"] == ["退票", "手续费"] and stored["category"] == "票务"

    # edit: a new version with the note; its changes are shown character by character
    expect(page.get_by_test_id("kb-editor")).to_contain_text("v1")
    page.get_by_test_id("kb-body").fill(BODY_2)
    page.get_by_test_id("kb-note").fill("按新政策调整")
    page.get_by_test_id("kb-save").click()
    versions = page.get_by_test_id("kb-version")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("supervisor")
    expect(versions.first).to_contain_text("按新政策调整")
    versions.first.get_by_test_id("kb-diff").click()
    view = page.get_by_test_id("kb-diff-view")
    expect(view).to_contain_text("v1 → v2")
    body = page.get_by_test_id("kb-diff-body")
    inserted = body.locator(".d-insert")
    deleted = body.locator(".d-delete")
    expect(deleted).to_have_count(1)
    assert deleted.first.inner_text() == "2"  # 24 -> 48: one character out, the 4 stays
    assert "".join(inserted.all_inner_texts()) == "8\n儿童票按成人票规定办理。"
    expect(body.locator(".d-equal").first).to_have_text("起飞前")
    page.mouse.move(0, 0)
    screenshot(page, "kb-editor-diff")

    # restore v1: a v3 carrying v1's text (history is never rewritten)
    versions.last.get_by_test_id("kb-restore").click()
    expect(versions).to_have_count(3)
    expect(page.get_by_test_id("kb-body")).to_have_value(BODY_1)
    assert sup.get(f"/api/kb/articles/{stored['id']}").json()["version"] == 3

    # someone else saves meanwhile: this editor's save is refused, theirs is kept
    other = dict(stored, body="别人改的内容", expected_version=3)
    assert sup.put(f"/api/kb/articles/{stored['id']}", json=other).status_code == 200
    page.get_by_test_id("kb-body").fill("我改的内容")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-error")).to_contain_text("他人已修改")
    assert sup.get(f"/api/kb/articles/{stored['id']}").json()["body"] == "别人改的内容"
    assert page.errors == []


def test_error_reports_templates_synonyms_and_usage(server, new_page):
    sup, agent = server.api("supervisor"), server.api("a01")
    a = sup.post(
        "/api/kb/articles", json={"title": "行李托运规定", "body": "每人免费托运20公斤。"}
    ).json()
    r = agent.post(f"/api/kb/articles/{a['id']}/reports", json={"reason": "已改为23公斤"})
    assert r.status_code == 201, r.text

    page = new_page()
    login(page, "supervisor")
    page.goto("/kb")
    tab = page.get_by_test_id("kb-tab-reports")
    expect(tab).to_contain_text("1")
    tab.click()
    row = page.get_by_test_id("kb-report")
    expect(row).to_contain_text("已改为23公斤")
    expect(row).to_contain_text("a01")
    row.get_by_test_id("kb-report-open").click()  # jump to the article to fix it
    expect(page.get_by_test_id("kb-body")).to_have_value("每人免费托运20公斤。")
    page.get_by_test_id("kb-body").fill("每人免费托运23公斤。")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-version")).to_have_count(2)
    page.get_by_test_id("kb-tab-reports").click()
    row.get_by_test_id("kb-report-resolution").fill("已更新为23公斤")
    row.get_by_test_id("kb-report-fixed").click()
    expect(page.get_by_test_id("kb-reports-none")).to_be_visible()
    (done,) = sup.get("/api/kb/reports", params={"status": "fixed"}).json()
    assert done["resolution"] == "已更新为23公斤" and done["resolved_by"] == "supervisor"

    # a template with placeholders
    page.get_by_test_id("kb-tab-templates").click()
    page.get_by_test_id("kb-template-new").click()
    page.get_by_test_id("kb-template-name").fill("行李答复")
    page.get_by_test_id("kb-template-category").fill("行李")
    page.get_by_test_id("kb-template-body").fill("{{客户姓名}}您好，免费托运额度为23公斤。")
    page.get_by_test_id("kb-template-save").click()
    tpl = page.get_by_test_id("kb-template")
    expect(tpl).to_have_count(1)
    expect(tpl).to_contain_text("客户姓名")

    # synonyms: fewer than two terms is refused in place; a group is added and deleted
    page.get_by_test_id("kb-tab-synonyms").click()
    groups = page.get_by_test_id("kb-synonym-group")
    before = len(sup.get("/api/kb/synonyms").json())  # the shipped groups
    expect(groups).to_have_count(before)
    page.get_by_test_id("kb-synonyms-input").fill("托运")
    page.get_by_test_id("kb-synonyms-add").click()
    expect(page.get_by_test_id("kb-synonyms-error")).to_have_text("至少输入两个不同的词")
    page.get_by_test_id("kb-synonyms-input").fill("托运，寄存、办理行李")
    page.get_by_test_id("kb-synonyms-add").click()
    expect(groups).to_have_count(before + 1)
    added = groups.filter(has_text="寄存")
    expect(added).to_contain_text("办理行李")
    added.get_by_test_id("kb-synonyms-delete").click()
    expect(groups).to_have_count(before)

    page.get_by_test_id("kb-tab-usage").click()
    expect(page.get_by_test_id("kb-usage")).to_contain_text("近 30 天还没有引用记录")
    assert page.errors == []


def test_the_kb_editor_speaks_english_and_is_for_supervisors_only(server, new_page):
    page = new_page("en")
    login(page, "supervisor")
    page.goto("/kb")
    page.get_by_test_id("kb-new").click()
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-error-title")).to_have_text("Enter a title")
    expect(page.get_by_test_id("kb-tab-reports")).to_contain_text("Error reports")
    assert page.errors == []

    agent = new_page()
    login(agent, "a01")
    agent.goto("/kb")
    expect(agent.locator("[data-testid=kb-page]")).to_have_count(0)
