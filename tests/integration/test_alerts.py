"""Specification of alert rules: fire once, acknowledge, no refire until the breach clears."""

from __future__ import annotations

from hotline.notify import LogNotifier
from hotline.routing import events as ev
from hotline.runtime import CenterService
from hotline.services.alerts import Alerts, rules_from
from hotline.services.alerts_rules import AlertBook, AlertRule, Cleared, Fired
from hotline.services.reports import Reports
from hotline.store import Store


def test_a_rule_fires_once_is_acknowledged_and_refires_only_after_it_cleared(store: Store):
    from hotline.config import dump_config, load_demo_config

    store.save_config(dump_config(load_demo_config()), "test")
    service = CenterService(store)
    notifier = LogNotifier()
    reports = Reports.for_store(store)
    alerts = Alerts(store, reports, notifier, lambda: {"general": 20.0})
    rules = rules_from(
        [{"id": "wait", "kind": "waiting_above", "threshold": 0, "queue": "general"}]
    )

    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c0", "general"))
    service.apply(ev.OfferAccepted("a01", "c0"))
    service.apply(ev.ContactArrived("c1", "general"))  # the only agent is busy: it waits
    now = service.clock()
    first = alerts.evaluate(now, rules)
    assert [(a.rule_id, a.subject, a.value) for a in first] == [("wait", "general", 1.0)]
    assert [n.kind for n in notifier.sent] == ["alert"] and "[wait] general" in notifier.sent[
        0
    ].text
    assert alerts.evaluate(now + 1, rules) == []  # still waiting: deduplicated

    acked = alerts.acknowledge(first[0].id, "supervisor", now + 2)
    assert acked is not None and (acked.acked_by, acked.acked_at) == ("supervisor", now + 2)
    assert alerts.evaluate(now + 3, rules) == []  # acknowledged, still breached: silent
    assert len(notifier.sent) == 1

    service.apply(ev.CustomerLeft("c1"))  # the caller hung up: nobody waits any more
    assert alerts.evaluate(now + 4, rules) == []
    assert alerts.store.open_alerts() == []
    (closed,) = alerts.store.history()
    assert closed.cleared_at == now + 4 and closed.acked_by == "supervisor"

    service.apply(ev.ContactArrived("c2", "general"))  # a01 is still busy: c2 waits
    again = alerts.evaluate(now + 5, rules)
    assert len(again) == 1 and again[0].id != first[0].id and len(notifier.sent) == 2
    # a restart reloads the open alert: the same breach does not fire twice
    restarted = Alerts(store, reports, LogNotifier(), lambda: {"general": 20.0})
    assert restarted.evaluate(now + 6, rules) == []


def test_a_rule_deleted_and_created_again_on_the_server_fires_again_in_the_jobs_process(
    store: Store,
):
    """The server edits rules (and closes a deleted rule's alerts) while another process
    evaluates them: the evaluating side takes the store's open alerts as the truth."""
    from hotline.config import dump_config, load_demo_config

    store.save_config(dump_config(load_demo_config()), "test")
    service = CenterService(store)
    reports = Reports.for_store(store)
    jobs_side = Alerts(store, reports, LogNotifier(), lambda: {"general": 20.0})
    server_side = Alerts(store, reports, LogNotifier(), lambda: {"general": 20.0})
    rules = rules_from(
        [{"id": "wait", "kind": "waiting_above", "threshold": 0, "queue": "general"}]
    )
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c0", "general"))
    service.apply(ev.OfferAccepted("a01", "c0"))
    service.apply(ev.ContactArrived("c1", "general"))
    now = service.clock()
    assert len(jobs_side.evaluate(now, rules)) == 1
    server_side.retire("wait", now + 1)  # deleted on the console: its alert is closed
    assert server_side.store.open_alerts() == []
    again = jobs_side.evaluate(now + 2, rules)  # created again before the next round
    assert [(a.rule_id, a.subject) for a in again] == [("wait", "general")]


def test_a_rule_waits_for_its_duration_before_firing():
    rule = AlertRule("sl", "service_level_below", threshold=0.8, for_s=300)
    book = AlertBook()
    assert book.step(0, rule, {"general": 0.5}) == []
    assert book.step(299, rule, {"general": 0.7}) == []
    (fired,) = book.step(300, rule, {"general": 0.6})
    assert isinstance(fired, Fired) and fired.since == 0
    assert book.step(400, rule, {"general": None}) == [Cleared("sl", "general")]  # no data
    assert book.step(500, rule, {"general": 0.1}) == []  # a new breach starts its own timer


def test_a_work_order_nearing_its_sla_deadline_raises_one_alert_that_clears_once_acted_on(
    store: Store,
):
    """help_request promises a first action within 10 min (24x7): at 80 % of that budget the
    order is at risk; accepting it stops that clock, and the 2 h resolution clock is far."""
    from hotline.config import dump_config, load_demo_config
    from hotline.services.tickets import Actor, NewOrder, TicketService
    from hotline.tickets import Action

    store.save_config(dump_config(load_demo_config()), "test")
    t0 = 1_780_000_000.0
    now = [t0]
    tickets = TicketService(store, clock=lambda: now[0])
    boss = Actor("boss", "supervisor")
    late = tickets.create(boss, NewOrder("help_request", "wheelchair at gate 12"))
    now[0] = t0 + 60
    calm = tickets.create(boss, NewOrder("help_request", "lost boarding pass"))
    notifier = LogNotifier()
    alerts = Alerts(store, Reports.for_store(store), notifier, lambda: {"general": 20.0})
    rules = rules_from([{"id": "risk", "kind": "order_at_risk", "threshold": 0.8}])

    assert alerts.evaluate(t0 + 420, rules) == []  # late 70 % of 10 min, calm 60 %: not yet
    fired = alerts.evaluate(t0 + 510, rules)  # late 85 %, calm 75 %
    assert [(a.subject, round(a.value, 3)) for a in fired] == [(late.id, 0.85)]
    assert "[risk]" in notifier.sent[0].text and late.id in notifier.sent[0].text
    assert alerts.evaluate(t0 + 540, rules) == []  # late still at risk: deduplicated
    alerts.acknowledge(fired[0].id, "boss", t0 + 540)

    now[0] = t0 + 550
    tickets.act(boss, late.id, Action.ACCEPT)  # first action taken: that clock stops
    again = alerts.evaluate(t0 + 560, rules)  # late: 2 h resolution clock 8 % used; calm 83 %
    assert [a.subject for a in again] == [calm.id]
    assert [a.subject for a in alerts.store.open_alerts()] == [calm.id]
    closed = next(a for a in alerts.store.history() if a.subject == late.id)
    assert (closed.cleared_at, closed.acked_by) == (t0 + 560, "boss")
    assert alerts.evaluate(t0 + 600, rules) == []  # the accepted order does not refire

    now[0] = t0 + 610
    tickets.act(boss, calm.id, Action.RESOLVE, resolution="escorted")  # resolved: no promise
    assert alerts.evaluate(t0 + 620, rules) == [] and alerts.store.open_alerts() == []
    assert len(notifier.sent) == 2
