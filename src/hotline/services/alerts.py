"""Evaluating the center's alert rules: measure, fire once, notify, clear, acknowledge.

The server calls `evaluate()` after each catch-up of the report aggregates, so rate rules
(SL, abandon) read the same numbers as the wallboard; live rules (waiting, not-ready,
callbacks) read the live projections; work orders at risk read the orders' SLA clocks
against the stored work-order configuration (the same `sla()` as `/api/tickets/at-risk`).
Fired alerts are stored with their history and sent through the notifier; open ones are
reloaded on start, so a restart does not refire them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from hotline.domain.enums import AgentState, Channel, ContactStatus
from hotline.kpi import KpiOptions
from hotline.notify import Notification, Notifier
from hotline.services.alerts_rules import AlertBook, AlertRule, Cleared, Fired
from hotline.services.reports import Reports
from hotline.store import Store
from hotline.store.aggregates_query import Filters
from hotline.store.alerts import AlertRecord, AlertStore
from hotline.store.tickets import OrderFilter, TicketStore
from hotline.tickets.config import TicketsConfig, default_body, parse_config
from hotline.tickets.escalation import sla
from hotline.tickets.states import OrderState

Values = dict[str, float | None]
_WAITING = (ContactStatus.QUEUED, ContactStatus.OFFERED)
#: an order in these states waits on nobody's SLA (resolved: the customer's confirmation)
_SETTLED = (OrderState.RESOLVED, OrderState.CONFIRMED, OrderState.CLOSED)


def rules_from(docs: Iterable[Mapping[str, Any]]) -> list[AlertRule]:
    """Rules from the config's `alerts:` entries (already validated by the schema)."""
    return [AlertRule(**dict(d)) for d in docs]


class Alerts:
    """One center's alert rules over its store, aggregates and notifier."""

    def __init__(
        self,
        store: Store,
        reports: Reports,
        notifier: Notifier,
        queues: Callable[[], Mapping[str, float]],
    ) -> None:
        """`queues()` gives the live queue ids → their SL threshold (for SL rules)."""
        self.store = AlertStore(store.engine)
        self._live = store
        self._reports = reports
        self._notifier = notifier
        self._queues = queues
        self._book = AlertBook((a.rule_id, a.subject) for a in self.store.open_alerts())
        self._orders = TicketStore(store.engine)
        self._orders_config: tuple[int, TicketsConfig] | None = None

    def evaluate(self, now: float, rules: Iterable[AlertRule]) -> list[AlertRecord]:
        """Measure every rule, store and send what fires, close what cleared; the new alerts."""
        rules = list(rules)
        open_now = [(a.rule_id, a.subject) for a in self.store.open_alerts()]
        self._book.sync(open_now, (r.id for r in rules))
        fired: list[AlertRecord] = []
        for rule in rules:
            for change in self._book.step(now, rule, self._measure(now, rule)):
                if isinstance(change, Cleared):
                    self.store.clear(change.rule_id, change.subject, now)
                elif isinstance(change, Fired):
                    fired.append(self._fire(now, change))
        return fired

    def retire(self, rule_id: str, now: float) -> None:
        """A rule was deleted: close its open alerts (nothing will ever clear them again)."""
        self._book.forget(rule_id)
        for a in self.store.open_alerts():
            if a.rule_id == rule_id:
                self.store.clear(rule_id, a.subject, now)

    def acknowledge(self, alert_id: int, user: str, now: float) -> AlertRecord | None:
        return self.store.acknowledge(alert_id, user, now)

    def _fire(self, now: float, f: Fired) -> AlertRecord:
        text = f.rule.describe(f.subject, f.value)
        record = self.store.fire(
            rule_id=f.rule.id, subject=f.subject, kind=f.rule.kind, value=f.value, text=text,
            breach_since=f.since, fired_at=now,
        )  # fmt: skip
        data = {k: v for k, v in asdict(record).items() if k != "text"}
        self._notifier.send(Notification(f.rule.notify, "alert", text, data=data))
        return record

    # -- measures -------------------------------------------------------------------------

    def _measure(self, now: float, rule: AlertRule) -> Values:
        thresholds = self._queues()
        queues = [rule.queue] if rule.queue is not None else sorted(thresholds)
        if rule.kind in ("service_level_below", "abandon_rate_above"):
            reader = self._reports.reader  # the loop has just caught up
            out: Values = {}
            for q in queues:
                opts = KpiOptions(sl_threshold_s=thresholds.get(q, 20.0))
                k = reader.kpis(now - rule.window_s, now + 1, Filters(q, options=opts)).total
                out[q] = k.service_level if rule.kind == "service_level_below" else k.abandon_rate
            return out
        live = self._live.live_contacts()
        if rule.kind == "waiting_above":
            waiting = Counter(c.queue for c in live if c.status in _WAITING)
            return {q: float(waiting.get(q, 0)) for q in queues}
        if rule.kind == "agent_not_ready_over":
            return {
                a.id: now - a.state_since
                for a in self._live.agents()
                if a.state == AgentState.NOT_READY
            }
        if rule.kind == "callback_overdue":
            return {
                c.id: now - c.due_at
                for c in live
                if c.channel == Channel.CALLBACK and c.due_at is not None and c.due_at < now
                and c.status in (ContactStatus.SCHEDULED, ContactStatus.QUEUED)
            }  # fmt: skip
        if rule.kind == "order_at_risk":
            return self._orders_at_risk(now)
        raise ValueError(f"unknown alert kind {rule.kind!r}")

    def _orders_at_risk(self, now: float) -> Values:
        """Open order id → the largest share of a running SLA budget it has used.

        Every open order is a subject, so one that is resolved (its clocks stop) or dropped
        from the list clears its alert; the rule's threshold says how near is "at risk"."""
        cfg = self._tickets_config()
        out: Values = {}
        for order in self._orders.orders(OrderFilter(open_only=True, limit=None)):
            if order.state in _SETTLED:
                continue
            status = sla(order, cfg, now)
            if status is None:  # a category no longer configured has no promise to keep
                continue
            running = [c for c in (status.first_action, status.resolution) if c.done_at is None]
            if running:
                out[order.id] = max(c.fraction for c in running)
        return out

    def _tickets_config(self) -> TicketsConfig:
        """The stored work-order configuration, re-parsed only when its version changes."""
        latest = self._orders.latest_config()
        version = latest[0] if latest else 0
        if self._orders_config is None or self._orders_config[0] != version:
            body = latest[1] if latest else default_body()
            self._orders_config = (version, parse_config(body))
        return self._orders_config[1]
