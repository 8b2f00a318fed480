"""A recorded day replayed through the router: the whole list of facts, compared with `==`.

Two agents, one queue (10 s to answer an offer, 5 s of wrap-up). c1 is answered and completed;
c2 rings a2, who does not answer (a2 goes not-ready), waits with nobody free and hangs up: an
abandon that becomes a callback task, offered to a1 when their wrap-up ends. Any change in
routing decisions, timers or fact fields shows up as a difference in this list.
"""

from __future__ import annotations

from hotline.routing import Router

from ..unit.center import agent, center, queue
from .replay import facts, read_log, replay_router

CENTER = center(
    [queue("general", ("general", 1), offer_timeout_s=10.0, wrap_up_s=5.0)],
    [agent("a1", general=5), agent("a2", general=3)],
)
C1 = {"customer": "13800000001", "priority": 0, "green": False, "language": None}
C2 = {"customer": "13800000002", "priority": 0, "green": False, "language": None}

EXPECTED = [
    (0.0, "agent.state", None, "a1", {"from": "offline", "to": "available", "reason": "login"}),
    (1.0, "contact.created", "c1", None, C1 | {"intent": None, "origin_id": None}),
    (1.0, "contact.queued", "c1", None, {"ewt_s": 0.0, "position": 0, "stage": 0}),
    (1.0, "agent.state", None, "a1", {"from": "available", "to": "reserved", "reason": "voice"}),
    (1.0, "contact.offered", "c1", "a1", {"expires_at": 11.0}),
    (2.0, "agent.state", None, "a1", {"from": "reserved", "to": "busy", "reason": "voice"}),
    (2.0, "contact.answered", "c1", "a1", {"wait_s": 1.0, "first": True}),
    (3.0, "contact.created", "c2", None, C2 | {"intent": None, "origin_id": None}),
    (3.0, "contact.queued", "c2", None, {"ewt_s": 180.1, "position": 0, "stage": 0}),
    (4.0, "agent.state", None, "a2", {"from": "offline", "to": "available", "reason": "login"}),
    (4.0, "agent.state", None, "a2", {"from": "available", "to": "reserved", "reason": "voice"}),
    (4.0, "contact.offered", "c2", "a2", {"expires_at": 14.0}),
    (14.0, "contact.offer_revoked", "c2", "a2", {"reason": "ring_no_answer"}),
    (
        14.0,
        "agent.state",
        None,
        "a2",
        {"from": "reserved", "to": "not_ready", "reason": "ring_no_answer"},
    ),
    (
        14.0,
        "contact.queued",
        "c2",
        None,
        {"ewt_s": None, "position": None, "stage": 0, "requeued": True},
    ),
    (20.0, "contact.ended", "c2", None, {"outcome": "abandoned", "wait_s": 17.0, "talk_s": None}),
    (20.0, "contact.callback_created", "c2", None, {"callback_id": "c2-cb", "due_at": 20.0}),
    (20.0, "contact.created", "c2-cb", None, C2 | {"intent": None, "origin_id": "c2"}),
    (20.0, "contact.scheduled", "c2-cb", None, {"due_at": 20.0}),
    (20.0, "contact.queued", "c2-cb", None, {"ewt_s": 180.1, "position": 0, "stage": 0}),
    (
        30.0,
        "contact.ended",
        "c1",
        "a1",
        {"outcome": "completed", "wait_s": 1.0, "talk_s": 28.0, "by": "agent"},
    ),
    (
        30.0,
        "agent.state",
        None,
        "a1",
        {"from": "busy", "to": "wrap_up", "reason": "after_call_work"},
    ),
    (35.0, "agent.state", None, "a1", {"from": "wrap_up", "to": "available", "reason": None}),
    (
        35.0,
        "agent.state",
        None,
        "a1",
        {"from": "available", "to": "reserved", "reason": "callback"},
    ),
    (35.0, "contact.offered", "c2-cb", "a1", {"expires_at": 45.0}),
]


def test_a_recorded_day_replays_to_exactly_the_same_facts():
    assert facts(replay_router(Router(CENTER), read_log("router_day.jsonl"))) == EXPECTED


def test_replaying_twice_gives_the_same_facts_and_the_same_final_state():
    first, second = Router(CENTER), Router(CENTER)
    log = read_log("router_day.jsonl")
    assert facts(replay_router(first, log)) == facts(replay_router(second, log))
    assert first.contacts() == second.contacts() and first.agents() == second.agents()
