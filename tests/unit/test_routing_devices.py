"""Specification: a contact is offered only to an agent whose device can take it.

A phone-only agent (a desk phone, no desktop) can take a call but not a chat or a callback task:
nothing would ring or show it, the offer would time out and knock the agent out of ready
(ring_no_answer) - after an overload, every agent of the floor in turn.
"""

import pytest

from hotline.domain import AgentState, Channel, OverflowRule
from hotline.routing import InvalidEvent
from hotline.routing import events as ev
from hotline.routing.invariants import violations

from .center import Drive, agent, center, queue

T0 = 1_000_000.0
PHONE = frozenset({Channel.VOICE})


def floor(*agents) -> Drive:
    q = queue(
        "general",
        ("general", 1),
        offer_timeout_s=15,
        overflow=(OverflowRule("callback", after_s=60),),
    )
    return Drive(center((q,), list(agents) or [agent("p1", general=5)]), T0)


def test_callbacks_after_an_overload_are_never_offered_to_phone_only_agents():
    d = floor(agent("p1", general=5), agent("p2", general=5))
    d.arrive("c1", at=T0)
    d.arrive("c2", at=T0 + 1)
    d.at(T0 + 61)  # nobody came: both became callback tasks
    assert d.router.waiting("general") == ["c1-cb", "c2-cb"]
    d(ev.AgentLogin("p1", channels=PHONE), at=T0 + 70)
    d(ev.AgentLogin("p2", channels=PHONE), at=T0 + 70)
    assert d.offer("p1") is None and d.offer("p2") is None
    d.at(T0 + 200)  # long past any offer timeout: still ready, nobody knocked out
    assert [d.router.agent(a).state for a in ("p1", "p2")] == [AgentState.AVAILABLE] * 2
    assert violations(d.router) == []  # waiting callbacks with no device-able agent are fine


def test_a_phone_only_agent_still_gets_the_call_behind_a_callback_in_the_same_queue():
    d = floor(agent("p1", general=5))
    d.arrive("c1", at=T0)
    d.at(T0 + 61)
    d.arrive("call", at=T0 + 62)  # younger than the callback, which would be served first
    d(ev.AgentLogin("p1", channels=PHONE), at=T0 + 63)
    assert d.offer("p1") == "call"
    assert d.router.waiting("general") == ["c1-cb"]


def test_a_newly_arrived_chat_or_callback_skips_phone_only_agents_for_a_desktop_agent():
    d = floor(agent("p1", general=5), agent("d1", general=5))
    d(ev.AgentLogin("p1", channels=PHONE), at=T0)
    d.chat("chat1", at=T0 + 1)
    assert d.offer("p1") is None
    d(ev.AgentLogin("d1"), at=T0 + 2)  # a desktop takes anything
    assert d.offer("d1") == "chat1"
    d.arrive("call", at=T0 + 3)
    assert d.offer("p1") == "call"


def test_a_login_with_no_channel_at_all_is_refused():
    d = floor()
    with pytest.raises(InvalidEvent):
        d(ev.AgentLogin("p1", channels=frozenset()))


def test_the_device_rule_survives_a_restart():
    d = floor(agent("p1", general=5))
    d(ev.AgentLogin("p1", channels=PHONE), at=T0)
    snaps = d.router.agents()
    assert snaps[0].channels == (Channel.VOICE,)
    fresh = Drive(center(d.router._config.queues, [agent("p1", general=5)]), T0)
    fresh.router.restore([], snaps, T0 + 1)
    fresh.chat("chat1", at=T0 + 2)
    assert fresh.offer("p1") is None
