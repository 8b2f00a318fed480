"""Specification of the report downloads: the same figures as `GET /api/reports`, as CSV/XLSX."""

from __future__ import annotations

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest

from .api_client import login, running_app
from .test_reports_api import take_one_call

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _column(ref: str) -> int:
    """0-based column of a cell reference ("A1" -> 0, "AB7" -> 27)."""
    n = 0
    for ch in ref.rstrip("0123456789"):
        n = n * 26 + ord(ch) - 64
    return n - 1


def xlsx_sheets(data: bytes) -> dict[str, list[list[str]]]:
    """Every sheet of an XLSX as rows of cell texts (shared strings resolved), by sheet name."""
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = [
        "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
        for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)
    ]
    names = [s.get("name") for s in ElementTree.fromstring(z.read("xl/workbook.xml")).iter(
        f"{{{NS['m']}}}sheet")]  # fmt: skip
    out = {}
    for i, name in enumerate(names, start=1):
        sheet = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
        rows = []
        for row in sheet.iter(f"{{{NS['m']}}}row"):
            cells: list[str] = []
            for c in row.findall("m:c", NS):  # empty cells are not written: place by "C5"
                column = _column(c.get("r"))
                cells += [""] * (column + 1 - len(cells))
                v = c.find("m:v", NS)
                text = "" if v is None else v.text or ""
                cells[column] = shared[int(text)] if c.get("t") == "s" else text
            rows.append(cells)
        out[name] = rows
    return out


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.sup = login(c, "supervisor")
        c.ch, c.a01 = login(c, "channel"), login(c, "a01")
        c.cookies.clear()
        yield c


def test_csv_and_xlsx_hold_the_reports_figures_with_headers_in_the_users_language(client):
    take_one_call(client)
    take_one_call(client)
    now = client.app.state.service.clock()
    params = {"from": str(now - 2 * 3600), "to": str(now + 60), "grain": "hour"}
    api = client.get("/api/reports", params=params, headers=client.sup).json()

    r = client.get("/api/reports/export", params={**params, "format": "csv"}, headers=client.sup)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())  # Excel reads the Chinese headers right
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["开始", "结束", "队列", "渠道", "呼入量"]
    assert len(body) == len(api["periods"])
    offered = header.index("呼入量")
    assert sum(int(row[offered]) for row in body) == 2
    assert sum(p["total"]["offered"] for p in api["periods"]) == 2

    client.cookies.set("hotline_lang", "en")
    by_queue = {**params, "format": "xlsx", "by_queue": "true"}
    r = client.get("/api/reports/export", params=by_queue, headers=client.sup)
    client.cookies.clear()
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheets = xlsx_sheets(r.content)
    assert list(sheets) == ["Report", "Definitions"]
    header, body = sheets["Report"][0], sheets["Report"][1:]
    assert header[:5] == ["Start", "End", "Queue", "Channel", "Offered"]
    general = [row for row in body if row[2] == "general"]
    assert sum(int(row[4]) for row in general) == 2  # the per-queue rows
    assert sum(int(row[4]) for row in body if row[2] == "All") == 2  # and the periods' totals
    sl = header.index("Service level")
    assert all(0 <= float(row[sl]) <= 1 for row in body if row[sl])  # fractions, shown as %
    defs = dict((k, v) for k, v in sheets["Definitions"])
    assert "formula" in defs["service_level"]


def test_a_bad_export_query_is_a_422_naming_the_field_and_agents_are_refused(client):
    now = client.app.state.service.clock()
    params = {"from": str(now - 3600), "to": str(now), "grain": "hour"}
    bad = client.get("/api/reports/export", params={**params, "format": "pdf"}, headers=client.sup)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "format"]
    grain = {**params, "format": "csv", "grain": "year"}
    bad = client.get("/api/reports/export", params=grain, headers=client.sup)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "grain"]
    ok = {**params, "format": "csv"}
    assert client.get("/api/reports/export", params=ok, headers=client.a01).status_code == 403
