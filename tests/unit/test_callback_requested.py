"""`callback_requested`: a waiting caller who presses 9 is not an abandon, in the router or a KPI.

Before, the gateway sent a plain `CustomerLeft`, so the router ended the contact `abandoned`
and every abandon figure counted a caller the center had promised to call. The router now ends
it `callback_requested`; the callback task keeps the caller's place in line; both KPI paths
(the timeline fold and the stored sums) count it apart from abandons.
"""

from __future__ import annotations

from hotline.domain import AgentConfig, CenterConfig, QueueConfig
from hotline.domain.enums import Outcome
from hotline.domain.records import EventRecord
from hotline.kpi import compute_kpis
from hotline.kpi.aggregate import Scope, fact_row, kpis_from_sums, sums_of
from hotline.kpi.contacts import fold_contacts, group_by_contact
from hotline.routing import Router
from hotline.routing import events as ev


def _router() -> tuple[Router, list[EventRecord]]:
    config = CenterConfig(
        name="t",
        queues=(QueueConfig(id="general", name="general", wrap_up_s=0),),
        agents=(AgentConfig(id="a1", name="a1"),),
    )
    return Router(config), []


def _ended(log: list[EventRecord], cid: str) -> EventRecord:
    return next(e for e in log if e.kind == "contact.ended" and e.contact_id == cid)


def test_press_9_while_waiting_ends_callback_requested_and_keeps_the_place_in_line() -> None:
    r, log = _router()
    log += r.handle(ev.ContactArrived("early", "general", customer="139"), 5)
    log += r.handle(ev.ContactArrived("c1", "general", customer="138"), 10)
    log += r.handle(ev.CustomerLeft("c1", callback=True), 70)
    assert _ended(log, "c1").data["outcome"] == Outcome.CALLBACK_REQUESTED.value
    created = next(e for e in log if e.kind == "contact.callback_created")
    assert created.contact_id == "c1" and created.data["callback_id"] == "c1-cb"
    task = r.contact("c1-cb")
    assert task.enqueued_at == 10  # the caller's place in line, not the time of the key press
    # a caller who came later is behind the callback, one who came earlier ahead of it
    log += r.handle(ev.ContactArrived("late", "general", customer="137"), 80)
    log += r.handle(ev.AgentLogin("a1"), 90)
    offered = [e.contact_id for e in log if e.kind == "contact.offered"]
    assert offered == ["early"]
    log += r.handle(ev.OfferAccepted("a1", "early"), 91)
    log += r.handle(ev.ContactCompleted("a1", "early"), 95)
    offered = [e.contact_id for e in log if e.kind == "contact.offered"]
    assert offered == ["early", "c1-cb"]


def test_press_9_while_ringing_an_agent_withdraws_the_offer() -> None:
    r, log = _router()
    log += r.handle(ev.AgentLogin("a1"), 0)
    log += r.handle(ev.ContactArrived("c1", "general", customer="138"), 10)
    log += r.handle(ev.CustomerLeft("c1", callback=True), 12)
    revoked = next(e for e in log if e.kind == "contact.offer_revoked")
    assert revoked.data["reason"] == "callback_requested"
    assert _ended(log, "c1").data["outcome"] == "callback_requested"
    # the agent is free again and is offered the callback task itself
    offered = [e.contact_id for e in log if e.kind == "contact.offered"]
    assert offered == ["c1", "c1-cb"]


def test_a_plain_hang_up_is_still_an_abandon() -> None:
    r, log = _router()
    log += r.handle(ev.ContactArrived("c1", "general", customer="138"), 10)
    log += r.handle(ev.CustomerLeft("c1"), 40)
    assert _ended(log, "c1").data["outcome"] == "abandoned"


def test_kpis_count_callback_requested_apart_from_abandons_in_both_paths() -> None:
    r, log = _router()
    log += r.handle(ev.ContactArrived("gone", "general", customer="137"), 0)
    log += r.handle(ev.ContactArrived("press9", "general", customer="138"), 1)
    log += r.handle(ev.CustomerLeft("gone"), 30)  # waited 30 s and hung up
    log += r.handle(ev.CustomerLeft("press9", callback=True), 40)  # waited 39 s, pressed 9
    k = compute_kpis(log, 0, 1000)
    assert (k.offered, k.answered, k.abandoned, k.short_abandoned) == (2, 0, 1, 0)
    assert k.abandon_rate == 1 / 2
    assert k.callbacks_created == 2  # both will be called back
    assert "callback_requested" in k.definitions()["abandoned"]

    # the stored-sums path (reports, wallboard) gives the same figures
    facts = fold_contacts(group_by_contact(log))
    rows = [fact_row(f) for f in facts if f.channel == "voice"]
    assert [r.gave_up for r in rows if r.contact_id == "press9"] == [False]
    s = kpis_from_sums(sums_of(rows, k.options), Scope(0, 1000, channel="voice"))
    assert (s.offered, s.abandoned, s.abandon_rate) == (2, 1, 1 / 2)
