"""Accessibility basics checked by axe-core in Chromium, on every page with real data.

axe-core comes from the npm registry with the other UI libraries (`scripts/ui-assets.sh`,
pinned in `src/hotline/web/ui/package.json`) into the gitignored vendor folder; no page loads
it. The test evaluates it in the page through the DevTools protocol (so the page's CSP, which
allows no inline script, stays as it is) and runs the WCAG 2.0/2.1 A and AA rules. A serious or
critical violation fails, named with its rule, help text and the first elements it hit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, login
from .test_desk_assist import _seed
from .test_desk_chat import Customer

AXE = ROOT / "src" / "hotline" / "web" / "ui" / "static" / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def _axe_source() -> str:
    if not Path(AXE).exists():
        pytest.fail(f"axe-core missing at {AXE}: run `bash scripts/ui-assets.sh`", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def _node(n: dict) -> str:
    """An element axe-core flagged: its selector, and for contrast the colours it measured."""
    data = next((c.get("data") for c in n.get("any", []) if c.get("data")), None)
    if isinstance(data, dict) and "contrastRatio" in data:
        ratio = data["contrastRatio"]
        return f"{n['target']} {data.get('fgColor')} on {data.get('bgColor')} = {ratio}"
    return str(n["target"])


def violations(page) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now, one line each."""
    page.evaluate(_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    out = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            targets = ", ".join(_node(n) for n in v["nodes"][:6])
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} - {targets}")
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_supervisor_pages_have_no_serious_accessibility_violations(server, new_page, lang):
    sup = server.api("supervisor")
    a = sup.post("/api/kb/articles", json={"title": "退票规定", "body": "起飞前24小时退票。"})
    sup.put(
        f"/api/kb/articles/{a.json()['id']}",
        json={"title": "退票规定", "body": "起飞前48小时退票。", "expected_version": 1},
    )
    page = new_page(lang)
    login(page, "supervisor")
    found = {}
    for path, ready in [
        ("/wallboard", "[data-testid=queue-row]"),
        ("/reports", "[data-testid=reports-page]"),
        ("/alerts", "[data-testid=alerts-page]"),
        ("/kb", "[data-testid=kb-article]"),
        ("/qa", "[data-testid=qa-page]"),
    ]:
        page.goto(path)
        page.locator(ready).first.wait_for()
        page.wait_for_timeout(300)
        if path == "/kb":
            page.get_by_test_id("kb-article").first.click()
            page.get_by_test_id("kb-diff").first.click()
            expect(page.get_by_test_id("kb-diff-view")).to_be_visible()
        found[path] = violations(page)
    admin = new_page(lang)
    login(admin, "admin")
    admin.goto("/admin")
    admin.wait_for_timeout(500)
    found["/admin"] = violations(admin)
    login_page = new_page(lang)
    login_page.goto("/login")
    found["/login"] = violations(login_page)
    assert {p: v for p, v in found.items() if v} == {}
    assert page.errors == [] and admin.errors == []


def test_the_agent_desk_with_a_live_chat_has_no_serious_accessibility_violations(server, new_page):
    _seed(server)
    page = new_page()
    login(page, "a07")
    page.get_by_test_id("btn-sign-in").click()
    page.get_by_test_id("btn-ready").click()
    expect(page.get_by_test_id("state-pill")).to_have_attribute("data-state", "available")
    idle = violations(page)
    cust = Customer(server)
    cust.say("我的航班 mu5137 延误了，能改签吗？")
    cust.ask_for_agent()
    expect(page.get_by_test_id("offer")).to_be_visible()
    offer = violations(page)
    page.get_by_test_id("offer-accept").click()
    expect(page.get_by_test_id("assist-template").first).to_be_visible()
    working = violations(page)
    assert {"idle": idle, "offer": offer, "chat": working} == {
        "idle": [],
        "offer": [],
        "chat": [],
    }
    assert page.errors == []
