"""Specification of the alert-rules API: rules are stored in the center configuration, where
the server's alert evaluation reads them; supervisors add, edit and delete them."""

from __future__ import annotations

import pytest

from hotline.services.alerts import rules_from
from hotline.web.routes.reports import alerts_for

from .api_client import login, running_app


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.sup, c.ch, c.a01 = login(c, "supervisor"), login(c, "channel"), login(c, "a01")
        c.cookies.clear()
        yield c


def _tick(app) -> None:
    """One evaluation round as the server's loop runs it: the rules from the live config."""
    service = app.state.service
    alerts_for(app).evaluate(service.clock(), rules_from(service.read(lambda r: r.config.alerts)))


RULE = {"id": "wait-general", "kind": "waiting_above", "threshold": 0, "queue": "general"}


def test_a_rule_added_by_a_supervisor_is_stored_in_the_config_and_fires(client):
    before = client.app.state.service.config_version
    r = client.post("/api/alert-rules", json=RULE, headers=client.sup)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == before + 1
    config = client.app.state.service.read(lambda r: r.config)
    assert [a["id"] for a in config.alerts] == ["wait-general"]  # where the evaluation reads
    listed = client.get("/api/alert-rules", headers=client.sup).json()
    assert listed["rules"][0]["threshold"] == 0 and "waiting_above" in listed["kinds"]
    for state in ("login", "available"):
        client.post("/api/agents/me/state", json={"state": state}, headers=client.a01)
    first = client.post("/api/contacts", json={"queue": "general"}, headers=client.ch).json()
    client.post(f"/api/contacts/{first['id']}/accept", headers=client.a01)
    client.post("/api/contacts", json={"queue": "general"}, headers=client.ch)  # it waits
    _tick(client.app)
    open_ = client.get("/api/alerts", headers=client.sup).json()["open"]
    assert [(a["rule_id"], a["subject"], a["value"]) for a in open_] == [
        ("wait-general", "general", 1.0)
    ]

    edited = {**RULE, "threshold": 5}
    r = client.put("/api/alert-rules/wait-general", json=edited, headers=client.sup)
    assert r.status_code == 200, r.text
    _tick(client.app)  # 1 waiting is within the new threshold: the alert clears
    assert client.get("/api/alerts", headers=client.sup).json()["open"] == []

    client.put("/api/alert-rules/wait-general", json=RULE, headers=client.sup)
    _tick(client.app)
    assert len(client.get("/api/alerts", headers=client.sup).json()["open"]) == 1
    r = client.delete("/api/alert-rules/wait-general", headers=client.sup)
    assert r.status_code == 200
    assert client.get("/api/alerts", headers=client.sup).json()["open"] == []  # closed with it
    assert client.app.state.service.read(lambda r: r.config).alerts == ()
    actions = [e.action for e in client.app.state.service.store.audit_entries(10)]
    assert {"add_alert_rule", "update_alert_rule", "delete_alert_rule"} <= set(actions)


def test_bad_rules_are_refused_naming_the_field_and_agents_may_not_edit(client):
    sup = client.sup

    def refused(body):
        r = client.post("/api/alert-rules", json=body, headers=sup)
        assert r.status_code == 422, r.text
        return [e["loc"][-1] for e in r.json()["detail"]]

    assert refused({**RULE, "threshold": -1}) == ["threshold"]
    assert refused({**RULE, "for_s": "soon"}) == ["for_s"]
    assert refused({**RULE, "kind": "abandon_rate_above", "threshold": 2}) == ["threshold"]
    assert refused({**RULE, "queue": "nope"}) == ["queue"]
    assert refused({**RULE, "kind": "agent_not_ready_over"}) == ["queue"]  # not per queue
    assert refused({**RULE, "kind": "loud"}) == ["kind"]
    risky = {"id": "orders", "kind": "order_at_risk", "threshold": 0.8}
    assert refused({**risky, "queue": "general"}) == ["queue"]  # orders have no queue
    assert client.post("/api/alert-rules", json=risky, headers=sup).status_code == 201
    assert "order_at_risk" in client.get("/api/alert-rules", headers=sup).json()["kinds"]
    assert client.post("/api/alert-rules", json=RULE, headers=sup).status_code == 201
    assert client.post("/api/alert-rules", json=RULE, headers=sup).status_code == 409
    other = {**RULE, "id": "other"}
    r = client.put("/api/alert-rules/wait-general", json=other, headers=sup)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "id"]
    assert client.put("/api/alert-rules/other", json=other, headers=sup).status_code == 404
    assert client.delete("/api/alert-rules/other", headers=sup).status_code == 404
    assert client.post("/api/alert-rules", json=other, headers=client.a01).status_code == 403
    assert client.get("/api/alert-rules", headers=client.a01).status_code == 403
