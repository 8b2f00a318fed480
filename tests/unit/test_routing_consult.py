"""Specification: consult (warm) transfer, conference, return, blind transfer out - the
specialist's state is the router's, like any agent's."""

import pytest

from hotline.domain import AgentState, ContactStatus
from hotline.routing import IllegalTransition, InvalidEvent, Router
from hotline.routing import events as ev
from hotline.routing.invariants import violations

from .center import Drive, agent, center, queue

T0 = 1_000_000.0


def staffed() -> Drive:
    qs = (
        queue("general", ("general", 1), offer_timeout_s=15, wrap_up_s=10),
        queue("complaints", ("complaints", 5), offer_timeout_s=15),
    )
    agents = [agent("a1", general=5), agent("a2", general=5, complaints=6), agent("a3", general=5)]
    d = Drive(center(qs, agents), T0)
    d.login("a1")
    d.arrive("c1")
    d.answer("a1")
    d.login("a2", "a3")
    return d


def state(d: Drive, a: str) -> AgentState:
    return d.router.agent(a).state  # type: ignore[union-attr]


def consulting(d: Drive, target: str = "a2") -> Drive:
    d(ev.ConsultStart("a1", "c1", target_agent_id=target), at=T0 + 20)
    d(ev.ConsultAnswered("c1", target), at=T0 + 22)
    return d


def test_a_consult_reserves_the_specialist_then_makes_them_busy_and_holds_the_caller():
    d = staffed()
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"), at=T0 + 20)
    assert state(d, "a2") is AgentState.RESERVED
    assert d.router.contact("c1").status is ContactStatus.HELD
    d.arrive("c2", at=T0 + 21)  # a new call is not offered to the reserved specialist
    assert d.offer("a3") == "c2" and d.offer("a2") == "c1#consult"
    d(ev.ConsultAnswered("c1", "a2"), at=T0 + 22)
    assert state(d, "a2") is AgentState.BUSY
    assert "contact.consult_answered" in d.kinds("c1")
    assert violations(d.router) == []


def test_complete_the_transfer_frees_the_first_agent_and_the_specialist_keeps_the_caller():
    d = consulting(staffed())
    d(ev.ConsultEnd("a1", "c1", "transfer"), at=T0 + 50)
    c = d.router.contact("c1")
    assert (c.agent_id, c.status) == ("a2", ContactStatus.ACTIVE)
    assert state(d, "a1") is AgentState.WRAP_UP and state(d, "a2") is AgentState.BUSY
    ended = next(r for r in d.log if r.kind == "contact.consult_ended")
    assert (ended.data["how"], ended.data["consult_s"]) == ("transfer", 30.0)
    moved = next(r for r in d.log if r.kind == "contact.transferred")
    assert (moved.agent_id, moved.data["to_agent"], moved.data["consult"]) == ("a1", "a2", True)
    d(ev.ContactCompleted("a2", "c1"), at=T0 + 60)
    assert d.router.contact("c1") is None and violations(d.router) == []


def test_a_conference_keeps_both_agents_until_the_contact_ends():
    d = consulting(staffed())
    d(ev.ConsultEnd("a1", "c1", "conference"), at=T0 + 40)
    assert d.router.contact("c1").status is ContactStatus.ACTIVE
    assert "contact.conference" in d.kinds("c1")
    assert state(d, "a1") is AgentState.BUSY and state(d, "a2") is AgentState.BUSY
    with pytest.raises(IllegalTransition):
        d(ev.ConsultEnd("a1", "c1", "conference"), at=T0 + 41)
    d(ev.CustomerLeft("c1"), at=T0 + 70)
    assert state(d, "a1") is AgentState.WRAP_UP
    assert state(d, "a2") is AgentState.AVAILABLE  # no after-call work for a consult
    assert violations(d.router) == []


def test_return_to_the_caller_frees_the_specialist_and_resumes_the_call():
    d = consulting(staffed())
    d(ev.ConsultEnd("a1", "c1", "return"), at=T0 + 30)
    assert d.router.contact("c1").status is ContactStatus.ACTIVE
    assert state(d, "a2") is AgentState.AVAILABLE and state(d, "a1") is AgentState.BUSY
    with pytest.raises(IllegalTransition):
        d(ev.ConsultEnd("a1", "c1", "transfer"), at=T0 + 31)  # no consult any more


