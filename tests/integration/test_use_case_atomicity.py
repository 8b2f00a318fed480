"""One use case, one decision on the router thread: retries and repeats are answered, never
half-done (real app, SQLite and PostgreSQL).

- The gateway retries `POST /api/contacts` when an answer is lost; a retry with the same id and
  the same request gets the contact the first try made, a different request with that id 409.
- Accepting is decided by the router, not by a read before the write: the phone picking up after
  the desktop accepted, a second click, or a contact transferred to another agent all work, and
  the phone's accept and its bridge fact share one commit.
- A chat is marked "queued" only after its contact and hand-over facts are stored: if the
  arrival fails, the chat stays with the bot and the next request hands it over.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from .api_client import login, running_app
from .test_chat_api import Customer, chat_app


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        yield c


def ready(client, agent: str) -> dict[str, str]:
    headers = login(client, agent)
    for state in ("login", "available"):
        r = client.post("/api/agents/me/state", json={"state": state}, headers=headers)
        assert r.status_code == 200, r.text
    return headers


def kinds(client, cid: str) -> list[str]:
    return [e.kind for e in client.app.state.service.store.events_for_contact(cid)]


def test_a_retried_contact_creation_answers_with_the_contact_the_first_try_made(client):
    channel = login(client, "channel")
    # nobody is logged in: the call waits in a queue without an EWT rule
    body = {"id": "call-7", "queue": "special_assistance", "customer": "13800000007", "priority": 2}
    first = client.post("/api/contacts", json=body, headers=channel)
    assert first.status_code == 201, first.text
    retry = client.post("/api/contacts", json=body, headers=channel)
    assert retry.status_code == 201, retry.text
    assert first.json()["status"] == retry.json()["status"] == "queued"
    assert retry.json()["id"] == "call-7"
    assert retry.json()["created_at"] == first.json()["created_at"]
    assert kinds(client, "call-7").count("contact.created") == 1

    other = client.post("/api/contacts", json=body | {"customer": "13900000000"}, headers=channel)
    assert other.status_code == 409, other.text
    assert "call-7" in other.json()["detail"]

    assert client.post("/api/contacts/call-7/leave", json={}, headers=channel).status_code == 200
    late = client.post(
        "/api/contacts", json=body, headers=channel
    )  # ended: only the store knows it
    assert late.status_code == 201, late.text
    assert (
        late.json()["status"] == "ended" and late.json()["created_at"] == first.json()["created_at"]
    )
    assert kinds(client, "call-7").count("contact.created") == 1


def test_a_retry_is_the_same_request_even_after_a_supervisor_moved_the_contact(client):
    channel, sup = login(client, "channel"), login(client, "supervisor")
    body = {"id": "call-8", "queue": "special_assistance", "customer": "13800000008"}
    assert client.post("/api/contacts", json=body, headers=channel).status_code == 201
    r = client.post("/api/contacts/call-8/move", json={"queue": "chat"}, headers=sup)
    assert r.status_code == 200, r.text
    retry = client.post("/api/contacts", json=body, headers=channel)
    assert retry.status_code == 201, retry.text
    assert retry.json()["queue"] == "chat" and retry.json()["status"] == "queued"


def test_the_phone_picking_up_after_the_desktop_accepted_is_one_answer(client):
    channel, agent = login(client, "channel"), ready(client, "a01")
    r = client.post("/api/contacts", json={"id": "call-1", "queue": "general"}, headers=channel)
    assert r.status_code == 201 and r.json()["status"] == "offered", r.text
    assert client.post("/api/contacts/call-1/accept", headers=agent).status_code == 200
    again = client.post("/api/contacts/call-1/accept", headers=agent)  # a second click
    assert again.status_code == 200, again.text
    phone = client.post("/api/voice/call-1/answered", json={"agent_id": "a01"}, headers=channel)
    assert phone.status_code == 200, phone.text
    assert kinds(client, "call-1") == [
        "contact.created",
        "contact.queued",
        "contact.offered",
        "contact.answered",
        "voice.bridged",
    ]


def test_a_stale_accept_is_refused_with_the_reason_and_stores_nothing(client):
    """The offer moved on (declined, re-offered to a02) before a01's late click or pick-up."""
    channel, a01 = login(client, "channel"), ready(client, "a01")
    r = client.post("/api/contacts", json={"id": "s1", "queue": "general"}, headers=channel)
    assert r.json()["agent_id"] == "a01", r.text
    a02 = ready(client, "a02")
    assert client.post("/api/contacts/s1/decline", headers=a01).status_code == 200
    snap = client.app.state.service.read(lambda router: router.contact("s1"))
    assert (snap.agent_id, snap.status.value) == ("a02", "offered")
    before = kinds(client, "s1")

    late = client.post("/api/contacts/s1/accept", headers=a01)
    assert late.status_code == 409 and "not offered to agent a01" in late.json()["detail"]
    phone = client.post("/api/voice/s1/answered", json={"agent_id": "a01"}, headers=channel)
    assert phone.status_code == 409 and "not offered to agent a01" in phone.json()["detail"]
    assert kinds(client, "s1") == before  # no answer, no bridge

    assert client.post("/api/contacts/s1/accept", headers=a02).status_code == 200
    snap = client.app.state.service.read(lambda router: router.contact("s1"))
    assert (snap.agent_id, snap.status.value) == ("a02", "active")


