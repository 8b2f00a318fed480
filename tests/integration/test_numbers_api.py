"""Specification: the numbers the API shows do not mislead (SQLite and PostgreSQL).

Each case was found on a live demo center: "today's" occupancy 0.0004 (the hours to come were
counted as idle), an offline agent "in state" for 1.8×10⁹ s, a contact offered at once told to
expect a 150 s wait, ISO dates refused by `/api/kpis` although the CLI takes them.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.kpi import field_definitions

from .api_client import login, running_app

CENTER_TZ = ZoneInfo("Asia/Shanghai")  # the demo center's zone


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.headers_for = {u: login(c, u) for u in ("supervisor", "channel", "a01")}
        c.cookies.clear()
        yield c


def busy_a01(client) -> str:
    """a01 logs in, becomes available, is offered a call at once and accepts it."""
    a01, ch = client.headers_for["a01"], client.headers_for["channel"]
    assert client.post("/api/agents/me/state", json={"state": "login"}, headers=a01).is_success
    assert client.post("/api/agents/me/state", json={"state": "available"}, headers=a01).is_success
    r = client.post("/api/contacts", json={"queue": "general"}, headers=ch)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert client.post(f"/api/contacts/{cid}/accept", headers=client.headers_for["a01"]).is_success
    return cid


def test_a_contact_offered_at_once_is_told_it_will_not_wait(client):
    a01, ch = client.headers_for["a01"], client.headers_for["channel"]
    client.post("/api/agents/me/state", json={"state": "login"}, headers=a01)
    client.post("/api/agents/me/state", json={"state": "available"}, headers=a01)
    offered = client.post("/api/contacts", json={"queue": "general"}, headers=ch).json()
    assert offered["status"] == "offered"
    assert offered["estimated_wait_s"] == 0.0
    waiting = client.post("/api/contacts", json={"queue": "general"}, headers=ch).json()
    assert waiting["status"] == "queued"
    assert waiting["estimated_wait_s"] > 0  # behind a busy agent: a real estimate


def test_an_agent_who_never_logged_in_has_no_time_in_state(client):
    agents = client.get("/api/agents", headers=client.headers_for["supervisor"]).json()
    never = next(a for a in agents if a["id"] == "a08")
    assert never["state"] == "offline"
    assert never["state_since"] is None and never["time_in_state_s"] is None
    busy_a01(client)
    agents = client.get("/api/agents", headers=client.headers_for["supervisor"]).json()
    a01 = next(a for a in agents if a["id"] == "a01")
    assert 0 <= a01["time_in_state_s"] < 60 and a01["state_since"] <= time.time()


def test_todays_occupancy_counts_only_the_hours_that_happened(client):
    busy_a01(client)
    time.sleep(0.3)  # a01 busy for a measurable time
    sup = client.headers_for["supervisor"]
    today = datetime.now(CENTER_TZ).date()
    tomorrow = today + timedelta(days=1)
    r = client.get("/api/kpis", params={"from": str(today), "to": str(tomorrow)}, headers=sup)
    assert r.status_code == 200, r.text
    k = r.json()
    assert k["occupancy"] > 0.5  # busy nearly all the time since a01 became available
    assert k["to"] <= time.time()  # cut at now, not at tomorrow's midnight
    midnight = datetime.combine(today, datetime.min.time(), CENTER_TZ).timestamp()
    assert k["from"] == midnight and k["timezone"] == "Asia/Shanghai"
    last_24h = client.get("/api/kpis", headers=sup).json()
    assert last_24h["occupancy"] == pytest.approx(k["occupancy"], abs=0.05)


def test_kpis_take_iso_dates_times_offsets_and_epoch_seconds_alike(client):
    sup = client.headers_for["supervisor"]
    local = client.get(
        "/api/kpis", params={"from": "2026-11-25", "to": "2026-11-25T12:00"}, headers=sup
    ).json()
    offset = client.get(
        "/api/kpis",
        params={"from": "2026-11-24T16:00:00Z", "to": "2026-11-25T12:00+08:00"},
        headers=sup,
    ).json()
    start = datetime(2026, 11, 25, tzinfo=CENTER_TZ).timestamp()
    epoch = client.get(
        "/api/kpis", params={"from": str(start), "to": str(start + 12 * 3600)}, headers=sup
    ).json()
    expected = min(start + 12 * 3600, time.time())
    assert (local["from"], local["to"]) == (offset["from"], offset["to"]) == (start, expected)
    assert (epoch["from"], epoch["to"]) == (start, expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "NaN"}, "from"),
        ({"from": "2026-11-26", "to": "2026-11-25"}, "from"),
        ({"sl_formula": "best"}, "sl_formula"),
    ],
)
def test_a_bad_range_is_a_422_naming_the_field(client, params, field):
    r = client.get("/api/kpis", params=params, headers=client.headers_for["supervisor"])
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["query", field], detail
    assert detail[0]["msg"]


def test_openapi_states_each_kpi_definition_on_its_field(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    figures = schemas["KpisFigures"]["properties"]
    for name, text in field_definitions().items():
        assert figures[name]["description"] == text, name
    assert "占用率" in figures["occupancy"]["description"]
    params = client.get("/openapi.json").json()["paths"]["/api/kpis"]["get"]["parameters"]
    assert "ISO 8601" in next(p for p in params if p["name"] == "from")["description"]


def test_every_face_quotes_the_routing_cores_one_estimate_for_the_same_contact(db_url):
    """The creation answer, the stored `contact.queued` fact, the chat widget and the router
    agree about the same waiting contact: one estimate, computed by the routing core."""
    from .test_chat_api import Customer, chat_app

    with chat_app(db_url) as client:
        client.headers_for = {"a01": client.as_["a01"], "channel": login(client, "channel")}
        busy_a01(client)  # the only agent serving: every estimate is a real one
        service, ch = client.app.state.service, client.headers_for["channel"]

        def fact_ewt(cid: str) -> float:
            facts = service.store.events_for_contact(cid)
            return [e for e in facts if e.kind == "contact.queued"][-1].data["ewt_s"]

        c = Customer(client)
        chat = f"chat-{c.sid}"
        widget = c.post("agent")["state"]
        core = service.read(lambda r: r.estimated_wait("chat", chat))
        assert core is not None and core > 0
        assert widget["ewt_s"] == core == fact_ewt(chat)

        call = client.post("/api/contacts", json={"queue": "general"}, headers=ch).json()
        assert call["status"] == "queued"
        core = service.read(lambda r: r.estimated_wait("general", call["id"]))
        assert call["estimated_wait_s"] == core == fact_ewt(call["id"]) > 0
        assert c.poll()["state"]["ewt_s"] == service.read(lambda r: r.estimated_wait("chat", chat))
