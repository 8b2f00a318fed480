"""Which escalation triggers an order raises now: SLA at risk / breached (the periodic check).

`sla(order, config, now)` evaluates both promises of an order; `sla_triggers` turns them into
rule triggers whose keys include the reopen count, so a reopened order can escalate again.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.tickets.config import TicketsConfig
from hotline.tickets.order import Order
from hotline.tickets.rules import Subject, Trigger
from hotline.tickets.sla import SlaClock, first_action_clock, resolution_clock
from hotline.tickets.states import OrderState


@dataclass(frozen=True, slots=True)
class OrderSla:
    first_action: SlaClock
    resolution: SlaClock

    def worst(self) -> SlaClock:
        """The clock closest to (or furthest past) its budget among those still running."""
        running = [c for c in (self.first_action, self.resolution) if c.done_at is None]
        return max(running or [self.resolution], key=lambda c: c.fraction)


def sla(order: Order, config: TicketsConfig, now: float) -> OrderSla | None:
    """Both clocks of `order` at `now`; None for a category no longer configured."""
    cat = config.categories.get(order.category)
    if cat is None:
        return None
    hours = config.hours(order.category)
    return OrderSla(
        first_action_clock(order, hours, cat.first_action_s, now),
        resolution_clock(order, hours, cat.resolution_s, now),
    )


def sla_triggers(order: Order, config: TicketsConfig, now: float) -> list[Trigger]:
    """`sla_at_risk` / `sla_breached` triggers for each running clock of a live order."""
    if order.state in (OrderState.CLOSED, OrderState.CONFIRMED, OrderState.RESOLVED):
        return []
    status = sla(order, config, now)
    if status is None:
        return []
    out = []
    for c in (status.first_action, status.resolution):
        if c.done_at is not None:
            continue
        key = f"{c.name}#{order.reopened}"
        out.append(Trigger("sla_at_risk", key, fraction=c.fraction))
        if c.breached:
            out.append(Trigger("sla_breached", key, fraction=c.fraction))
    return out


def subject(order: Order, tags: frozenset[str] = frozenset()) -> Subject:
    return Subject(order.category, order.priority, tags, order.fired)
