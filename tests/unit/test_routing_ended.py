"""Specification: the final snapshots the store collects, and the simulator's way to skip them.

The router keeps ended contacts until `pop_ended` snapshots them (the live store's projection);
the simulator, which stores nothing, forgets them with `drop_ended` without paying for the
snapshots.
"""

from hotline.domain import ContactStatus, Outcome
from hotline.routing import events as ev

from .center import Drive, agent, center, queue

T0 = 1_000_000.0


def two_agents() -> Drive:
    qs = (queue("general", ("general", 1), offer_timeout_s=15),)
    return Drive(center(qs, [agent("a1", general=5), agent("a2", general=5)]), T0)


def test_pop_ended_gives_each_contact_ended_since_the_last_call_in_its_final_state():
    d = two_agents()
    d.login("a1")
    d.arrive("c1", at=T0)
    d.answer("a1")
    d(ev.ContactCompleted("a1", "c1"), at=T0 + 100)
    d.arrive("c2", at=T0 + 110, customer=None)
    d(ev.CustomerLeft("c2"), at=T0 + 130)
    ended = {s.id: s for s in d.router.pop_ended()}
    assert set(ended) == {"c1", "c2"}
    c1, c2 = ended["c1"], ended["c2"]
    assert (c1.status, c1.outcome, c1.answered_at, c1.ended_at) == (
        ContactStatus.ENDED,
        Outcome.COMPLETED,
        T0,
        T0 + 100,
    )
    assert (c2.outcome, c2.ended_at, c2.answered_at) == (Outcome.ABANDONED, T0 + 130, None)
    assert d.router.pop_ended() == []


def test_a_contact_popped_long_after_it_ended_still_shows_how_it_ended():
    d = two_agents()
    d.arrive("c1", at=T0)  # nobody logged in: it waits
    d(ev.CustomerLeft("c1"), at=T0 + 5)  # abandons; its callback is what goes on
    d.login("a1")
    d(ev.OfferAccepted("a1", "c1-cb"), at=T0 + 10)
    d(ev.ContactCompleted("a1", "c1-cb"), at=T0 + 70)
    ended = {s.id: s for s in d.router.pop_ended()}
    assert (ended["c1"].outcome, ended["c1"].ended_at, ended["c1"].agent_id) == (
        Outcome.ABANDONED,
        T0 + 5,
        None,
    )
    assert (ended["c1-cb"].outcome, ended["c1-cb"].origin_id) == (Outcome.COMPLETED, "c1")


def test_drop_ended_forgets_them_and_changes_no_fact():
    kept, dropped = two_agents(), two_agents()
    for d in (kept, dropped):
        d.login("a1")
        d.arrive("c1", at=T0)
        d.answer("a1")
        d(ev.ContactCompleted("a1", "c1"), at=T0 + 60)
    dropped.router.drop_ended()
    assert dropped.router.pop_ended() == []
    assert [s.id for s in kept.router.pop_ended()] == ["c1"]
    for d in (kept, dropped):
        d.arrive("c2", at=T0 + 61)
    assert [(r.at, r.kind, r.data) for r in kept.log] == [
        (r.at, r.kind, r.data) for r in dropped.log
    ]
