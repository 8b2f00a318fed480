"""Specification: voice is offered only while the agent's registered phone is up.

The gateway's registrar reports each agent's phone (desk phone or softphone) registering and
dropping (`AgentPhone`). While it is down the agent stays in their state and keeps taking
chats, but no call is offered: it would ring nothing. An agent the registrar never reported on
(a static phone URI in the gateway file) takes calls as before.
"""

from hotline.domain import AgentState
from hotline.routing import events as ev
from hotline.routing.invariants import violations

from .center import Drive, agent, center, queue

T0 = 1_000_000.0


def floor() -> Drive:
    d = Drive(center([queue("general", ("general", 1))], [agent("a1", general=5)]), T0)
    d.login("a1")
    return d


def test_an_agent_nobody_reported_on_takes_calls():
    d = floor()
    d.arrive("call", at=T0 + 1)
    assert d.offer("a1") == "call"


def test_a_dropped_phone_gets_no_call_but_still_gets_chats():
    d = floor()
    out = d(ev.AgentPhone("a1", registered=False), at=T0 + 1)
    assert [(r.kind, r.agent_id, r.data) for r in out] == [
        ("agent.phone", "a1", {"registered": False})
    ]
    d.arrive("call", at=T0 + 2)
    assert d.offer("a1") is None
    assert d.router.agent("a1").state is AgentState.AVAILABLE  # not knocked out of ready
    d.chat("chat", at=T0 + 3)
    assert d.offer("a1") == "chat"
    assert violations(d.router) == []


def test_a_phone_that_registers_again_gets_the_waiting_call_at_once():
    d = floor()
    d(ev.AgentPhone("a1", registered=False), at=T0 + 1)
    d.arrive("call", at=T0 + 2)
    assert d.offer("a1") is None
    d(ev.AgentPhone("a1", registered=True), at=T0 + 5)
    assert d.offer("a1") == "call"
    assert d.router.agent("a1").phone is True


def test_repeating_the_same_report_changes_nothing():
    d = floor()
    d(ev.AgentPhone("a1", registered=True), at=T0 + 1)
    assert d(ev.AgentPhone("a1", registered=True), at=T0 + 2) == []


def test_a_phone_registering_while_logged_out_offers_nothing():
    d = Drive(center([queue("general", ("general", 1))], [agent("a1", general=5)]), T0)
    d.arrive("call", at=T0 + 1)
    d(ev.AgentPhone("a1", registered=True), at=T0 + 2)
    assert d.offer("a1") is None
    d.login("a1")
    assert d.offer("a1") == "call"
