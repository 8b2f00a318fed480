"""Knowledge base through the real API on SQLite and PostgreSQL: versioning, permissions,
error reports as fix tasks, synonyms the team edits, and `hotline kb import`."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hotline.bootstrap import init_center
from hotline.commands.kb import register
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app
from hotline.web.routes.chat import install

from .api_client import login


@contextmanager
def kb_app(db_url: str):
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    with TestClient(install(create_app(Settings(database_url=db_url)))) as client:
        client.as_ = {u: login(client, u) for u in ("admin", "supervisor", "a01", "a02")}
        client.cookies.clear()
        yield client


@pytest.fixture
def client(db_url):
    with kb_app(db_url) as c:
        yield c


ARTICLE = {
    "title": "行李遗失登记",
    "body": "托运行李未到请到行李查询柜台登记。",
    "category": "行李",
}


def test_search_is_open_to_every_role_but_needs_a_login(client):
    assert client.get("/api/kb/search", params={"q": "行李"}).status_code == 401
    client.post("/api/kb/articles", json=ARTICLE, headers=client.as_["supervisor"])
    for user in ("a01", "supervisor", "admin"):
        r = client.get("/api/kb/search", params={"q": "行李丢了"}, headers=client.as_[user])
        assert r.status_code == 200 and r.json()["hits"][0]["title"] == "行李遗失登记"


def test_only_supervisors_admins_and_the_owner_edit(client):
    sup, a01, a02 = (client.as_[u] for u in ("supervisor", "a01", "a02"))
    assert client.post("/api/kb/articles", json=ARTICLE, headers=a01).status_code == 403
    art = client.post("/api/kb/articles", json={**ARTICLE, "owner": "a01"}, headers=sup).json()
    assert art["owner"] == "a01"
    edit = {**ARTICLE, "body": "请到到达层行李查询柜台登记。"}
    assert client.put(f"/api/kb/articles/{art['id']}", json=edit, headers=a02).status_code == 403
    assert client.put(f"/api/kb/articles/{art['id']}", json=edit, headers=a01).status_code == 200
    assert client.delete(f"/api/kb/articles/{art['id']}", headers=a02).status_code == 403


def test_every_edit_is_kept_with_author_and_time_and_stale_edits_are_refused(client):
    sup, admin = client.as_["supervisor"], client.as_["admin"]
    art = client.post("/api/kb/articles", json=ARTICLE, headers=sup).json()
    url = f"/api/kb/articles/{art['id']}"
    v2 = {**ARTICLE, "body": "改为在到达层登记。", "expected_version": 1, "note": "柜台搬迁"}
    assert client.put(url, json=v2, headers=admin).json()["version"] == 2
    stale = {**ARTICLE, "body": "别人的旧稿", "expected_version": 1}
    assert client.put(url, json=stale, headers=sup).status_code == 409
    versions = client.get(f"{url}/versions", headers=client.as_["a01"]).json()
    assert [(v["version"], v["author"], v["body"]) for v in versions] == [
        (1, "supervisor", ARTICLE["body"]),
        (2, "admin", "改为在到达层登记。"),
    ]
    assert versions[1]["note"] == "柜台搬迁" and versions[1]["at"] >= versions[0]["at"]
    restored = client.post(f"{url}/restore", json={"version": 1}, headers=sup).json()
    assert (restored["version"], restored["body"]) == (3, ARTICLE["body"])
    hit = client.get("/api/kb/search", params={"q": "行李查询柜台"}, headers=sup).json()["hits"]
    assert hit[0]["version"] == 3
    assert client.delete(url, headers=sup).json()["status"] == "archived"
    assert (
        client.get("/api/kb/search", params={"q": "行李查询柜台"}, headers=sup).json()["hits"] == []
    )


def test_report_an_error_creates_a_fix_task_for_the_owner_and_marks_the_article(client):
    sup, a01, a02 = (client.as_[u] for u in ("supervisor", "a01", "a02"))
    art = client.post("/api/kb/articles", json={**ARTICLE, "owner": "a01"}, headers=sup).json()
    r = client.post(
        f"/api/kb/articles/{art['id']}/reports", json={"reason": "柜台已搬到B区"}, headers=a02
    )
    assert r.status_code == 201 and r.json()["assignee"] == "a01"
    assert [t["reason"] for t in client.get("/api/kb/reports", headers=a01).json()] == [
        "柜台已搬到B区"
    ]
    assert client.get("/api/kb/reports", headers=a02).json() == []  # not a02's task
    assert client.get(f"/api/kb/articles/{art['id']}", headers=a02).json()["under_review"]
    hit = client.get("/api/kb/search", params={"q": "行李登记"}, headers=a02).json()["hits"][0]
    assert hit["under_review"] is True
    rid = r.json()["id"]
    assert client.post(f"/api/kb/reports/{rid}/resolve", json={}, headers=a02).status_code == 403
    done = client.post(
        f"/api/kb/reports/{rid}/resolve", json={"fixed": True, "resolution": "已改"}, headers=a01
    ).json()
    assert (done["status"], done["resolved_by"]) == ("fixed", "a01")
    hit = client.get("/api/kb/search", params={"q": "行李登记"}, headers=a02).json()["hits"][0]
    assert hit["under_review"] is False


def test_synonyms_are_edited_by_the_team_and_apply_at_once(client):
    sup = client.as_["supervisor"]
    client.post(
        "/api/kb/articles",
        json={"title": "宽带故障报修", "body": "光猫重启后仍不能上网请报修。"},
        headers=sup,
    )
    groups = client.get("/api/kb/synonyms", headers=client.as_["a01"]).json()
    assert ["退票", "退款", "退钱"] in [g["terms"] for g in groups]  # seeded defaults
    q = {"q": "家里断网"}

    def coverage() -> float:  # how much of the question the best article answers
        hits = client.get("/api/kb/search", params=q, headers=sup).json()["hits"]
        return hits[0]["coverage"] if hits else 0.0

    assert coverage() < 0.5
    assert client.post("/api/kb/synonyms", json={"terms": ["断网"]}, headers=sup).status_code == 422
    assert (
        client.post(
            "/api/kb/synonyms", json={"terms": ["断网", "上不了网"]}, headers=client.as_["a01"]
        ).status_code
        == 403
    )
    g = client.post("/api/kb/synonyms", json={"terms": ["断网", "不能上网"]}, headers=sup).json()
    assert coverage() >= 0.9
    client.delete(f"/api/kb/synonyms/{g['id']}", headers=sup)
    assert coverage() < 0.5


def test_templates_are_inserted_with_placeholders_filled(client):
    sup, a01 = client.as_["supervisor"], client.as_["a01"]
    body = {
        "name": "退款已受理",
        "body": "{{客户姓名}}您好，订单{{订单号}}的退款已受理。",
        "category": "票务",
    }
    assert client.post("/api/kb/templates", json=body, headers=a01).status_code == 403
    t = client.post("/api/kb/templates", json=body, headers=sup).json()
    assert t["placeholders"] == ["客户姓名", "订单号"]
    r = client.post(
        f"/api/kb/templates/{t['id']}/render",
        json={"values": {"customer_name": "王女士"}},
        headers=a01,
    ).json()
    assert r == {"text": "王女士您好，订单【订单号】的退款已受理。", "missing": ["订单号"]}


def test_cli_imports_a_markdown_folder_and_a_qa_csv(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    folder = tmp_path / "kb" / "行李"
    folder.mkdir(parents=True)
    (folder / "lost.md").write_text(
        "---\ntags: 遗失, 赔偿\nowner: a01\n---\n# 行李遗失赔偿\n\n按重量赔偿，每公斤最高100元。\n",
        encoding="utf-8",
    )
    (tmp_path / "kb" / "readme.txt").write_text("失物招领\n拨打966666查询失物。", encoding="utf-8")
    csv_file = tmp_path / "qa.csv"
    csv_file.write_text(
        "问题,答案,分类\n航班延误怎么办,关注短信通知并到柜台办理改签,航班\n"
        "How do I get a refund?,Refunds are made to the original payment card.,票务\n",
        encoding="gb18030",
    )
    app = typer.Typer()
    register(app)
    runner, env = CliRunner(), {**os.environ, "HOTLINE_DATABASE_URL": url}
    r = runner.invoke(app, ["kb", "import", str(tmp_path / "kb")], env=env)
    assert r.exit_code == 0, r.output
    assert "imported 2 articles" in r.output
    r = runner.invoke(app, ["kb", "import", str(csv_file), "--author", "ops"], env=env)
    assert r.exit_code == 0 and "imported 2 articles" in r.output and "en 1" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["kb", "import", str(bad)], env=env)
    assert r.exit_code == 2 and "question and an answer column" in r.output
    with kb_app(url) as client:
        hits = client.get(
            "/api/kb/search", params={"q": "行李丢了赔多少"}, headers=client.as_["a01"]
        ).json()["hits"]
        assert hits[0]["title"] == "行李遗失赔偿" and hits[0]["category"] == "行李"
        assert hits[0]["tags"] == ["遗失", "赔偿"]
        hits = client.get(
            "/api/kb/search", params={"q": "refund"}, headers=client.as_["a01"]
        ).json()
        assert hits["hits"][0]["language"] == "en"