def test_a_consult_that_rings_out_takes_the_specialist_out_of_ready():
    d = staffed()
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"), at=T0 + 20)
    d.at(T0 + 36)
    a2 = d.router.agent("a2")
    assert (a2.state, a2.reason) == (AgentState.NOT_READY, "ring_no_answer")
    assert d.router.contact("c1").status is ContactStatus.ACTIVE
    ended = [r for r in d.log if r.kind == "contact.consult_ended"]
    assert ended[-1].data["how"] == "no_answer"


def test_consult_a_queue_picks_a_free_qualified_agent_and_refuses_when_none():
    d = staffed()
    d(ev.ConsultStart("a1", "c1", queue="complaints"), at=T0 + 20)
    assert d.router.contact("c1").data["consult"]["agent"] == "a2"
    d(ev.ConsultEnd("a1", "c1", "return"), at=T0 + 21)
    d(ev.AgentNotReady("a2"), at=T0 + 22)
    before = (d.router.agents(), d.router.contacts())
    with pytest.raises(IllegalTransition, match="nobody in queue complaints"):
        d(ev.ConsultStart("a1", "c1", queue="complaints"), at=T0 + 23)
    assert (d.router.agents(), d.router.contacts()) == before


def test_a_busy_or_self_target_is_refused_and_a_consult_blocks_other_transfers():
    d = staffed()
    with pytest.raises(IllegalTransition):
        d(ev.ConsultStart("a1", "c1", target_agent_id="a1"))
    with pytest.raises(InvalidEvent):
        d(ev.ConsultStart("a1", "c1"))
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"))
    with pytest.raises(IllegalTransition):
        d(ev.ConsultStart("a1", "c1", target_agent_id="a3"))
    with pytest.raises(IllegalTransition):
        d(ev.TransferToQueue("a1", "c1", "general"))
    with pytest.raises(IllegalTransition):
        d(ev.TransferOut("a1", "c1", "4008001234"))


def test_the_holder_hanging_up_while_the_specialist_talks_hands_the_caller_over():
    d = consulting(staffed())
    d(ev.ConsultLeft("c1", "a1"), at=T0 + 30)
    assert d.router.contact("c1").agent_id == "a2"
    ended = next(r for r in d.log if r.kind == "contact.consult_ended")
    assert (ended.data["how"], ended.data["by"]) == ("transfer", "hangup")


def test_the_specialist_hanging_up_returns_the_caller_to_the_agent():
    d = consulting(staffed())
    d(ev.ConsultLeft("c1", "a2"), at=T0 + 30)
    assert d.router.contact("c1").status is ContactStatus.ACTIVE
    assert state(d, "a2") is AgentState.AVAILABLE


def test_blind_transfer_out_ends_the_contact_transferred_out_and_frees_the_agent():
    d = staffed()
    with pytest.raises(InvalidEvent):
        d(ev.TransferOut("a1", "c1", "12;drop"))
    d(ev.TransferOut("a1", "c1", "4008001234"), at=T0 + 30)
    assert d.router.contact("c1") is None
    ended = next(r for r in d.log if r.kind == "contact.ended")
    assert (ended.data["outcome"], ended.data["to_number"]) == ("transferred_out", "4008001234")
    assert state(d, "a1") is AgentState.WRAP_UP


def test_a_talking_consult_survives_a_restart_and_a_ringing_one_is_dropped():
    d = consulting(staffed())
    r2 = Router(d.router.config)
    r2.restore(d.router.contacts(), d.router.agents(), T0 + 40)
    assert r2.agent("a2").state is AgentState.BUSY and violations(r2) == []
    r2.handle(ev.ConsultEnd("a1", "c1", "transfer"), T0 + 41)
    assert r2.contact("c1").agent_id == "a2"
    d = staffed()
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"), at=T0 + 20)
    r3 = Router(d.router.config)
    r3.restore(d.router.contacts(), d.router.agents(), T0 + 21)
    assert r3.agent("a2").state is AgentState.AVAILABLE
    assert not r3.contact("c1").data.get("consult") and violations(r3) == []


def test_a_consult_the_gateway_cannot_ring_fails_without_blaming_the_specialist():
    d = staffed()
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"), at=T0 + 20)
    d(ev.ConsultLeft("c1", "a2", "no_slot"), at=T0 + 21)
    assert state(d, "a2") is AgentState.AVAILABLE
    ended = [r for r in d.log if r.kind == "contact.consult_ended"][-1]
    assert (ended.data["how"], ended.data["reason"]) == ("failed", "no_slot")
    assert d.router.contact("c1").status is ContactStatus.ACTIVE
