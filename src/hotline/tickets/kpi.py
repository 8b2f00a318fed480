"""Work-order KPIs over folded orders and survey answers: pure, with printed definitions.

Scope (统计口径): an order counts in the range its creation falls in, judged over its whole
life up to `now` (like contacts in `hotline.kpi`). Cancelled orders (closed before any
resolution) count as opened but not in the resolution figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hotline.tickets.config import TicketsConfig
from hotline.tickets.escalation import sla
from hotline.tickets.order import Order
from hotline.tickets.surveys import Satisfaction, satisfaction

DEFINITIONS = {
    "opened": "受理量 opened = orders created in the range",
    "resolved": "办结量 resolved = opened orders with a result told to the customer "
    "(resolved, confirmed, or closed after a resolution)",
    "resolution_rate": "办结率 resolution rate = resolved ÷ (opened − cancelled)",
    "resolved_on_time": "限时办结 resolved on time = resolved within the category's resolution "
    "budget (business hours of its calendar; clock paused while waiting on the customer)",
    "on_time_rate": "限时办结率 on-time rate = resolved on time ÷ resolved",
    "first_action_on_time_rate": "及时响应率 = orders whose first action (accept, progress, wait "
    "or resolve) came within the first-action budget ÷ orders with a first action or past due",
    "overdue": "超期 overdue = opened orders whose resolution budget ran out (resolved late, or "
    "still unresolved past the deadline at the time of the report)",
    "reopened": "重办 reopened = opened orders the customer reopened at least once",
    "follow_up_rate": "回访率 follow-up rate = orders whose result the customer answered "
    "(confirmed or reopened) ÷ orders that were given a result (resolved at least once)",
    "confirmed_rate": "回访满意率 = orders confirmed by the customer ÷ orders the customer "
    "answered",
    "satisfaction": "满意度 = satisfied ÷ survey replies for contacts in the range, printed with "
    "the response rate (replies ÷ surveys offered)",
}


@dataclass(frozen=True, slots=True)
class OrderKpis:
    opened: int
    cancelled: int
    resolved: int
    resolved_on_time: int
    overdue: int
    reopened: int
    first_action_due: int
    first_action_on_time: int
    answered_by_customer: int
    confirmed: int
    given_result: int
    satisfaction: Satisfaction

    @property
    def resolution_rate(self) -> float | None:
        base = self.opened - self.cancelled
        return self.resolved / base if base else None

    @property
    def on_time_rate(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def first_action_on_time_rate(self) -> float | None:
        return self.first_action_on_time / self.first_action_due if self.first_action_due else None

    @property
    def follow_up_rate(self) -> float | None:
        g = self.given_result
        return self.answered_by_customer / g if g else None

    @property
    def confirmed_rate(self) -> float | None:
        a = self.answered_by_customer
        return self.confirmed / a if a else None

    def as_dict(self) -> dict[str, object]:
        s = self.satisfaction
        return {
            "opened": self.opened,
            "cancelled": self.cancelled,
            "resolved": self.resolved,
            "resolution_rate": self.resolution_rate,
            "resolved_on_time": self.resolved_on_time,
            "on_time_rate": self.on_time_rate,
            "first_action_on_time_rate": self.first_action_on_time_rate,
            "overdue": self.overdue,
            "reopened": self.reopened,
            "follow_up_rate": self.follow_up_rate,
            "confirmed_rate": self.confirmed_rate,
            "surveys_offered": s.requested,
            "survey_replies": s.replies,
            "survey_response_rate": s.response_rate,
            "satisfied_rate": s.satisfied_rate,
            "unsatisfied_rate": s.unsatisfied_rate,
            "mean_score": s.mean_score,
        }


def _answered(o: Order) -> tuple[bool, bool]:
    """(the customer answered the confirmation request, they confirmed)."""
    confirmed = o.close_reason == "confirmed"
    return confirmed or o.reopened > 0, confirmed


def order_kpis(
    orders: Iterable[Order],
    config: TicketsConfig,
    now: float,
    surveys: Iterable[tuple] = (),
) -> OrderKpis:
    """KPIs of `orders` (already limited to the range) and of `surveys` (rating, score) pairs."""
    c = dict.fromkeys(
        ("opened", "cancelled", "resolved", "on_time", "overdue", "reopened", "fa_due", "fa_ok"),
        0,
    )
    answered = confirmed = given = 0
    for o in orders:
        c["opened"] += 1
        c["reopened"] += o.reopened > 0
        status = sla(o, config, now)
        if o.resolved_at is None and o.closed_at is not None:
            c["cancelled"] += 1
            continue
        if status is not None:
            fa = status.first_action
            if fa.done_at is not None or fa.breached:
                c["fa_due"] += 1
                c["fa_ok"] += fa.done_at is not None and not fa.breached
            c["overdue"] += status.resolution.breached
        given += o.resolved_at is not None or o.reopened > 0
        if o.resolved_at is not None:
            c["resolved"] += 1
            c["on_time"] += status is not None and not status.resolution.breached
            a, ok = _answered(o)
            answered += a
            confirmed += ok
        elif o.reopened:
            answered += 1  # reopened and not yet resolved again: the customer did answer
    return OrderKpis(
        opened=c["opened"],
        cancelled=c["cancelled"],
        resolved=c["resolved"],
        resolved_on_time=c["on_time"],
        overdue=c["overdue"],
        reopened=c["reopened"],
        first_action_due=c["fa_due"],
        first_action_on_time=c["fa_ok"],
        answered_by_customer=answered,
        confirmed=confirmed,
        given_result=given,
        satisfaction=satisfaction(surveys),
    )


def kpis_by_category(
    orders: Iterable[Order], config: TicketsConfig, now: float
) -> Mapping[str, OrderKpis]:
    groups: dict[str, list[Order]] = {}
    for o in orders:
        groups.setdefault(o.category, []).append(o)
    return {k: order_kpis(v, config, now) for k, v in sorted(groups.items())}
