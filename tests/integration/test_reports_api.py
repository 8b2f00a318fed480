"""Specification of the reports API and of the wallboard's data source (the aggregates)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hotline.store.aggregates import Aggregates

from .api_client import login, running_app

ROOT = Path(__file__).parents[2]


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.sup = login(c, "supervisor")
        c.ch, c.a01 = login(c, "channel"), login(c, "a01")
        c.cookies.clear()
        yield c


def take_one_call(client) -> None:
    client.post("/api/agents/me/state", json={"state": "login"}, headers=client.a01)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=client.a01)
    cid = client.post("/api/contacts", json={"queue": "general"}, headers=client.ch).json()["id"]
    client.post(f"/api/contacts/{cid}/accept", headers=client.a01)
    client.post(f"/api/contacts/{cid}/complete", json={}, headers=client.a01)


def test_the_wallboard_reads_the_aggregates_folded_up_to_now(client):
    take_one_call(client)
    stats = client.get("/api/ui/wallboard/stats", headers=client.sup).json()
    assert stats["queues"]["general"]["today"]["answered"] == 1
    store = client.app.state.service.store
    # the refresh folded every event into the aggregates instead of refolding the timeline
    assert Aggregates(store.engine).cursor() == store.last_event_seq()


def test_reports_by_grain_with_filters_and_definitions(client):
    take_one_call(client)
    now = client.app.state.service.clock()
    params = {"from": str(now - 3 * 3600), "to": str(now + 60), "grain": "hour"}
    r = client.get("/api/reports", params=params, headers=client.sup).json()
    assert len(r["periods"]) in (3, 4) and r["timezone"] == "Asia/Shanghai"
    assert sum(p["total"]["answered"] for p in r["periods"]) == 1
    assert "formula" in r["definitions"]["service_level"]
    one = client.get("/api/reports", params={**params, "agent": "a01"}, headers=client.sup)
    assert sum(p["total"]["handled"] for p in one.json()["periods"]) == 1
    other = client.get("/api/reports", params={**params, "agent": "a02"}, headers=client.sup)
    assert sum(p["total"]["answered"] for p in other.json()["periods"]) == 0
    bad = client.get("/api/reports", params={**params, "grain": "year"}, headers=client.sup)
    assert bad.status_code == 422 and "grain" in str(bad.json())
    assert client.get("/api/reports", params=params, headers=client.a01).status_code == 403


def test_alerts_are_listed_and_acknowledged_through_the_api(client):
    from hotline.services.alerts_rules import AlertRule, Fired
    from hotline.web.routes.reports import alerts_for

    alerts = alerts_for(client.app)
    rule = AlertRule("wait", "waiting_above", 0, queue="general")
    record = alerts._fire(100.0, Fired(rule, "general", 3.0, 90.0))
    listed = client.get("/api/alerts", headers=client.sup).json()
    assert [a["id"] for a in listed["open"]] == [record.id]
    r = client.post(f"/api/alerts/{record.id}/ack", headers=client.sup)
    assert r.status_code == 200 and r.json()["acked_by"] == "supervisor"
    assert client.post("/api/alerts/999999/ack", headers=client.sup).status_code == 404
    assert client.get("/api/alerts", headers=client.a01).status_code == 403


def test_metrics_expose_the_named_series_to_supervisors_and_the_token(client, monkeypatch):
    take_one_call(client)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=client.a01).status_code == 403  # logged in, no role
    body = client.get("/metrics", headers=client.sup).text
    client.post("/api/contacts", json={"queue": "general"}, headers=client.ch)
    body = client.get("/metrics", headers=client.sup).text
    for series in (
        'hotline_contacts_waiting{queue="general"}',
        "hotline_agents{state=",
        "hotline_events_total ",
        "hotline_api_request_seconds_bucket",
        "hotline_websocket_clients ",
        "hotline_db_write_seconds_count ",
    ):
        assert series in body, series
    assert 'hotline_api_request_seconds_count{method="POST",route="/api/contacts"}' in body
    # each routing command the calls went through is timed on the router thread, by kind
    decided = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r'hotline_routing_decision_seconds_count\{kind="(\w+)"\} (\S+)', body)
    }
    assert decided.get("Arrive", 0) >= 2 and decided.get("Accept", 0) >= 1, decided
    assert decided.get("AgentLogin", 0) >= 1 and "Annotate" not in decided, decided
    assert 'hotline_routing_decision_seconds_bucket{kind="Arrive",le="1e-05"}' in body
    monkeypatch.setenv("HOTLINE_METRICS_TOKEN", "s3cret")
    scraper = {"Authorization": "Bearer s3cret"}
    assert client.get("/metrics", headers=scraper).status_code == 200


def test_scheduled_reports_are_listed_and_downloaded(client):
    from hotline.services.reports_schedule import Schedule
    from hotline.web.routes.reports import scheduled_for

    jobs = scheduled_for(client.app)
    now = client.app.state.service.clock()
    jobs._schedules, jobs._since = (Schedule("daily"),), now - 2 * 86400
    assert len(jobs.run_due(now)) == 1
    (doc,) = client.get("/api/reports/documents", headers=client.sup).json()
    assert doc["schedule"] == "daily@08:00" and "pdf" not in doc
    pdf = client.get(f"/api/reports/documents/{doc['id']}.pdf", headers=client.sup)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(f"/api/reports/documents/{doc['id']}.html", headers=client.sup)
    assert "Daily warning report" in page.text
    assert client.get("/api/reports/documents/999.pdf", headers=client.sup).status_code == 404


def test_the_grafana_dashboard_plots_only_series_the_server_exports(client):
    """deploy/grafana/hotline.json: every panel has a query, and each series it names is in a
    real scrape (a renamed metric would leave an operator's panel silently empty)."""
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "hotline.json").read_text("utf-8"))
    take_one_call(client)
    body = client.get("/metrics", headers=client.sup).text
    exported = set(re.findall(r"^(hotline_[a-z_]+)", body, flags=re.M))
    for panel in dashboard["panels"]:
        exprs = [t["expr"] for t in panel["targets"]]
        assert exprs, panel["title"]
        for name in re.findall(r"hotline_[a-z_]+", " ".join(exprs)):
            assert name in exported, f"{panel['title']}: {name} is not exported"


