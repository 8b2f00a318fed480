"""Messages a change sends go through the outbox (real SQLite and PostgreSQL).

The message is stored in the transaction of the order change that causes it; it is sent after
the commit and marked sent. If the process dies between the commit and the send, nothing is
lost: the next process's tick sends it (once), and the delivery is recorded on the order.
"""

from __future__ import annotations

import time

import pytest

from hotline.bootstrap import init_center
from hotline.config import load_demo_config
from hotline.notify import LogNotifier
from hotline.services.tickets import Actor, NewOrder, TicketService
from hotline.store import Store
from hotline.store.outbox import CLAIM_S, Outbox

SUP = Actor("sup", "supervisor")
ORDER = NewOrder("fault_report", "cable cut", fields={"address": "A"}, team="repair")


class ProcessDied(BaseException):
    """Stands for the process ending (kill -9, power) right after the commit."""


class DiesOnSend:
    def send(self, message):
        raise ProcessDied


@pytest.fixture
def tickets_store(store: Store) -> Store:
    init_center(store, load_demo_config(), demo_logins=False)
    TicketService(store).create_team("repair", "抢修班 repair crew", "repair_crew")
    return store


def notified(svc: TicketService, order_id: str) -> list[dict]:
    return [dict(e.data) for e in svc.repo.order_events(order_id) if e.kind == "order.notified"]


def test_a_message_is_sent_once_after_the_commit_and_its_delivery_recorded(tickets_store):
    sent = LogNotifier()
    svc = TicketService(tickets_store, notifier=sent)
    order = svc.create(SUP, ORDER)
    assert [(m.to, m.kind, m.order_id) for m in sent.sent] == [
        ("team:repair", "order_dispatched", order.id)
    ]
    assert Outbox(tickets_store.engine).pending_count() == 0
    assert svc.deliver_outbox() == 0  # nothing is sent twice
    assert [(d["to"], d["kind"], d["ok"]) for d in notified(svc, order.id)] == [
        ("team:repair", "order_dispatched", True)
    ]


def test_a_message_committed_by_a_process_that_died_is_sent_by_the_next_one(tickets_store):
    dying = TicketService(tickets_store, notifier=DiesOnSend())
    with pytest.raises(ProcessDied):
        dying.create(SUP, ORDER)
    [order] = dying.repo.orders()
    assert order.team == "repair"  # the change is committed ...
    assert Outbox(tickets_store.engine).pending_count() == 1  # ... and so is its message
    assert notified(dying, order.id) == []

    sent = LogNotifier()  # the restarted server, once the dead sender's claim has expired
    later = TicketService(tickets_store, notifier=sent, clock=lambda: time.time() + CLAIM_S + 1)
    later.tick()
    assert [(m.to, m.kind, m.order_id) for m in sent.sent] == [
        ("team:repair", "order_dispatched", order.id)
    ]
    assert Outbox(tickets_store.engine).pending_count() == 0
    later.tick()
    assert len(sent.sent) == 1
    assert [(d["kind"], d["ok"]) for d in notified(later, order.id)] == [("order_dispatched", True)]


def test_a_message_another_live_sender_holds_is_not_sent_twice(tickets_store):
    svc = TicketService(tickets_store, notifier=DiesOnSend())
    with pytest.raises(ProcessDied):
        svc.create(SUP, ORDER)
    sent = LogNotifier()
    meanwhile = TicketService(tickets_store, notifier=sent)  # same minute: the claim holds
    assert meanwhile.deliver_outbox() == 0 and sent.sent == []
