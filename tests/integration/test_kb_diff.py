"""The KB editor's diff: what changed between two versions of an article, through the real API
(SQLite and PostgreSQL), and the pure diff it uses (characters within a changed line)."""

from __future__ import annotations

import pytest

from hotline.kb.diff import Piece, text_diff

from .test_kb_api import kb_app


@pytest.fixture
def client(db_url):
    with kb_app(db_url) as c:
        yield c


def test_a_changed_character_in_a_long_line_is_marked_alone():
    old = "起飞前24小时以上退票，收取5%手续费。\n第二段不变。\n"
    new = "起飞前48小时以上退票，收取5%手续费。\n第二段不变。\n新增一段。\n"
    pieces = text_diff(old, new)
    # 24 -> 48 changes two characters, not the line: the rest of it stays equal
    assert "".join(p.text for p in pieces if p.op == "delete") == "2"
    assert "".join(p.text for p in pieces if p.op == "insert") == "8新增一段。\n"
    assert pieces[0] == Piece("equal", "起飞前")
    assert pieces[-1] == Piece("insert", "新增一段。\n")
    assert "".join(p.text for p in text_diff(old, new) if p.op != "delete") == new
    assert "".join(p.text for p in text_diff(old, new) if p.op != "insert") == old
    assert text_diff("same", "same") == [Piece("equal", "same")]


def test_the_diff_of_two_versions_names_fields_title_and_body(client):
    sup, a01 = client.as_["supervisor"], client.as_["a01"]
    body = {"title": "退票规定", "body": "起飞前24小时以上退票，收取5%手续费。", "category": "票务"}
    a = client.post("/api/kb/articles", json=body, headers=sup).json()
    edit = body | {
        "title": "机票退票规定",
        "body": "起飞前48小时以上退票，收取5%手续费。\n特价票不退。",
        "tags": ["退票"],
        "expected_version": 1,
        "note": "新政策",
    }
    assert client.put(f"/api/kb/articles/{a['id']}", json=edit, headers=sup).status_code == 200

    r = client.get(f"/api/kb/articles/{a['id']}/diff", params={"from": 1}, headers=a01)
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["from"], d["to"]) == (1, 2)
    assert d["fields"] == [{"field": "tags", "old": [], "new": ["退票"]}]
    assert d["title"] == [{"op": "insert", "text": "机票"}, {"op": "equal", "text": "退票规定"}]
    new_text = "".join(p["text"] for p in d["body"] if p["op"] != "delete")
    assert new_text == edit["body"]
    assert {"op": "insert", "text": "\n特价票不退。"} in d["body"] or any(
        p["op"] == "insert" and "特价票不退" in p["text"] for p in d["body"]
    )
    assert not any(p["op"] == "delete" and "手续费" in p["text"] for p in d["body"])

    back = client.get(
        f"/api/kb/articles/{a['id']}/diff", params={"from": 2, "to": 1}, headers=sup
    ).json()
    assert back["title"] == [{"op": "delete", "text": "机票"}, {"op": "equal", "text": "退票规定"}]
    # unknown versions and articles are 404, a missing `from` is 422
    url = f"/api/kb/articles/{a['id']}/diff"
    assert client.get(url, params={"from": 9}, headers=sup).status_code == 404
    assert client.get(url, params={"from": 1, "to": 9}, headers=sup).status_code == 404
    assert client.get(url, headers=sup).status_code == 422
    assert client.get("/api/kb/articles/99999/diff?from=1", headers=sup).status_code == 404
