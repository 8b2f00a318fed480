"""Work orders go home (issue 12): an order B's agent opens for a caller A overflowed to B
belongs to A. Two real `hotline serve` processes, each with its own database.

* A opens the same order, linked to its own copy of the contact; B's audit trail records the
  hand-over with A's order id;
* while A cannot be reached, B's order is taken at once and the hand-over waits in B's outbox;
  when A is back it arrives, once (a retry is the same order at A).
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from .federation_centers import Center, wait_until


def _orders(api) -> list[dict]:
    r = api.get("/api/tickets")
    assert r.status_code == 200, r.text
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def _notified(api, order_id: str) -> list[dict]:
    evs = api.get(f"/api/tickets/{order_id}/events").json()
    return [
        e
        for e in evs
        if e["kind"] == "order.notified" and e["data"].get("to", "").startswith("center:")
    ]


def test_an_order_for_a_peers_caller_goes_home_and_survives_the_peer_being_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HOTLINE_TICKETS_EVERY_S", "1")  # B retries its outbox every second
    a, b = Center("A", tmp_path, agents=1), Center("B", tmp_path, agents=1)
    a.configure([b])
    b.configure([a])
    try:
        a.start()
        b.start()
        a_chan, a1 = a.api("channel"), a.ready("a1")
        a.chat(a_chan, "a-first")
        assert a1.post("/api/contacts/a-first/accept").status_code == 200
        b1 = b.ready("b1")
        a.chat(a_chan, "a-moved")  # A's one agent is busy: the chat moves to idle B
        b_sup, a_sup = b.api("supervisor"), a.api("supervisor")
        wait_until(lambda: b_sup.get("/api/contacts/a-moved").status_code == 200)
        wait_until(lambda: b1.get("/api/agents/me").json().get("offer"))
        assert b1.post("/api/contacts/a-moved/accept").status_code == 200

        body = {"category": "help_request", "title": "改签失败，请回电", "contact_id": "a-moved"}
        r = b1.post("/api/tickets", json=body)
        assert r.status_code == 201, r.text
        at_b = r.json()["id"]
        [home] = wait_until(lambda: _notified(b_sup, at_b))
        assert home["data"]["to"] == "center:A" and home["data"]["ok"], home
        at_a = home["data"]["detail"]
        order = a_sup.get(f"/api/tickets/{at_a}").json()
        assert order["title"] == "改签失败，请回电" and order["origin"] == "federation"
        assert order["contact_ids"] == ["a-moved"]  # linked to A's own copy of the contact
        assert order["fields"]["peer_center"] == "B" and order["fields"]["peer_order_id"] == at_b

        a.pause()  # A stops answering: B's agent is not blocked for long, nothing is lost
        r = b1.post("/api/tickets", json=body | {"title": "第二张"})
        assert r.status_code == 201, r.text
        second = r.json()["id"]
        assert _notified(b_sup, second) == []
        a.proc.send_signal(signal.SIGCONT)
        [back] = wait_until(lambda: _notified(b_sup, second), timeout=40)
        assert back["data"]["ok"], back
        titles = sorted(o["title"] for o in _orders(a_sup))
        assert titles == ["改签失败，请回电", "第二张"]  # each once
    finally:
        a.stop()
        b.stop()
