"""Specification: an agent sees a customer only after one of that customer's contacts was
routed to them; opening a work order with someone's number grants nothing (issue 19).

The world: customer 张女士 (13700000001) called and was served by a02, who opened an order
from that call. a01 never served her. Against the real app on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from .api_client import login, running_app

HER = "13700000001"


def call(c, user, method, path, status=200, **kw):
    r = getattr(c, method)(path, headers=c.as_[user], **kw)
    assert r.status_code == status, r.text
    return r.json()


def answered_call(c, agent, customer):
    """A call from `customer` answered by `agent` (earlier contacts completed first)."""
    me = call(c, agent, "get", "/api/agents/me")
    for contact_id in me["contacts"]:
        call(c, agent, "post", f"/api/contacts/{contact_id}/complete", json={})
    if me["state"] == "offline":
        call(c, agent, "post", "/api/agents/me/state", json={"state": "login"})
    if call(c, agent, "get", "/api/agents/me")["state"] == "wrap_up":
        call(c, agent, "post", "/api/agents/me/wrap-up-done")
    call(c, agent, "post", "/api/agents/me/state", json={"state": "available"})
    body = {"queue": "general", "customer": customer}
    cid = call(c, "channel", "post", "/api/contacts", 201, json=body)["id"]
    call(c, agent, "post", f"/api/contacts/{cid}/accept")
    return cid


@pytest.fixture
def c(db_url):
    with running_app(db_url) as client:
        client.as_ = {u: login(client, u) for u in ("supervisor", "channel", "a01", "a02")}
        client.cookies.clear()
        her_call = answered_call(client, "a02", HER)
        client.her = call(
            client, "supervisor", "post", "/api/customers", 201,
            json={"identifiers": [{"kind": "phone", "value": HER}], "name": "张女士",
                  "tags": ["elderly"]},
        )  # fmt: skip
        client.her_call = her_call
        client.her_order = call(
            client, "a02", "post", "/api/tickets", 201,
            json={"category": "complaint", "title": "行李破损", "contact_id": her_call},
        )  # fmt: skip
        yield client


def test_an_order_typed_with_someone_elses_number_does_not_reveal_the_customer(c):
    order = call(c, "a01", "post", "/api/tickets", 201,
                 json={"category": "consultation", "title": "probe", "customer": HER})  # fmt: skip
    assert order["customer_id"] is None
    assert call(c, "a01", "get", f"/api/tickets/{order['id']}")["customer_id"] is None
    assert all(o["customer_id"] is None for o in call(c, "a01", "get", "/api/tickets"))
    # the link is still made for those who may see it
    assert call(c, "supervisor", "get", f"/api/tickets/{order['id']}")["customer_id"] == c.her["id"]


def test_an_agent_who_never_served_the_customer_cannot_read_or_change_her(c):
    # the way in found in issue 19: open an order with her number, then read her by id
    call(c, "a01", "post", "/api/tickets", 201,
         json={"category": "consultation", "title": "probe", "customer": HER})  # fmt: skip
    path = f"/api/customers/{c.her['id']}"
    r = c.get(path, headers=c.as_["a01"])
    assert r.status_code == 403 and "contacts they handled" in r.json()["detail"]
    r = c.patch(path, json={"tags": ["vip"]}, headers=c.as_["a01"])
    assert r.status_code == 403
    assert c.get(f"/api/tickets/{c.her_order['id']}", headers=c.as_["a01"]).status_code == 403
    body = {"kind": "account", "value": "ACC-1"}
    assert c.post(f"{path}/identifiers", json=body, headers=c.as_["a01"]).status_code == 403
    assert call(c, "supervisor", "get", path)["customer"]["tags"] == ["elderly"]


def test_creating_a_customer_tells_an_agent_nothing_about_numbers_not_theirs(c):
    made = {"identifiers": [{"kind": "phone", "value": HER}]}
    r = c.post("/api/customers", json=made, headers=c.as_["a01"])
    assert r.status_code == 422 and r.json()["detail"].startswith("contact_id")
    own = answered_call(c, "a01", "13900000009")
    r = c.post("/api/customers", json={**made, "contact_id": own}, headers=c.as_["a01"])
    assert r.status_code == 403 and "identifier" in r.json()["detail"]
    r = c.post("/api/customers", json={"contact_id": c.her_call}, headers=c.as_["a01"])
    assert r.status_code == 403  # a02's contact, not a01's: no 409 either
    # the agent's own caller: a profile is made from the contact, number masked
    mine = call(c, "a01", "post", "/api/customers", 201, json={"contact_id": own})
    assert [(i["kind"], i["value"]) for i in mine["identifiers"]] == [("phone", "139****0009")]
    r = c.post("/api/customers", json={"contact_id": own}, headers=c.as_["a01"])
    assert r.status_code == 409  # about their own caller only
    # supervisors still register any identifiers, and learn of duplicates
    r = c.post("/api/customers", json=made, headers=c.as_["supervisor"])
    assert r.status_code == 409


def test_the_agent_who_served_her_sees_their_own_part_and_may_tag_her(c):
    path = f"/api/customers/{c.her['id']}"
    probe = call(c, "a01", "post", "/api/tickets", 201,
                 json={"category": "consultation", "title": "probe", "customer": HER})  # fmt: skip
    mine = call(c, "a02", "get", path)
    assert [x["id"] for x in mine["contacts"]] == [c.her_call]
    assert [o["id"] for o in mine["orders"]] == [c.her_order["id"]]  # not a01's probe
    assert mine["orders"][0]["customer_id"] == c.her["id"]
    assert all(x["customer"] == "137****0001" for x in mine["contacts"])
    tagged = call(c, "a02", "patch", path, json={"tags": ["elderly", "hearing"]})
    assert tagged["tags"] == ["elderly", "hearing"]
    everything = call(c, "supervisor", "get", path)
    assert {o["id"] for o in everything["orders"]} == {c.her_order["id"], probe["id"]}


def test_while_serving_her_an_agent_sees_her_history_and_afterwards_only_their_part(c):
    now = answered_call(c, "a01", HER)
    portrait = call(c, "a01", "get", f"/api/customers/portrait/{now}")
    assert {x["id"] for x in portrait["contacts"]} == {c.her_call, now}
    assert [o["id"] for o in portrait["orders"]] == [c.her_order["id"]]
    after = call(c, "a01", "get", f"/api/customers/{c.her['id']}")
    assert [x["id"] for x in after["contacts"]] == [now]
    assert after["orders"] == [] and after["open_orders"] == 0
    # another agent's live contact is still not a way in
    assert c.get(f"/api/customers/portrait/{now}", headers=c.as_["a02"]).status_code == 403
