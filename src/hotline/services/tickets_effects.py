"""What follows a decision: escalation events from rule firings, messages to people, the
record of their delivery, and the facts published on the live stream (mixed into
TicketService)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hotline.domain.records import EventRecord
from hotline.notify import Notification, RetryLater
from hotline.tickets import order as core
from hotline.tickets.order import Order, OrderEvent
from hotline.tickets.rules import Firing, new_priority
from hotline.tickets.states import Action, TicketError

if TYPE_CHECKING:
    from hotline.services.tickets import TicketService, _Outcome

log = logging.getLogger(__name__)


class EffectsMixin:
    def _escalate(
        self: TicketService, order: Order, firings: list[Firing], now: float, out: _Outcome
    ) -> tuple[Order, list[OrderEvent]]:
        """Turn rule firings into audit events (escalated, priority) and messages."""
        events: list[OrderEvent] = []
        for f in firings:
            actor = f"rule:{f.rule}"
            (e,) = core.decide(
                order,
                Action.ESCALATE,
                now,
                actor,
                rule=f.rule,
                key=f.key,
                trigger=f.trigger,
                expedite=f.expedite,
            )
            order = core.apply(order, e)
            events.append(e)
            to = new_priority(order.priority, [f])
            if to != order.priority:
                (p,) = core.decide(
                    order,
                    Action.PRIORITY,
                    now,
                    actor,
                    to=to,
                    reason=f.trigger,
                    **{"from": order.priority},
                )
                order = core.apply(order, p)
                events.append(p)
            for eff in f.effects:
                if eff.kind == "notify" and (target := _target(order, eff.value)):
                    out.messages.append(
                        Notification(
                            target,
                            "escalation",
                            f"[{f.rule}] order {order.id} ({order.category}, priority "
                            f"{order.priority}): {_WHY.get(f.trigger, f.trigger)}",
                            order.id,
                            {"rule": f.rule, "trigger": f.trigger},
                        )
                    )
        return order, events

    def _messages_for(
        self: TicketService, order: Order, action: Action, data: Mapping
    ) -> list[Notification]:
        if action is Action.RESOLVE and order.customer:
            text = (
                f"您的工单 {order.id} 已办结：{data['resolution']} "
                "如问题已解决请回复 1，未解决请回复 2。Your request has been handled; reply 1 if "
                "solved, 2 if not."
            )
            return [Notification(order.customer, "order_resolved", text, order.id)]
        if action is Action.DISPATCH:
            return [
                Notification(
                    f"team:{order.team}",
                    "order_dispatched",
                    f"new order {order.id} ({order.category}, priority {order.priority}): "
                    f"{order.title}",
                    order.id,
                )
            ]
        if action is Action.REOPEN:
            who = [t for t in (_target(order, "assignee"), _target(order, "team")) if t]
            return [
                Notification(
                    t,
                    "order_reopened",
                    f"order {order.id} reopened: {data.get('reason')}",
                    order.id,
                )
                for t in who or ["role:supervisor"]
            ]
        return []

    def _after(self: TicketService, order: Order, events: list[OrderEvent], out: _Outcome) -> None:
        """After the commit: publish the facts, then send the messages the change put in the
        outbox (in its own transaction) and record their delivery on the order."""
        for e in events:
            self._publish(order, e)
        if out.messages:
            self.deliver_outbox(order.id)

    def deliver_outbox(self: TicketService, order_id: str | None = None) -> int:
        """Send pending outbox messages (of one order, or all: after a crash, the minute tick
        sends what a dead process committed but never sent); returns how many were sent."""
        pending = self.outbox.claim(self.clock(), order_id)
        by_order: dict[str | None, list[tuple[Notification, bool, str, str | None]]] = {}
        for p in pending:
            msg = message_from_row(p.message)
            try:
                d = self.notifier.send(msg)
                sent = (msg, d.ok, d.channel, d.detail)
            except RetryLater as exc:  # given back unsent: the next round takes it again
                log.info("outbox message %s to %s: retry later (%s)", p.id, msg.to, exc)
                self.outbox.release(p.id)
                continue
            except Exception as exc:  # an adapter bug must not undo a committed change
                log.exception("notifier failed")
                sent = (msg, False, "error", str(exc))
            self.outbox.mark_sent(p.id, self.clock())
            by_order.setdefault(p.order_id, []).append(sent)
        for oid, deliveries in by_order.items():
            if oid is not None:
                self._record_deliveries(oid, deliveries)
        return len(pending)

    def _record_deliveries(
        self: TicketService,
        order_id: str,
        deliveries: list[tuple[Notification, bool, str, str | None]],
    ) -> None:
        def record(o: Order, now: float, _out: _Outcome) -> tuple[Order, list[OrderEvent]]:
            evs: list[OrderEvent] = []
            for msg, ok, channel, detail in deliveries:
                (e,) = _notified(o, now, msg, ok, channel, detail)
                o = core.apply(o, e)
                evs.append(e)
            return o, evs

        try:
            self._change(order_id, record)
        except TicketError:
            log.exception("could not record deliveries for order %s", order_id)

    def _publish(self: TicketService, order: Order, e: OrderEvent) -> None:
        if self.publish is None:
            return
        data = {
            "order_id": order.id,
            "version": e.version,
            "state": order.state.value,
            "category": order.category,
            "priority": order.priority,
            "team": order.team,
            "by": e.actor,
        }
        data.update({k: e.data[k] for k in ("rule", "trigger", "reason", "to") if k in e.data})
        try:
            self.publish(
                EventRecord(at=e.at, kind=e.kind, agent_id=order.assignee or order.owner, data=data)
            )
        except Exception:  # the stream is best effort; the order events are stored already
            log.exception("publishing %s failed", e.kind)


_WHY = {
    "created": "new order matching an escalation rule",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
    "repeat_contact": "the customer contacted us again about it",
    "unhappy_rating": "the customer rated the contact unsatisfied",
}


def _target(order: Order, who: str) -> str | None:
    if who == "supervisor":
        return "role:supervisor"
    if who == "owner":
        return f"agent:{order.owner}" if order.owner else None
    if who == "assignee":
        return f"agent:{order.assignee}" if order.assignee else None
    if who == "team":
        return f"team:{order.team}" if order.team else None
    if who == "customer":
        return order.customer
    return None


def _notified(
    order: Order, now: float, msg: Notification, ok: bool, channel: str, detail: str | None
) -> list[OrderEvent]:
    to = msg.to if not msg.to_customer else "customer"  # no identifier in the audit data
    return core.decide(
        order,
        Action.NOTIFY,
        now,
        "system",
        to=to,
        kind=msg.kind,
        ok=ok,
        channel=channel,
        detail=detail,
    )


def home_message(order: Order, center: str) -> Notification:
    """The order handed to the caller's home center (`center:<name>`, sent by the federation
    notifier): it carries what the home center needs to open the same order there."""
    body = {
        "order_id": order.id,
        "category": order.category,
        "title": order.title,
        "description": order.description,
        "customer": order.customer,
        "contact_id": order.contact_ids[0] if order.contact_ids else None,
        "fields": dict(order.fields),
        "priority": order.priority,
        "confidential": order.confidential,
    }
    text = f"work order {order.id} for a caller of {center}"
    return Notification(f"center:{center}", "order_home", text, order.id, {"order": body})


def message_row(msg: Notification) -> dict[str, Any]:
    """A message as the outbox stores it (JSON)."""
    return {
        "to": msg.to,
        "kind": msg.kind,
        "text": msg.text,
        "order_id": msg.order_id,
        "data": dict(msg.data),
    }


def message_from_row(row: dict[str, Any]) -> Notification:
    return Notification(row["to"], row["kind"], row["text"], row.get("order_id"), row["data"])