def test_reports_filter_by_team_province_and_skill_of_the_live_config(client):
    """a01 is put in a team, and general made Chongqing's regional queue, on the live config;
    the report, the export and the directory follow it; unknown names are 422s."""
    import dataclasses

    from hotline.domain.regions import Region, RegionMap

    service = client.app.state.service
    cfg = service.router.config
    agents = tuple(
        dataclasses.replace(a, team="早班" if a.id == "a01" else "晚班") for a in cfg.agents
    )
    regions = RegionMap((
        Region("cq", "重庆", frozenset({"Chongqing"}), (), {"english": "general"}),
        Region("sc", "四川", frozenset({"Sichuan"}), (), {"general": "complaints"}),
    ))  # fmt: skip
    service.reconfigure(dataclasses.replace(cfg, agents=agents, regions=regions), "test")
    take_one_call(client)
    now = service.clock()
    params = {"from": str(now - 3600), "to": str(now + 60), "grain": "hour"}

    def answered(**extra: str) -> int:
        r = client.get("/api/reports", params={**params, **extra}, headers=client.sup)
        assert r.status_code == 200, r.text
        return sum(p["total"]["answered"] for p in r.json()["periods"])

    skill = next(q for q in cfg.queues if q.id == "general").skills[0].skill
    assert answered(team="早班") == answered(province="重庆") == answered(skill=skill) == 1
    assert answered(team="晚班") == answered(province="四川") == 0
    assert answered(team="早班", province="四川") == 0
    bad = client.get("/api/reports", params={**params, "team": "夜班"}, headers=client.sup)
    assert bad.status_code == 422
    assert "team" in str(bad.json()) and "早班" in str(bad.json())  # lists the known teams
    export = client.get(
        "/api/reports/export", params={**params, "format": "csv", "team": "晚班"},
        headers=client.sup,
    )  # fmt: skip
    assert export.status_code == 200 and export.text.count("\r\n") >= 2
    d = client.get("/api/ui/directory", headers=client.a01).json()
    assert {a["team"] for a in d["agents"]} == {"早班", "晚班"}
    assert [r["id"] for r in d["regions"]] == ["cq", "sc"]
    assert any(q["id"] == "general" and skill in q["skills"] for q in d["queues"])
