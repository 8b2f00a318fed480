"""Specification: offers, overflow, callbacks, transitions, restart and repair."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.domain import AgentState, Channel, ContactStatus, OverflowRule
from hotline.domain.hours import BusinessHours
from hotline.routing import IllegalTransition, Router, UnknownEntity
from hotline.routing import events as ev
from hotline.routing.invariants import reconcile, violations

from .center import Drive, agent, center, queue

T0 = 1_000_000.0
SH = ZoneInfo("Asia/Shanghai")


def basic(*queues, agents=None, **kw) -> Drive:
    qs = queues or (queue("general", ("general", 1), offer_timeout_s=15),)
    return Drive(center(qs, agents or [agent("a1", general=5), agent("a2", general=5)], **kw), T0)


def test_an_offer_not_accepted_in_time_returns_to_the_head_and_the_agent_goes_not_ready():
    d = basic()
    d.login("a1")
    d.arrive("c1", at=T0)
    d.arrive("c2", at=T0 + 1)
    assert d.offer("a1") == "c1"
    d.at(T0 + 15)
    a1 = d.router.agent("a1")
    assert (a1.state, a1.reason) == (AgentState.NOT_READY, "ring_no_answer")
    assert d.router.waiting("general") == ["c1", "c2"]
    d(ev.AgentLogin("a2"), at=T0 + 16)
    assert d.offer("a2") == "c1"
    assert "contact.offer_revoked" in d.kinds("c1")


def test_an_offer_always_has_a_deadline_so_nobody_stays_reserved():
    d = basic()
    d.login("a1")
    d.arrive("c1")
    assert d.router.next_deadline() == T0 + 15
    d.at(T0 + 1000)
    assert d.router.agent("a1").state is AgentState.NOT_READY
    assert violations(d.router) == []


def test_overflow_after_n_seconds_moves_the_contact_and_keeps_its_place_in_line():
    d = basic(
        queue("english", ("english", 5), overflow=(OverflowRule("general", after_s=45),)),
        queue("general", ("general", 1)),
        agents=[agent("a1", general=5)],
    )
    d.login("a1")
    d(ev.AgentNotReady("a1"))
    d.arrive("g1", "general", at=T0 + 10)
    d.arrive("e1", "english", at=T0)
    d.at(T0 + 45)
    assert d.router.waiting("general") == ["e1", "g1"]
    over = [r for r in d.log if r.kind == "contact.overflowed"]
    assert over[0].data["to_queue"] == "general" and over[0].at == T0 + 45


def test_overflow_when_the_expected_wait_is_too_long_happens_on_arrival():
    d = basic(
        queue("general", ("general", 1), overflow=(OverflowRule("center:beijing", ewt_over_s=60),)),
        agents=[agent("a1", general=5)],
    )
    d.login("a1")
    d.arrive("c1")  # served at once
    d.arrive("c2")  # 1 x 180 / 1 = 180 s expected > 60: handed to the Beijing center
    ended = [r for r in d.log if r.kind == "contact.ended" and r.contact_id == "c2"]
    assert ended[0].data["outcome"] == "overflowed_out"
    assert [r.data["to_center"] for r in d.log if r.kind == "contact.overflowed"] == ["beijing"]


def test_overflow_to_nowhere_becomes_a_callback():
    d = basic(queue("general", ("general", 1), overflow=(OverflowRule("callback", after_s=120),)))
    d.arrive("c1", at=T0)
    d.at(T0 + 120)
    assert d.router.contact("c1") is None
    cb = d.router.contact("c1-cb")
    assert cb.channel is Channel.CALLBACK and cb.origin_id == "c1"


def test_abandon_creates_a_callback_that_keeps_the_original_place_in_line():
    d = basic(agents=[agent("a1", general=5)])
    d.login("a1")
    d(ev.AgentNotReady("a1"))
    d.arrive("first", at=T0)
    d.arrive("second", at=T0 + 5)
    d(ev.CustomerLeft("first"), at=T0 + 30)
    assert d.router.waiting("general") == ["first-cb", "second"]
    created = [r for r in d.log if r.kind == "contact.callback_created"]
    assert created[0].contact_id == "first" and created[0].data["callback_id"] == "first-cb"
    assert d.router.contact("first-cb").enqueued_at == T0


def test_a_callback_is_retried_then_fails_after_the_maximum_attempts():
    d = basic(agents=[agent("a1", general=5)], callback_retry_s=300, callback_max_attempts=3)
    d.arrive("c1", at=T0)
    d(ev.CustomerLeft("c1"), at=T0 + 10)
    d.login("a1")
    for attempt in range(3):
        assert d.answer("a1") == "c1-cb"
        d(ev.ContactCompleted("a1", "c1-cb", reached=False), at=d.now + 20)
        if attempt < 2:
            assert d.router.contact("c1-cb").status is ContactStatus.SCHEDULED
            d.at(d.now + 300)
    ended = [r for r in d.log if r.kind == "contact.ended" and r.contact_id == "c1-cb"]
    assert ended[0].data["outcome"] == "callback_failed"
    assert [r.data["attempt"] for r in d.log if r.kind == "contact.callback_attempt"] == [1, 2, 3]


def test_a_contact_arriving_out_of_hours_becomes_a_callback_due_at_opening():
    hours = BusinessHours.parse({"mon-sun": "08:00-20:00", "holidays": "08:00-20:00"})
    night = datetime(2026, 3, 10, 22, 0, tzinfo=SH).timestamp()
    opening = datetime(2026, 3, 11, 8, 0, tzinfo=SH).timestamp()
    d = Drive(center([queue("general", ("general", 1), hours=hours)], [agent("a1", general=5)]))
    d.login("a1")
    d.arrive("night", at=night)
    ended = [r for r in d.log if r.kind == "contact.ended"]
    assert ended[0].data["outcome"] == "out_of_hours"
    assert d.router.contact("night-cb").due_at == opening
    assert d.offer("a1") is None
    d.at(opening)
    assert d.offer("a1") == "night-cb"


def test_wrap_up_is_timed_and_the_agent_returns_to_available():
    d = basic(queue("general", ("general", 1), wrap_up_s=30))
    d.login("a1")
    d.arrive("c1")
    d.answer("a1")
    d(ev.ContactCompleted("a1", "c1"), at=T0 + 100)
    assert d.router.agent("a1").state is AgentState.WRAP_UP
    d.at(T0 + 130)
    assert d.router.agent("a1").state is AgentState.AVAILABLE


def test_a_break_requested_while_busy_starts_when_the_contact_ends():
    d = basic()
    d.login("a1")
    d.arrive("c1")
    d.answer("a1")
    d(ev.AgentNotReady("a1", "meeting"))
    d.arrive("c2")
    d(ev.ContactCompleted("a1", "c1"))
    a1 = d.router.agent("a1")
    assert (a1.state, a1.reason) == (AgentState.NOT_READY, "meeting")
    assert d.offer("a1") is None


@pytest.mark.parametrize(
    ("setup", "event", "reason"),
    [
        ([], ev.AgentNotReady("a1"), "logged out"),
        (["login"], ev.AgentLogin("a1"), "already logged in"),
        (["login", "offer"], ev.AgentLogout("a1"), "offer pending"),
        (["login", "offer", "answer"], ev.AgentLogout("a1"), r"contact\(s\) to finish"),
        (["login", "offer"], ev.ContactCompleted("a1", "c1"), "not with agent"),
        (["login", "offer"], ev.OfferAccepted("a2", "c1"), "not offered to agent a2"),
        (["login"], ev.WrapUpDone("a1"), "not in after-call work"),
        (["login", "offer", "answer"], ev.Resume("a1", "c1"), "not on hold"),
    ],
)
def test_illegal_transitions_are_refused_with_a_reason_and_change_nothing(setup, event, reason):
    d = basic()
    if "login" in setup:
        d.login("a1")
    if "offer" in setup:
        d.arrive("c1")
    if "answer" in setup:
        d.answer("a1")
    before = (d.router.agents(), d.router.contacts())
    with pytest.raises(IllegalTransition, match=reason):
        d(event)
    assert (d.router.agents(), d.router.contacts()) == before


def test_unknown_queue_and_agent_are_named_in_the_refusal():
    d = basic()
    with pytest.raises(UnknownEntity, match="'nope'"):
        d.arrive("c1", "nope")
    with pytest.raises(UnknownEntity, match="'ghost'"):
        d(ev.AgentLogin("ghost"))


def test_transfer_to_a_queue_and_to_a_named_specialist():
    d = basic(
        queue("general", ("general", 1)),
        queue("complaints", ("complaints", 5)),
        agents=[agent("a1", general=5), agent("boss", complaints=9), agent("a2", general=5)],
    )
    d.login("a1", "boss")
    d.arrive("c1")
    d.answer("a1")
    d(ev.TransferToQueue("a1", "c1", "complaints"))
    assert d.offer("boss") == "c1"
    d.answer("boss")
    d.login("a2")
    d(ev.TransferToAgent("boss", "c1", "a2"))
    assert d.offer("a2") == "c1"
    d.answer("a2")
    d.arrive("c2")
    d.answer("a1")  # a1 is now busy with another caller
    with pytest.raises(IllegalTransition, match="a1 is busy and cannot take it"):
        d(ev.TransferToAgent("a2", "c1", "a1"))
    assert [
        r.data.get("to_queue") or r.data.get("to_agent")
        for r in d.log
        if r.kind == "contact.transferred"
    ] == ["complaints", "a2"]


def test_hold_and_resume_are_recorded_on_the_timeline():
    d = basic()
    d.login("a1")
    d.arrive("c1")
    d.answer("a1")
    d(ev.Hold("a1", "c1"))
    assert d.router.contact("c1").status is ContactStatus.HELD
    d(ev.Resume("a1", "c1"))
    assert d.kinds("c1")[-2:] == ["contact.held", "contact.resumed"]


def test_a_restored_router_has_the_same_queue_order_and_busy_agents():
    d = basic(agents=[agent("a1", general=5), agent("a2", general=5)])
    d.login("a1", "a2")
    d.arrive("talking", at=T0)
    d.answer("a1")
    d.arrive("ringing", at=T0 + 1)
    for i in range(5):
        d.arrive(f"w{i}", at=T0 + 2 + i)
    fresh = Router(d.router.config)
    out = fresh.restore(d.router.contacts(), d.router.agents(), T0 + 10)
    assert fresh.agent("a1").contacts == ("talking",)
    # the pending offer was withdrawn, and re-offered to the now available a2 at once
    assert [r.data.get("reason") for r in out if r.kind == "contact.offer_revoked"] == ["restart"]
    assert fresh.offer_of("a2") == "ringing"
    assert fresh.waiting("general") == [f"w{i}" for i in range(5)]
    assert violations(fresh) == []


def test_the_reconciler_frees_an_agent_left_reserved_without_an_offer():
    d = basic()
    d.login("a1")
    d.arrive("c1")
    d.router._timers.cancel("offer", "c1")  # simulate a lost deadline (the FreeSWITCH bug)
    assert any("no deadline" in v for v in violations(d.router))
    reconcile(d.router, d.now)
    assert violations(d.router) == []
    d.at(d.now + 1)
    assert d.router.agent("a1").state is AgentState.NOT_READY  # the offer rang out at once