def test_the_phone_answering_commits_the_accept_and_the_bridge_together(client):
    service = client.app.state.service
    channel, _agent = login(client, "channel"), ready(client, "a01")
    r = client.post("/api/contacts", json={"id": "c1", "queue": "general"}, headers=channel)
    assert r.status_code == 201, r.text
    before = service.stats.commits
    r = client.post("/api/voice/c1/answered", json={"agent_id": "a01"}, headers=channel)
    assert r.status_code == 200, r.text
    assert service.stats.commits - before == 1
    assert kinds(client, "c1")[-2:] == ["contact.answered", "voice.bridged"]


def test_the_agent_hanging_up_completes_and_notes_it_in_one_commit(client):
    service = client.app.state.service
    channel = login(client, "channel")
    heads = {}
    for cid, agent in (("h1", "a01"), ("h2", "a02")):
        heads[agent] = ready(client, agent)
        r = client.post("/api/contacts", json={"id": cid, "queue": "general"}, headers=channel)
        assert r.json()["agent_id"] == agent, r.text
        r = client.post(f"/api/voice/{cid}/answered", json={"agent_id": agent}, headers=channel)
        assert r.status_code == 200, r.text

    before = service.stats.commits
    r = client.post("/api/voice/h1/hangup", json={"agent_id": "a01"}, headers=channel)
    assert r.json() == {"ok": True}
    assert service.stats.commits - before == 1
    assert kinds(client, "h1")[-2:] == ["contact.ended", "voice.hangup"]

    # completed on the desktop first: the hang-up only notes it
    r = client.post("/api/contacts/h2/complete", json={}, headers=heads["a02"])
    assert r.status_code == 200, r.text
    r = client.post("/api/voice/h2/hangup", json={"agent_id": "a02"}, headers=channel)
    assert r.json() == {"ok": True}
    assert kinds(client, "h2")[-2:] == ["contact.ended", "voice.hangup"]
    assert kinds(client, "h2").count("contact.ended") == 1


def test_the_phone_of_the_agent_a_call_was_transferred_to_accepts_it(client):
    channel, a01 = login(client, "channel"), ready(client, "a01")
    r = client.post("/api/contacts", json={"id": "c2", "queue": "general"}, headers=channel)
    assert r.json()["agent_id"] == "a01", r.text
    r = client.post("/api/voice/c2/answered", json={"agent_id": "a01"}, headers=channel)
    assert r.status_code == 200, r.text
    ready(client, "a02")
    r = client.post("/api/contacts/c2/transfer", json={"agent_id": "a02"}, headers=a01)
    assert r.status_code == 200, r.text
    r = client.post("/api/voice/c2/answered", json={"agent_id": "a02"}, headers=channel)
    assert r.status_code == 200, r.text
    snap = client.app.state.service.read(lambda router: router.contact("c2"))
    assert snap.agent_id == "a02" and snap.status.value == "active"


