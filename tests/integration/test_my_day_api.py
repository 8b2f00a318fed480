"""`GET /api/ui/my-day` through the real app (SQLite and PostgreSQL): an agent's own figures
today against the team's - handled, handle time, satisfaction, QA score - each from where the
wallboard and reports read it; only logins linked to an agent have a day."""

from __future__ import annotations

import pytest

from hotline.domain.records import EventRecord

from .api_client import login
from .test_tickets_api import answered_call, call, ticket_app


@pytest.fixture
def c(db_url):
    with ticket_app(db_url) as client:
        client.as_ = {u: _login(client, u) for u in ("supervisor", "channel", "a01", "a02")}
        client.cookies.clear()
        yield client


def _login(client, user):
    return login(client, user)


def _finish(c, agent, cid):
    call(c, agent, "post", f"/api/contacts/{cid}/complete", json={})
    call(c, agent, "post", "/api/agents/me/wrap-up-done")


def test_my_day_counts_my_contacts_against_the_team(c):
    empty = call(c, "a01", "get", "/api/ui/my-day")
    assert empty["me"] == {
        "handled": 0,
        "aht_s": None,
        "satisfied_rate": None,
        "survey_replies": 0,
        "qa_score": None,
        "qa_n": 0,
    }
    assert empty["team"]["handled"] is None and empty["team"]["agents"] == 0

    first = answered_call(c, "a01", customer="13800000001")
    _finish(c, "a01", first)
    second = answered_call(c, "a01", customer="13800000002")
    _finish(c, "a01", second)
    call(c, "a01", "post", "/api/agents/me/state", json={"state": "not_ready", "reason": "break"})
    other = answered_call(c, "a02", customer="13900000001")
    _finish(c, "a02", other)
    for cid, dtmf in [(first, "1"), (second, "3"), (other, "1")]:
        call(c, "channel", "post", "/api/surveys", 201, json={"contact_id": cid, "dtmf": dtmf})

    # quality checks as the QA pipeline records them (hotline.services.qa)
    service = c.app.state.service
    for cid, agent, score in [(first, "a01", 80.0), (second, "a01", 90.0), (other, "a02", 70.0)]:
        fact = EventRecord(service.clock(), "qa.analysed", cid, agent, data={"score": score})
        service.annotate(fact)

    day = call(c, "a01", "get", "/api/ui/my-day")
    assert (day["me"]["qa_score"], day["me"]["qa_n"]) == (85.0, 2)
    assert (day["team"]["qa_score"], day["team"]["qa_n"]) == (80.0, 3)
    assert day["me"]["handled"] == 2
    assert day["me"]["aht_s"] is not None and day["me"]["aht_s"] >= 0
    assert day["me"]["survey_replies"] == 2 and day["me"]["satisfied_rate"] == 0.5
    assert day["team"]["handled"] == 1.5 and day["team"]["agents"] == 2  # 2 and 1
    assert day["team"]["survey_replies"] == 3
    assert day["team"]["satisfied_rate"] == pytest.approx(2 / 3)
    board = call(c, "supervisor", "get", "/api/ui/wallboard/stats")["handled_today"]
    assert board["a01"] == day["me"]["handled"]  # the desk and the wallboard agree

    other_day = call(c, "a02", "get", "/api/ui/my-day")
    assert other_day["me"]["handled"] == 1 and other_day["me"]["satisfied_rate"] == 1.0
    # a supervisor has no agent, hence no day of their own
    assert c.get("/api/ui/my-day", headers=c.as_["supervisor"]).status_code == 403
    assert c.get("/api/ui/my-day").status_code == 401
