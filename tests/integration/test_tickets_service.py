"""Work-order services against a real database: the timeline scan links repeat contacts and
opens automatic orders, the webhook notifier really posts, the interim team login, and intent
prediction trained on a stored (generated) history, printed by `hotline intent evaluate`."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

from hotline.bootstrap import init_center
from hotline.commands.tickets import register
from hotline.config import load_demo_config
from hotline.domain.enums import Channel, ContactStatus, Outcome
from hotline.domain.records import EventRecord
from hotline.notify import Notification, WebhookNotifier
from hotline.routing import events as ev
from hotline.routing.snapshot import ContactSnapshot
from hotline.runtime import CenterService
from hotline.services.tickets import Actor, Forbidden, NewOrder, TicketService
from hotline.store import Store
from hotline.tickets import Action
from hotline.tickets.records import CustomerRecord, SurveyRecord
from hotline.tickets.synthetic import generate

DAY = 86400.0
AGENT = Actor("a01", "agent", "a01")


@pytest.fixture
def center(store: Store):
    init_center(store, load_demo_config(), demo_logins=False)
    center = CenterService(store)
    return center, TicketService(store, publish=center.annotate)


def test_a_new_call_from_a_customer_with_a_live_order_is_linked_and_escalated(center):
    c, svc = center
    svc.tick()  # first start: the scan begins at the present
    c.apply(ev.AgentLogin("a01"))
    c.apply(ev.ContactArrived("c1", "general", customer="13800002222"))
    c.apply(ev.OfferAccepted("a01", "c1"))
    order = svc.create(
        AGENT,
        NewOrder(
            "lost_item",
            "passport",
            contact_id="c1",
            fields={"item": "passport", "where_lost": "security check"},
        ),
    )
    c.apply(ev.ContactCompleted("a01", "c1"))
    c.apply(ev.ContactArrived("c2", "general", customer="13800002222"))  # calls again
    c.apply(ev.ContactArrived("c3", "general", customer="13900009999"))  # someone else
    report = svc.tick()
    assert report.linked == 1
    after = svc.repo.order(order.id)
    assert after.contact_ids == ("c1", "c2") and after.repeat_contacts == 1
    assert after.priority == order.priority + 1
    assert [e.actor for e in svc.repo.order_events(order.id)][-2:] == [
        "rule:called-again",
        "rule:called-again",
    ]
    assert svc.tick().linked == 0  # the cursor moved on: nothing is linked twice
    # the order facts were published on the timeline the wallboard streams
    facts = [e for e in c.store.events(0, 1000) if e.kind.startswith("order.")]
    assert {"order.created", "order.contact_linked", "order.escalated"} <= {e.kind for e in facts}
    assert all("customer" not in e.data for e in facts)


def test_a_callback_that_failed_every_attempt_becomes_an_automatic_order(center, store):
    _c, svc = center
    svc.tick()
    snap = ContactSnapshot(
        "cb1",
        Channel.CALLBACK,
        "callbacks",
        ContactStatus.ENDED,
        10.0,
        10.0,
        1,
        customer="13700007777",
        outcome=Outcome.CALLBACK_FAILED,
    )
    ended = EventRecord(
        time.time(),
        "contact.ended",
        contact_id="cb1",
        channel="callback",
        data={"outcome": "callback_failed"},
    )
    store.append([ended], [snap])
    assert svc.tick().auto_created == 1
    [order] = svc.repo.orders_for_contact("cb1")
    assert (order.origin, order.category, order.customer) == ("auto", "help_request", "13700007777")
    assert svc.tick().auto_created == 0


def test_an_agent_login_without_an_agent_id_works_as_a_team_until_the_team_role_exists(center):
    _c, svc = center
    svc.create_team("repair", "抢修班 repair crew", "repair_crew")
    svc.core.create_user("crew1", "x", "agent")
    svc.add_member("repair", "crew1")
    crew = svc.actor_for("crew1", "agent", None)
    assert crew.team_scoped and crew.teams == ("repair",)
    sup = Actor("sup", "supervisor")
    theirs = svc.create(
        sup, NewOrder("fault_report", "cable cut", fields={"address": "A"}, team="repair")
    )
    other = svc.create(sup, NewOrder("fault_report", "lamp", fields={"address": "B"}))
    assert [o.id for o in svc.list(crew)] == [theirs.id]
    with pytest.raises(Forbidden):
        svc.get(crew, other.id)
    assert svc.act(crew, theirs.id, Action.ACCEPT).state.value == "in_progress"


class _Sink(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received.append((self.headers.get("Authorization"), json.loads(body)))
        status = 500 if b"fail" in body else 200
        self.send_response(status)
        self.send_header("x-message-id", "m-1")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_webhook_notifier_posts_json_and_reports_failures():
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = WebhookNotifier(f"http://127.0.0.1:{server.server_port}/sms", token="s3cret")
        ok = hook.send(Notification("13800001111", "order_resolved", "done", "o1"))
        assert (ok.ok, ok.channel, ok.detail) == (True, "webhook", "m-1")
        assert _Sink.received[-1] == (
            "Bearer s3cret",
            {
                "to": "13800001111",
                "kind": "order_resolved",
                "text": "done",
                "order_id": "o1",
                "data": {},
            },
        )
        bad = hook.send(Notification("role:supervisor", "escalation", "fail"))
        assert (bad.ok, bad.detail) == (False, "HTTP 500")
        hook.close()
    finally:
        server.shutdown()
    down = WebhookNotifier("http://127.0.0.1:9/nowhere", timeout_s=0.5)
    assert down.send(Notification("x:y", "k", "t")).ok is False


def store_history(svc: TicketService, contacts: int, start: float) -> int:
    """Store a generated history the way the center would have: contacts on the timeline,
    orders opened from them, follow-ups linked, dispositions, surveys and profiles."""
    synth = generate(contacts=contacts, days=90, seed=5, start=start)
    h = synth.history
    for cust in synth.customers:
        svc.repo.create_customer(
            CustomerRecord(
                cust.id,
                start,
                start,
                area=cust.area,
                tags=tuple(cust.tags),
                identifiers=(("phone", cust.phone),),
                language=cust.language,
            )
        )
    snaps, records = [], []
    for i, x in enumerate(h.contacts):
        snaps.append(
            ContactSnapshot(
                x.id,
                Channel(x.channel),
                x.queue,
                ContactStatus.ENDED,
                x.at,
                x.at,
                i + 1,
                customer=x.customer,
                language=x.language,
                agent_id="a01",
                ended_at=x.at + 200,
                outcome=Outcome.COMPLETED,
            )
        )
        records.append(
            EventRecord(
                x.at,
                "contact.created",
                contact_id=x.id,
                channel=x.channel,
                queue=x.queue,
                data={"customer": x.customer},
            )
        )
        if x.label == "consultation":
            records.append(
                EventRecord(
                    x.at + 200,
                    "contact.note",
                    contact_id=x.id,
                    data={"disposition": "consultation"},
                )
            )
    svc.core.append(records, snaps)
    from hotline.tickets import created
    from hotline.tickets.order import apply

    by_contact = {o.id.replace("o", "s"): o for o in h.orders}
    latest: dict[str, object] = {}
    for x in h.contacts:
        o = by_contact.get(x.id)
        if o is not None:
            e = created(
                o.id,
                o.created_at,
                "a01",
                category=o.category,
                title="t",
                customer=o.customer,
                area=o.area,
                contact_ids=[x.id],
            )
            order = apply(None, e)
            svc.repo.save(order, [e], [(x.id, "origin")])
            latest[x.customer] = order
        elif x.label == "follow_up" and x.customer in latest:
            order = latest[x.customer]
            [e] = __import__("hotline.tickets", fromlist=["decide"]).decide(
                order, Action.LINK, x.at, "a01", contact_id=x.id, repeat=True
            )
            order = apply(order, e)
            svc.repo.save(order, [e], [(x.id, "follow_up")])
            latest[x.customer] = order
    for r in h.ratings:
        cid = next(x.id for x in h.contacts if x.customer == r.customer and x.at < r.at)
        svc.repo.request_survey(SurveyRecord(0, cid, r.at, customer=r.customer))
    return len(h.contacts)


def test_intent_is_learnt_from_the_stored_history_and_evaluated_by_the_command(store, db_url):
    svc = TicketService(store)
    now = time.time()
    store_history(svc, 1000, start=now - 95 * DAY)
    ev_ = svc.train(now)
    assert ev_ is not None and ev_.train_n + ev_.test_n == 1000
    assert ev_.model_accuracy > ev_.baseline_accuracy + 0.15
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    out = CliRunner().invoke(app, ["intent", "evaluate", "--database-url", db_url, "--days", "120"])
    assert out.exit_code == 0, out.output
    assert "model accuracy" in out.output and "RESULT intent_accuracy=" in out.output
    report = CliRunner().invoke(
        app, ["tickets", "report", "--database-url", db_url, "--from", "2020-01-01"]
    )
    assert report.exit_code == 0, report.output
    assert "lost_item" in report.output and "限时办结率" in report.output
