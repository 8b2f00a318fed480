"""Typed router facts (`hotline.domain.facts`): every record the router emits reads as its typed
fact and writes back to the very same record; a record of a router kind with data the typed
fact does not know is an error, not a silent miss."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain import AgentState, Channel, Outcome, OverflowRule, RelaxStep
from hotline.domain.facts import (
    FACTS,
    AgentStateChanged,
    Answered,
    Created,
    Ended,
    FactError,
    Offered,
    Overflowed,
    Queued,
    fact,
)
from hotline.domain.records import KINDS, EventRecord
from hotline.routing import RoutingError
from hotline.routing import events as ev

from ..scenarios.replay import read_log, replay_router
from ..scenarios.test_router_replay import CENTER
from .center import Drive, agent, center, queue
from .test_routing_properties import AGENTS, arrivals, make, step, to_event


def round_trips(records: list[EventRecord]) -> set[str]:
    """Assert each record reads as a typed fact and writes back equal; the kinds seen."""
    for r in records:
        f = fact(r)
        assert f is not None, r
        assert r.kind == f.KIND and f.record() == r, (r, f)
    return {r.kind for r in records}


def test_the_typed_facts_are_the_routers_whole_vocabulary():
    routers = {k for k in KINDS if k.startswith(("contact.", "agent."))} - {"contact.note"}
    assert set(FACTS) == routers


def test_a_recorded_day_reads_as_typed_facts():
    from hotline.routing import Router

    out = replay_router(Router(CENTER), read_log("router_day.jsonl"))
    round_trips(out)
    typed = [fact(r) for r in out]
    assert typed[:5] == [
        AgentStateChanged(
            at=0.0,
            agent_id="a1",
            from_state=AgentState.OFFLINE,
            to_state=AgentState.AVAILABLE,
            reason="login",
        ),
        Created(
            at=1.0,
            contact_id="c1",
            queue="general",
            channel="voice",
            customer="13800000001",
            priority=0,
            green=False,
            language=None,
            intent=None,
            origin_id=None,
        ),
        Queued(at=1.0, contact_id="c1", queue="general", channel="voice", ewt_s=0.0, position=0,
               stage=0),
        AgentStateChanged(
            at=1.0,
            agent_id="a1",
            from_state=AgentState.AVAILABLE,
            to_state=AgentState.RESERVED,
            reason="voice",
        ),
        Offered(at=1.0, contact_id="c1", agent_id="a1", queue="general", channel="voice",
                expires_at=11.0),
    ]  # fmt: skip
    assert isinstance(typed[6], Answered) and typed[6].wait_s == 1.0 and typed[6].first
    abandoned = next(f for f in typed if isinstance(f, Ended) and f.contact_id == "c2")
    assert abandoned.outcome is Outcome.ABANDONED and abandoned.talk_s is None


def test_every_kind_the_router_emits_round_trips():
    d = Drive(
        center(
            [
                queue("general", ("general", 1)),
                queue(
                    "english",
                    ("english", 5),
                    relax=(RelaxStep(10, 3),),
                    overflow=(OverflowRule("general", after_s=30),),
                ),
            ],
            [agent("a1", general=5), agent("a2", english=5)],
        )
    )
    d(ev.AgentPhone("a1", registered=False))
    d.arrive("w1")
    d(ev.MoveContact("w1", "english"))
    d(ev.SetGreen("w1", on=True))
    d.at(d.now + 11)  # english lowers its requirement
    d.at(d.now + 20)  # then its wait rule sends the contact back to general
    d.arrive("w2")
    d(ev.ContactHandedOff("w2", "peer"))
    d.login("a1")
    d(ev.AgentPhone("a1", registered=True))
    assert d.answer("a1") == "w1"
    d(ev.Hold("a1", "w1"))
    d(ev.Resume("a1", "w1"))
    d(ev.TransferToQueue("a1", "w1", "general"))
    assert d.answer("a1") == "w1"
    d(ev.ContactCompleted("a1", "w1"))
    d.arrive("w3")
    d(ev.CustomerLeft("w3"))  # answered by nobody: a callback task, due now
    d.at(d.now + 1)
    assert d.answer("a1") == "w3-cb"
    d(ev.ContactCompleted("a1", "w3-cb", reached=False, result="no_answer"))
    d.login("a2")
    d.arrive("w4")
    assert d.answer("a1") == "w4"
    d(ev.ConsultStart("a1", "w4", target_agent_id="a2"))  # the caller on hold, a2 rings
    d(ev.ConsultAnswered("w4", "a2"))
    d(ev.ConsultEnd("a1", "w4", "conference"))  # three-way
    d(ev.CustomerLeft("w4"))
    kinds = round_trips(d.log)
    assert set(FACTS) - kinds == set(), "every router kind once"
    overflows = [f for r in d.log if isinstance(f := fact(r), Overflowed)]
    assert [(f.rule, f.to_queue, f.to_center) for f in overflows] == [
        ("timeout", "general", None),
        ("federation", None, "peer"),
    ]
    assert "ewt_s" in overflows[0].record().data and "ewt_s" not in overflows[1].record().data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(step, arrivals), min_size=1, max_size=60))
def test_whatever_the_router_emits_reads_and_writes_back_the_same(steps):
    d = make()
    d.login(*AGENTS)
    for n, s in enumerate(steps):
        if s[0] == "wait":
            d.at(d.now + s[1])
            continue
        event = to_event(d, s, n)
        if event is None:
            continue
        d.now += 0.5
        d.at(d.now)
        with contextlib.suppress(RoutingError):
            d(event)
    d.at(d.now + 10_000)
    round_trips(d.log)


def test_a_router_kind_with_data_its_fact_does_not_know_is_an_error():
    ok = EventRecord(1.0, "contact.offered", "c1", "a1", "general", "voice", {"expires_at": 9.0})
    assert fact(ok) == Offered(
        at=1.0, contact_id="c1", agent_id="a1", queue="general", channel="voice", expires_at=9.0
    )
    with pytest.raises(FactError, match="unknown data"):
        fact(EventRecord(1.0, "contact.offered", "c1", data={"expires_at": 9.0, "typo": 1}))
    with pytest.raises(FactError, match="no 'expires_at'"):
        fact(EventRecord(1.0, "contact.offered", "c1", data={}))
    with pytest.raises(ValueError):
        fact(EventRecord(1.0, "contact.ended", "c1", data={"outcome": "gone", "wait_s": 1,
                                                           "talk_s": None}))  # fmt: skip
    placed = {"customer": None, "priority": 0, "green": False, "language": None, "intent": None,
              "origin_id": None, "region": "cq", "asked_queue": "general"}  # fmt: skip
    created = EventRecord(1.0, "contact.created", "c1", None, "general_cq", "voice", placed)
    assert fact(created).region == "cq" and fact(created).record() == created
    note = EventRecord(1.0, "contact.note", "c1", data={"note": "called back"})
    assert fact(note) is None and fact(EventRecord(1.0, "voice.bridged", "c1")) is None
    assert Channel.VOICE.value == ok.channel