def refuse_router_facts(engine, flag: list[bool]) -> None:
    """The database refuses the router's fact table (an outage of that commit) while set."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(conn, cursor, statement, params, context, many) -> None:
        if flag[0] and statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            raise ConnectionError("the database went away (test)")


def test_a_chat_whose_arrival_failed_stays_with_the_bot_and_is_handed_over_next_time(db_url):
    with chat_app(db_url) as client:
        service = client.app.state.service
        down = [True]
        refuse_router_facts(service.store.engine, down)
        c = Customer(client)
        r = client.post(f"/api/chat/sessions/{c.sid}/agent", headers=c.headers)
        assert r.status_code == 503, r.text
        assert c.poll()["state"]["status"] == "bot"
        cid = f"chat-{c.sid}"
        assert service.read(lambda router: router.contact(cid)) is None

        down[0] = False
        assert c.post("agent")["state"]["status"] == "queued"
        assert service.read(lambda router: router.contact(cid)) is not None
        timeline = [e.kind for e in service.store.events_for_contact(cid)]
        assert timeline[0] == "contact.created" and timeline.count("chat.handover") == 1


def refuse_session_links(engine, flag: list[bool]) -> None:
    """The database refuses linking a chat session to its contact (the hand-over's second
    write) while set; every other statement goes through."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(conn, cursor, statement, params, context, many) -> None:
        sql = " ".join(statement.split()).upper()
        if flag[0] and sql.startswith("UPDATE CHAT_SESSIONS") and "CONTACT_ID=" in sql:
            raise ConnectionError("the database went away (test)")


def test_a_chat_whose_session_was_not_marked_follows_its_contact_to_the_agent(db_url):
    """The contact committed but the session's mark did not: the agent's answer still reaches
    the chat (it is found by its contact's id), and a repeated request marks nothing wrong."""
    with chat_app(db_url) as client:
        service = client.app.state.service
        a01 = client.as_["a01"]
        for state in ("login", "available"):
            client.post("/api/agents/me/state", json={"state": state}, headers=a01)
        down = [True]
        refuse_session_links(service.store.engine, down)
        c = Customer(client)
        with pytest.raises(ConnectionError):
            client.post(f"/api/chat/sessions/{c.sid}/agent", headers=c.headers)
        down[0] = False
        cid = f"chat-{c.sid}"
        assert service.read(lambda router: router.contact(cid)).agent_id == "a01"  # offered

        r = client.post(f"/api/contacts/{cid}/accept", headers=a01)
        assert r.status_code == 200, r.text
        state = c.wait_for(lambda out: out["state"]["status"] != "bot")["state"]
        assert (state["status"], state["agent_id"]) == ("agent", "a01")

        again = client.post(f"/api/chat/sessions/{c.sid}/agent", headers=c.headers)
        assert again.status_code == 200, again.text
        assert (again.json()["state"]["status"], again.json()["state"]["agent_id"]) == (
            "agent",
            "a01",
        )
        c.say("还在吗")  # the serving agent's desk hears the customer
        timeline = [e.kind for e in service.store.events_for_contact(cid)]
        assert timeline.count("contact.created") == 1 and "chat.message" in timeline


def failed_to_apply(caplog, kind: str, timeout: float = 5.0) -> None:
    """Wait until the chat's fact worker has tried `kind` and failed (it logs that)."""
    deadline = time.monotonic() + timeout
    while not any(f"could not apply {kind}" in m for m in caplog.messages):
        assert time.monotonic() < deadline, caplog.messages
        time.sleep(0.02)


@pytest.mark.parametrize("then", ["answered", "ended"])
def test_a_repeated_hand_over_marks_the_chat_as_its_contact_is_when_its_facts_were_lost(
    db_url, caplog, then
):
    """Neither the hand-over nor the facts after it could mark the session: the customer's
    next request marks it from the contact itself - with its agent, or ended - and never makes
    a second contact."""
    with chat_app(db_url) as client:
        service = client.app.state.service
        a01 = client.as_["a01"]
        for state in ("login", "available"):
            client.post("/api/agents/me/state", json={"state": state}, headers=a01)
        down = [True]
        refuse_session_links(service.store.engine, down)
        c = Customer(client)
        cid = f"chat-{c.sid}"
        with pytest.raises(ConnectionError):
            client.post(f"/api/chat/sessions/{c.sid}/agent", headers=c.headers)
        failed_to_apply(caplog, "contact.queued")
        assert client.post(f"/api/contacts/{cid}/accept", headers=a01).status_code == 200
        failed_to_apply(caplog, "contact.answered")
        if then == "ended":
            r = client.post(f"/api/contacts/{cid}/complete", json={}, headers=a01)
            assert r.status_code == 200, r.text
            failed_to_apply(caplog, "contact.ended")
        down[0] = False

        state = c.post("agent")["state"]
        if then == "answered":
            assert (state["status"], state["agent_id"]) == ("agent", "a01")
        else:
            assert state["status"] == "ended"
            assert service.read(lambda router: router.contact(cid)) is None
        timeline = [e.kind for e in service.store.events_for_contact(cid)]
        assert timeline.count("contact.created") == 1
