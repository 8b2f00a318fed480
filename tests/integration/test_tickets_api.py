"""Work orders through the HTTP API on SQLite and PostgreSQL: roles and scope, the state table
(409 with a reason), dispatch to an outside team that sees only its own orders, the closed
loop with reopening, every escalation trigger, profiles with masked numbers, KPIs."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.config import load_demo_config
from hotline.passwords import hash_password
from hotline.store import open_store
from hotline.store.models import Base
from hotline.web import Settings, create_app
from hotline.web.routes import customers, surveys, teams, tickets

from .api_client import login

DAY = 86400.0


@contextmanager
def ticket_app(db_url: str):
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    # An outside team's login. The `team` role is allowed by the 0002 migration; until
    # `hotline.store.models.ROLES` lists it, `create_user` refuses it, so insert the row.
    with store.engine.begin() as conn:
        conn.execute(
            insert(Base.metadata.tables["users"]).values(
                username="desk1",
                password_hash=hash_password(DEMO_PASSWORD),
                role="team",
                active=True,
                created_at=time.time(),
            )
        )
    store.close()
    app = create_app(Settings(database_url=db_url))
    paths = {getattr(r, "path", "") for r in app.routes}
    for module in (tickets, teams, surveys, customers):
        if module.router.prefix not in paths:  # once app.py includes them, do not repeat
            app.include_router(module.router)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def c(db_url):
    with ticket_app(db_url) as client:
        users = ("admin", "supervisor", "channel", "a01", "a02", "desk1")
        client.as_ = {u: login(client, u) for u in users}
        client.cookies.clear()
        yield client


def call(c, user, method, path, status=200, **kw):
    r = getattr(c, method)(path, headers=c.as_[user], **kw)
    assert r.status_code == status, r.text
    return r.json()


def answered_call(c, agent="a01", customer="13812345678", queue="general"):
    """A call from `customer` answered by `agent` (freed first); returns the contact id."""
    me = call(c, agent, "get", "/api/agents/me")
    for contact_id in me["contacts"]:
        call(c, agent, "post", f"/api/contacts/{contact_id}/complete", json={})
    if me["state"] == "offline":
        call(c, agent, "post", "/api/agents/me/state", json={"state": "login"})
    if call(c, agent, "get", "/api/agents/me")["state"] == "wrap_up":
        call(c, agent, "post", "/api/agents/me/wrap-up-done")
    call(c, agent, "post", "/api/agents/me/state", json={"state": "available"})
    cid = call(
        c, "channel", "post", "/api/contacts", 201, json={"queue": queue, "customer": customer}
    )["id"]
    call(c, agent, "post", f"/api/contacts/{cid}/accept")
    return cid


def svc(c):
    return c.app.state.tickets


def test_every_ticket_endpoint_needs_a_login_and_the_right_role(c):
    for method, path in [
        ("get", "/api/tickets"),
        ("post", "/api/tickets"),
        ("get", "/api/teams"),
        ("post", "/api/surveys"),
        ("get", "/api/customers/lookup?identifier=1"),
    ]:
        assert getattr(c, method)(path).status_code == 401, path
    assert c.get("/api/tickets/kpis", headers=c.as_["a01"]).status_code == 403
    assert c.get("/api/tickets/at-risk", headers=c.as_["desk1"]).status_code == 403
    assert (
        c.post("/api/teams", json={"id": "x", "name": "x"}, headers=c.as_["a01"]).status_code == 403
    )
    assert (
        c.post(
            "/api/surveys", json={"contact_id": "x", "score": 9}, headers=c.as_["a01"]
        ).status_code
        == 403
    )
    r = c.post("/api/tickets", headers=c.as_["desk1"], json={"category": "praise", "title": "x"})
    assert r.status_code == 403


def test_an_agent_opens_an_order_from_a_call_and_illegal_moves_are_refused(c):
    cid = answered_call(c)
    body = {
        "category": "lost_item",
        "title": "黑色行李箱 black suitcase",
        "contact_id": cid,
        "fields": {"item": "suitcase", "where_lost": "T3 arrivals"},
    }
    missing = call(
        c, "a01", "post", "/api/tickets", 422, json={**body, "fields": {"item": "suitcase"}}
    )
    assert missing["detail"] == "fields.where_lost: required for lost_item"
    order = call(c, "a01", "post", "/api/tickets", 201, json=body)
    assert order["customer"] == "138****5678" and order["state"] == "new"
    assert order["owner"] == "a01" and order["contact_ids"] == [cid]
    assert order["sla"]["resolution"]["budget_s"] == 27 * 3600  # 3 working days of 9 h
    oid = order["id"]
    # a02 neither owns it nor handled the call
    assert c.get(f"/api/tickets/{oid}", headers=c.as_["a02"]).status_code == 403
    assert call(c, "a02", "get", "/api/tickets") == []
    assert [o["id"] for o in call(c, "a01", "get", "/api/tickets")] == [oid]
    call(c, "a01", "post", f"/api/tickets/{oid}/assign", json={"agent_id": "a02"})
    refused = call(
        c, "a02", "post", f"/api/tickets/{oid}/resolve", 409, json={"resolution": "found"}
    )
    assert refused["detail"] == (
        "cannot resolve an order that is assigned; resolve is allowed only when it is "
        "new, in_progress, waiting"
    )
    call(c, "a02", "post", f"/api/tickets/{oid}/accept")
    assert call(c, "a02", "post", f"/api/tickets/{oid}/confirm", 404) is not None  # no such action
    refused = call(c, "a02", "post", f"/api/tickets/{oid}/answer", 409, json={"solved": True})
    assert "cannot confirm an order that is in_progress" in refused["detail"]
    trail = call(c, "a01", "get", f"/api/tickets/{oid}/events")
    assert [(e["kind"], e["actor"]) for e in trail] == [
        ("order.created", "a01"),
        ("order.assigned", "a01"),
        ("order.accepted", "a02"),
    ]
    assert trail[0]["data"]["customer"] == "138****5678"
    revealed = call(c, "a01", "post", f"/api/tickets/{oid}/reveal")
    assert revealed["customer"] == "13812345678"
    assert svc(c).core.audit_entries(target=f"order:{oid}")[0].user == "a01"


def test_dispatch_to_an_outside_team_that_sees_only_its_orders(c):
    call(
        c,
        "supervisor",
        "post",
        "/api/teams",
        201,
        json={"id": "onsite", "name": "966 红岩连线 on-site desk", "kind": "on_site"},
    )
    call(c, "supervisor", "post", "/api/teams", 201, json={"id": "crew", "name": "train crew"})
    call(c, "supervisor", "post", "/api/teams/onsite/members", 201, json={"username": "desk1"})
    cid = answered_call(c, queue="special_assistance")
    mine = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={
            "category": "help_request",
            "title": "wheelchair at gate 12",
            "contact_id": cid,
            "team": "onsite",
            "confidential": True,
        },
    )
    other = call(
        c,
        "supervisor",
        "post",
        "/api/tickets",
        201,
        json={
            "category": "lost_item",
            "title": "phone on G87",
            "team": "crew",
            "customer": "13900000000",
            "fields": {"item": "phone", "where_lost": "G87 car 5"},
        },
    )
    assert mine["state"] == "assigned" and mine["team"] == "onsite"
    assert [m.to for m in svc(c).notifier.sent if m.kind == "order_dispatched"] == [
        "team:onsite",
        "team:crew",
    ]
    queue = call(c, "desk1", "get", "/api/teams/me/queue")
    assert queue["teams"] == ["onsite"] and [o["id"] for o in queue["orders"]] == [mine["id"]]
    assert queue["orders"][0]["customer"] is None  # confidential: hidden from the department
    assert [o["id"] for o in call(c, "desk1", "get", "/api/tickets")] == [mine["id"]]
    assert c.get(f"/api/tickets/{other['id']}", headers=c.as_["desk1"]).status_code == 403
    assert c.get("/api/teams/crew/queue", headers=c.as_["desk1"]).status_code == 403
    assert c.post(f"/api/tickets/{other['id']}/accept", headers=c.as_["desk1"]).status_code == 403
    # core endpoints refuse `team` logins once the lead's deps.py change is in (see the
    # last test); until then an unlinked login could list queued contacts (masked)
    assert c.get("/api/contacts", headers=c.as_["desk1"]).status_code in (200, 403)
    oid = mine["id"]
    refused = c.post(f"/api/tickets/{oid}/accept", headers=c.as_["a01"])
    assert refused.status_code == 403 and "team onsite" in refused.json()["detail"]
    call(c, "desk1", "post", f"/api/tickets/{oid}/accept")
    call(c, "desk1", "post", f"/api/tickets/{oid}/progress", json={"note": "staff on the way"})
    assert (
        c.post(
            f"/api/tickets/{oid}/dispatch", json={"team": "crew"}, headers=c.as_["desk1"]
        ).status_code
        == 403
    )
    done = call(
        c,
        "desk1",
        "post",
        f"/api/tickets/{oid}/resolve",
        json={"resolution": "passenger escorted to gate 12"},
    )
    assert done["state"] == "resolved" and done["first_action_at"] is not None
    # the contact center sees it live: the team's moves are on the timeline stream
    kinds = [e.kind for e in svc(c).core.events(0, 10_000) if e.data.get("order_id") == oid]
    assert kinds[-4:-1] == ["order.accepted", "order.progress", "order.resolved"]
    assert call(c, "a01", "get", f"/api/tickets/{oid}")["state"] == "resolved"


def test_the_closed_loop_notifies_reopens_and_closes_without_an_answer(c):
    cid = answered_call(c, customer="13700001234")
    oid = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={"category": "complaint", "title": "rude staff at check-in", "contact_id": cid},
    )["id"]
    call(c, "a01", "post", f"/api/tickets/{oid}/accept")
    call(c, "a01", "post", f"/api/tickets/{oid}/resolve", json={"resolution": "staff retrained"})
    [told] = [m for m in svc(c).notifier.sent if m.kind == "order_resolved"]
    assert told.to == "13700001234" and "staff retrained" in told.text
    trail = call(c, "a01", "get", f"/api/tickets/{oid}/events")
    assert trail[-1]["kind"] == "order.notified" and trail[-1]["data"]["to"] == "customer"
    assert trail[-1]["data"]["ok"] is True
    reopened = call(
        c,
        "channel",
        "post",
        f"/api/tickets/{oid}/answer",
        json={"solved": False, "comment": "nobody apologised"},
    )
    assert reopened["state"] == "reopened" and reopened["reopened"] == 1
    assert any(m.kind == "order_reopened" for m in svc(c).notifier.sent)
    call(c, "a01", "post", f"/api/tickets/{oid}/accept")
    resolved = call(
        c,
        "a01",
        "post",
        f"/api/tickets/{oid}/resolve",
        json={"resolution": "manager called the passenger"},
    )
    assert resolved["confirm_due"] == pytest.approx(time.time() + 3 * DAY, abs=60)
    assert svc(c).tick(now=time.time() + 2 * DAY).closed == 0
    assert svc(c).tick(now=time.time() + 3 * DAY + 120).closed == 1
    closed = call(c, "supervisor", "get", f"/api/tickets/{oid}")
    assert (closed["state"], closed["close_reason"]) == ("closed", "no_answer")
    # a confirmed order closes at once
    cid2 = answered_call(c, customer="13700005678")
    oid2 = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={"category": "consultation", "title": "baggage allowance", "contact_id": cid2},
    )["id"]
    call(c, "a01", "post", f"/api/tickets/{oid2}/resolve", json={"resolution": "23 kg"})
    done = call(c, "channel", "post", f"/api/tickets/{oid2}/answer", json={"solved": True})
    assert (done["state"], done["close_reason"]) == ("closed", "confirmed")


def test_each_escalation_trigger_raises_priority_and_tells_someone(c):
    cid = answered_call(c, customer="13600001111")
    order = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={
            "category": "fault_report",
            "title": "no power on floor 3",
            "contact_id": cid,
            "fields": {"address": "Terminal 3, floor 3"},
        },
    )
    oid, p0 = order["id"], order["priority"]
    # SLA at risk: 26 of the 30 minutes to first action are gone
    report = svc(c).tick(now=time.time() + 26 * 60)
    assert report.escalated == 1
    risky = call(c, "supervisor", "get", f"/api/tickets/{oid}")
    assert risky["priority"] == p0 + 1 and risky["escalations"] == 1
    assert call(c, "supervisor", "get", "/api/tickets/at-risk") == []  # now: 0 % used
    svc(c).clock = lambda: time.time() + 26 * 60  # the service's clock is injected
    [shown] = call(c, "supervisor", "get", "/api/tickets/at-risk")
    assert shown["id"] == oid and shown["sla"]["worst"] == "first_action"
    svc(c).clock = time.time
    assert svc(c).tick(now=time.time() + 27 * 60).escalated == 0  # fires once
    # the customer calls again about it: the new contact is linked and the order goes up
    again = answered_call(c, customer="13600001111")
    linked = call(c, "a01", "post", f"/api/tickets/{oid}/contacts", json={"contact_id": again})
    assert linked["repeat_contacts"] == 1 and linked["priority"] == p0 + 2
    # an unhappy rating of that contact escalates again and tells the supervisor
    rated = call(
        c,
        "channel",
        "post",
        "/api/surveys",
        201,
        json={"contact_id": again, "dtmf": "3", "comment": "still dark"},
    )
    assert rated["rating"] == "unsatisfied" and rated["escalated_orders"] == [oid]
    final = call(c, "supervisor", "get", f"/api/tickets/{oid}")
    assert final["priority"] == p0 + 3
    rules = [
        e["data"]["rule"]
        for e in call(c, "supervisor", "get", f"/api/tickets/{oid}/events")
        if e["kind"] == "order.escalated"
    ]
    assert rules == ["sla-at-risk", "called-again", "unhappy"]
    told = [m.to for m in svc(c).notifier.sent if m.kind == "escalation"]
    assert told.count("role:supervisor") == 2 and "agent:a01" not in told


def test_profiles_portraits_and_surveys_mask_numbers(c):
    made = call(
        c,
        "supervisor",  # agents register only their own contact's caller (test_customer_access)
        "post",
        "/api/customers",
        201,
        json={
            "identifiers": [
                {"kind": "phone", "value": "13512345678"},
                {"kind": "wechat", "value": "oWx_123456789"},
            ],
            "name": "张先生",
            "tags": ["elderly"],
            "area": "渝北",
        },
    )
    assert [i["value"] for i in made["identifiers"]] == ["135****5678", "oWx******6789"]
    hint = call(c, "channel", "get", "/api/customers/lookup?identifier=oWx_123456789")
    assert hint["priority_hint"] == 2 and hint["tags"] == ["elderly"]
    assert call(c, "channel", "get", "/api/customers/lookup?identifier=1")["known"] is False
    cid = answered_call(c, customer="13512345678")
    oid = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={"category": "help_request", "title": "needs a wheelchair", "contact_id": cid},
    )["id"]
    order = call(c, "a01", "get", f"/api/tickets/{oid}")
    assert order["expedited"] and order["priority"] == 3  # elderly → special-assistance rule
    call(c, "channel", "post", "/api/surveys", 201, json={"contact_id": cid, "score": 9})
    again = answered_call(c, customer="13512345678")
    portrait = call(c, "a01", "get", f"/api/customers/portrait/{again}")
    assert portrait["customer"]["name"] == "张先生"
    assert portrait["intent"]["intent"] == "follow_up" and portrait["intent"]["source"] == "rule"
    assert portrait["repeat"]["repeat"] and portrait["repeat"]["earlier_contacts"] == [cid]
    assert portrait["satisfaction"]["satisfied_rate"] == 1.0
    assert all(x["customer"] == "135****5678" for x in portrait["contacts"])
    assert c.get(f"/api/customers/portrait/{again}", headers=c.as_["a02"]).status_code == 403
    profile = call(c, "supervisor", "get", f"/api/customers/{made['id']}")
    assert profile["open_orders"] == 1 and profile["orders"][0]["customer"] == "135****5678"
    summary = call(c, "supervisor", "get", "/api/surveys/summary?by=queue")
    assert summary["groups"]["general"]["response_rate"] == 1.0
    kpis = call(c, "supervisor", "get", "/api/tickets/kpis")
    assert kpis["opened"] == 1 and kpis["satisfied_rate"] == 1.0
    assert "限时办结率" in kpis["definitions"]["on_time_rate"]


def test_sla_budgets_and_rules_are_changed_as_data_by_an_admin(c):
    current = call(c, "supervisor", "get", "/api/tickets/config")
    body = current["config"]
    body["categories"]["complaint"]["resolution"] = "3wd"
    assert c.put("/api/tickets/config", json=body, headers=c.as_["supervisor"]).status_code == 403
    assert call(c, "admin", "put", "/api/tickets/config", json=body)["version"] == 1
    cid = answered_call(c)
    order = call(
        c,
        "a01",
        "post",
        "/api/tickets",
        201,
        json={"category": "complaint", "title": "x", "contact_id": cid},
    )
    assert order["sla"]["resolution"]["budget_s"] == 27 * 3600
    body["rules"][0]["do"] = [{"shout": 1}]
    bad = call(c, "admin", "put", "/api/tickets/config", 422, json=body)
    assert bad["detail"].startswith("rules[0].do[0]: unknown effect")


def test_after_integration_a_team_login_is_created_normally_and_sees_no_contacts(c):
    store = c.app.state.service.store
    store.create_user("desk2", hash_password(DEMO_PASSWORD), "team")
    h = login(c, "desk2")
    assert c.get("/api/contacts", headers=h).status_code == 403
    assert c.get("/api/queues", headers=h).status_code == 403
    assert c.get("/api/auth/me", headers=h).status_code == 200
    assert c.get("/api/tickets", headers=h).status_code == 200  # its (empty) own orders
