"""Work-order use cases: create, act (state table), link contacts, escalate, close the loop.

Each use case reads the order, lets the pure core decide (`hotline.tickets.order.decide`,
`hotline.tickets.rules.evaluate`), and stores the events and the folded order in ONE
transaction (`TicketStore.save`, version-checked; a concurrent change is retried on a fresh
read). Notifications go out after the commit, and their outcome is recorded as an
`order.notified` event, so the audit trail says who was told what and when.

`tick(now)` is the periodic check the server calls (about every minute): SLA escalations,
closing resolved orders the customer never answered, repeat-contact detection and automatic
orders from the timeline, and a daily retraining of the intent model.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hotline.domain.records import EventRecord
from hotline.notify import LogNotifier, Notification, Notifier
from hotline.services.tickets_effects import EffectsMixin, home_message, message_row
from hotline.services.tickets_people import PeopleMixin
from hotline.services.tickets_values import (
    SUPERVISOR_ROLES,
    SYSTEM,
    Actor,
    Forbidden,
    NewOrder,
    NotFound,
    TickReport,
    firings_for,
)
from hotline.store import Store
from hotline.store.outbox import Outbox
from hotline.store.tickets import ConcurrentChange, OrderFilter, TicketStore
from hotline.tickets import order as core
from hotline.tickets.config import TicketsConfig, default_body, parse_config
from hotline.tickets.escalation import sla_triggers, subject
from hotline.tickets.kpi import OrderKpis, kpis_by_category, order_kpis
from hotline.tickets.order import Order, OrderEvent
from hotline.tickets.rules import Trigger, evaluate
from hotline.tickets.states import Action, InvalidOrder, OrderState, TicketError
from hotline.tickets.surveys import Rating

log = logging.getLogger(__name__)
RETRIES = 3
TEAM_ACTIONS = frozenset(
    {Action.ACCEPT, Action.PROGRESS, Action.WAIT, Action.RESUME, Action.RESOLVE}
)
CUSTOMER_ANSWERS = frozenset({Action.CONFIRM, Action.REOPEN})
AGENT_ACTIONS = TEAM_ACTIONS | CUSTOMER_ANSWERS | {Action.ASSIGN, Action.DISPATCH}


@dataclass
class _Outcome:
    """What a decision produced besides events: messages to send after the commit."""

    messages: list[Notification] = field(default_factory=list)


class TicketService(EffectsMixin, PeopleMixin):
    def __init__(
        self,
        store: Store,
        notifier: Notifier | None = None,
        clock: Callable[[], float] = time.time,
        publish: Callable[[EventRecord], object] | None = None,
        new_id: Callable[[], str] | None = None,
        home_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.core = store
        self.repo = TicketStore(store.engine)
        self.outbox = Outbox(store.engine)  # messages committed with their change
        self.notifier: Notifier = notifier or LogNotifier()
        self.clock = clock
        self.publish = publish
        self._new_id = new_id or (lambda: uuid.uuid4().hex[:16])
        #: contact id -> the peer center the caller belongs to, when it came from one (12306
        #: interconnection: an order taken for another center's caller is routed home)
        self.home_of = home_of
        self._config: tuple[int, TicketsConfig] | None = None
        self._init_people()

    # -- configuration -------------------------------------------------------------------

    def config(self) -> TicketsConfig:
        latest = self.repo.latest_config()
        version = latest[0] if latest else 0
        if self._config is None or self._config[0] != version:
            self._config = (version, parse_config(latest[1] if latest else default_body()))
        return self._config[1]

    def config_version(self) -> int:
        latest = self.repo.latest_config()
        return latest[0] if latest else 0

    def set_config(self, body: Mapping[str, Any], author: str) -> int:
        """Validate (TicketsConfigError names the field) and store a new version."""
        parse_config(body)
        return self.repo.save_config(body, author, self.clock())

    # -- reading -------------------------------------------------------------------------

    def can_see(self, actor: Actor, order: Order) -> bool:
        if actor.supervisor:
            return True
        if actor.team_scoped:
            return order.team is not None and order.team in actor.teams
        if actor.role == "agent" and actor.agent_id:
            if actor.agent_id in (order.owner, order.assignee):
                return True
            return any(
                (c := self.repo.contact(cid)) is not None and c.agent_id == actor.agent_id
                for cid in order.contact_ids
            )
        return False

    def get(self, actor: Actor, order_id: str) -> Order:
        order = self.repo.order(order_id)
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        if not self.can_see(actor, order):
            raise Forbidden("this order is not yours to see")
        return order

    def list(self, actor: Actor, f: OrderFilter = OrderFilter()) -> list[Order]:
        if actor.supervisor:
            return self.repo.orders(f)
        if actor.team_scoped:
            if f.team is not None and f.team not in actor.teams:
                raise Forbidden(f"not a member of team {f.team}")
            teams = [f.team] if f.team else list(actor.teams)
            return [o for t in teams for o in self.repo.orders(replace(f, team=t))]
        if actor.role == "agent" and actor.agent_id:
            return self.repo.orders(replace(f, visible_to_agent=actor.agent_id))
        raise Forbidden(f"role {actor.role} cannot list orders")

    def kpis(self, start: float, end: float) -> tuple[OrderKpis, dict[str, OrderKpis]]:
        """Order KPIs (total with survey figures, and per category) for orders created in
        [start, end), judged now."""
        cfg, now = self.config(), self.clock()
        orders = self.repo.orders(OrderFilter(created_from=start, created_to=end, limit=None))
        surveys = [
            (Rating(s.rating) if s.rating else None, s.score) for s in self.repo.surveys(start, end)
        ]
        return order_kpis(orders, cfg, now, surveys), dict(kpis_by_category(orders, cfg, now))

    def events(self, actor: Actor, order_id: str) -> list[OrderEvent]:
        self.get(actor, order_id)
        return self.repo.order_events(order_id)

    # -- creating ------------------------------------------------------------------------

    def create(self, actor: Actor, new: NewOrder) -> Order:
        if actor.team_scoped or actor.role not in ("agent", "channel", "system", *SUPERVISOR_ROLES):
            raise Forbidden("outside teams work orders; they do not create them")
        if actor.role == "agent" and not actor.agent_id:
            raise Forbidden("this login is not linked to an agent")
        cfg = self.config()
        cat = cfg.categories.get(new.category)
        if cat is None:
            raise InvalidOrder(f"category: must be one of {', '.join(cfg.categories)}")
        for name in cat.required:
            if new.fields.get(name) in (None, ""):
                raise InvalidOrder(f"fields.{name}: required for {cat.id}")
        customer = new.customer
        if new.id is not None and (done := self.repo.order(new.id)) is not None:
            return done  # a retry of a creation that committed
        if new.contact_id is not None:
            contact = self.repo.contact(new.contact_id)
            if contact is None:
                raise NotFound(f"no contact {new.contact_id!r}")
            if actor.role == "agent" and contact.agent_id != actor.agent_id:
                raise Forbidden("agents open orders only for their own contacts")
            customer = customer or contact.customer
        profile = self.repo.customer_by_identifier(customer) if customer else None
        now = self.clock()
        oid = new.id or self._new_id()
        first = core.created(
            oid,
            now,
            actor.username,
            category=cat.id,
            title=new.title,
            description=new.description,
            customer=customer,
            customer_id=profile.id if profile else None,
            area=new.area or (profile.area if profile else None),
            fields=dict(new.fields),
            confidential=new.confidential,
            priority=cat.default_priority if new.priority is None else new.priority,
            origin=new.origin or ("contact" if new.contact_id else "api"),
            owner=actor.agent_id,
            contact_ids=[new.contact_id] if new.contact_id else [],
        )
        order = core.apply(None, first)
        events, out = [first], _Outcome()
        tags = frozenset(profile.tags) if profile else frozenset()
        firings = evaluate(cfg.rules, Trigger("created", "created"), subject(order, tags))
        order, more = self._escalate(order, firings, now, out)
        events += more
        if new.assign_to:
            order, more = self._decide(
                actor, order, Action.ASSIGN, now, out, agent_id=new.assign_to
            )
            events += more
        elif new.team:
            order, more = self._decide(actor, order, Action.DISPATCH, now, out, team=new.team)
            events += more
        home = self.home_of(new.contact_id) if new.contact_id and self.home_of else None
        if home is not None:  # sent with the order's commit, through the outbox
            out.messages.append(home_message(order, home))
        links = [(new.contact_id, "origin")] if new.contact_id else []
        self.repo.save(order, events, links, outbox=[message_row(m) for m in out.messages])
        self._after(order, events, out)
        return self.repo.order(oid) or order

    # -- acting --------------------------------------------------------------------------

    def act(self, actor: Actor, order_id: str, action: Action, **data: Any) -> Order:
        """Apply a state-table action for `actor` (permissions and scope checked)."""

        def decide(order: Order, now: float, out: _Outcome) -> tuple[Order, list[OrderEvent]]:
            self._check(actor, order, action, data)
            return self._decide(actor, order, action, now, out, **data)

        return self._change(order_id, decide)

    def customer_answer(
        self, actor: Actor, order_id: str, solved: bool, comment: str | None = None
    ) -> Order:
        """Closed loop: the customer's answer to "is it solved?" (SMS reply, IVR, call back)."""
        action = Action.CONFIRM if solved else Action.REOPEN
        data: dict[str, Any] = {"via": actor.role}
        if comment:
            data["comment"] = comment
        if not solved:
            data["reason"] = comment or "customer says it is not solved"
        return self.act(actor, order_id, action, **data)

    def link_contact(self, actor: Actor, order_id: str, contact_id: str) -> Order:
        """The customer contacted us again about this order (催办): link and escalate."""
        contact = self.repo.contact(contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id!r}")
        if actor.role == "agent" and contact.agent_id != actor.agent_id:
            raise Forbidden("agents link only their own contacts")
        if actor.team_scoped or actor.role == "channel":
            raise Forbidden("only the contact center links contacts to orders")

        def decide(order: Order, now: float, out: _Outcome) -> tuple[Order, list[OrderEvent]]:
            if (
                actor.role == "agent"
                and not self.can_see(actor, order)
                and order.customer != contact.customer
            ):
                raise Forbidden("this contact's customer is not the order's customer")
            return self._link(actor, order, contact_id, now, out)

        return self._change(order_id, decide, links=[(contact_id, "follow_up")])

    # -- periodic check ------------------------------------------------------------------

    def tick(self, now: float | None = None) -> TickReport:
        """Everything time-driven; safe to call as often as wanted (idempotent per cause)."""
        now = self.clock() if now is None else now
        self.deliver_outbox()  # what a crashed process committed but never sent
        escalated = self.check_escalations(now)
        closed = self.close_unconfirmed(now)
        linked, created = self.scan_timeline(now)
        trained = self.retrain_if_stale(now)
        return TickReport(escalated, closed, linked, created, trained)

    def check_escalations(self, now: float) -> int:
        """Fire SLA-at-risk / breached rules on every open order; returns orders escalated."""
        cfg, count = self.config(), 0
        tags_cache: dict[str | None, frozenset[str]] = {}
        for order in self.repo.orders(OrderFilter(open_only=True, limit=None)):
            tags = self._tags(order.customer_id, tags_cache)
            firings = firings_for(cfg, sla_triggers(order, cfg, now), subject(order, tags))
            if not firings:
                continue

            def decide(o: Order, at: float, out: _Outcome, tags=tags) -> tuple[Order, list]:
                fresh = firings_for(cfg, sla_triggers(o, cfg, now), subject(o, tags))
                return self._escalate(o, fresh, at, out)

            try:
                self._change(order.id, decide, at=now)
                count += 1
            except TicketError:
                log.exception("escalating order %s failed", order.id)
        return count

    def close_unconfirmed(self, now: float) -> int:
        """Closed loop: resolved orders the customer did not answer within N days close."""
        count = 0
        for order in self.repo.orders(OrderFilter(states=("resolved",), limit=None)):
            if order.confirm_due is None or order.confirm_due > now:
                continue

            def decide(o: Order, at: float, out: _Outcome) -> tuple[Order, list]:
                if o.state is not OrderState.RESOLVED:
                    return o, []
                return self._decide(SYSTEM, o, Action.CLOSE, at, out, reason="no_answer")

            self._change(order.id, decide, at=now)
            count += 1
        return count

    # -- internals -----------------------------------------------------------------------

    def _check(self, actor: Actor, order: Order, action: Action, data: Mapping) -> None:
        """Who may do what to which order (the state table decides *whether* it is legal)."""
        if actor.supervisor or actor is SYSTEM:
            return
        if actor.role == "channel":
            if action not in CUSTOMER_ANSWERS:
                raise Forbidden("channel accounts only relay the customer's answer")
            return
        if not self.can_see(actor, order):
            raise Forbidden("this order is not yours")
        if actor.team_scoped:
            if action not in TEAM_ACTIONS:
                raise Forbidden(f"an outside team cannot {action.value} an order")
            return
        if action not in AGENT_ACTIONS:
            raise Forbidden(f"agents cannot {action.value} an order; ask a supervisor")
        if action is Action.ACCEPT and order.team is not None:
            raise Forbidden(f"the order is with team {order.team}; they accept it")

    def _decide(
        self, actor: Actor, order: Order, action: Action, now: float, out: _Outcome, **data: Any
    ) -> tuple[Order, list[OrderEvent]]:
        if action is Action.DISPATCH:
            team = self.repo.team(data.get("team") or "")
            if team is None or not team.active:
                raise InvalidOrder(f"team: no active team {data.get('team')!r}")
        if action is Action.ASSIGN:
            self._check_agent(data.get("agent_id"))
        if action is Action.RESOLVE:
            data["confirm_due"] = now + self.config().confirm_after_s
        events = core.decide(order, action, now, actor.username, **data)
        for e in events:
            order = core.apply(order, e)
        out.messages += self._messages_for(order, action, data)
        return order, events

    def _check_agent(self, agent_id: str | None) -> None:
        latest = self.core.latest_config()
        known = {a.get("id") for a in (latest[1].get("agents") or [])} if latest else set()
        if agent_id not in known:
            raise InvalidOrder(f"agent_id: no agent {agent_id!r} in the center configuration")

    def _link(
        self, actor: Actor, order: Order, contact_id: str, now: float, out: _Outcome
    ) -> tuple[Order, list[OrderEvent]]:
        repeat = order.state is not OrderState.CLOSED
        events = core.decide(
            order, Action.LINK, now, actor.username, contact_id=contact_id, repeat=repeat
        )
        order = core.apply(order, events[0])
        trigger = Trigger(
            "repeat_contact", f"repeat#{order.repeat_contacts}", count=order.repeat_contacts
        )
        tags = self._tags(order.customer_id, {})
        firings = evaluate(self.config().rules, trigger, subject(order, tags))
        order, more = self._escalate(order, firings, now, out)
        return order, events + more

    def _change(
        self,
        order_id: str,
        decide: Callable[[Order, float, _Outcome], tuple[Order, list[OrderEvent]]],
        links: list[tuple[str, str]] | None = None,
        at: float | None = None,
    ) -> Order:
        """Read, decide, save in one transaction; retry on a concurrent change."""
        for attempt in range(RETRIES):
            order = self.repo.order(order_id)
            if order is None:
                raise NotFound(f"no order {order_id!r}")
            out = _Outcome()
            now = self.clock() if at is None else at
            new, events = decide(order, now, out)
            if not events:
                return new
            try:
                rows = [message_row(m) for m in out.messages]
                self.repo.save(new, events, links or (), outbox=rows)
            except ConcurrentChange:
                if attempt == RETRIES - 1:
                    raise TicketError("the order is being changed by someone else; retry") from None
                continue
            self._after(new, events, out)
            return self.repo.order(order_id) or new
        raise AssertionError("unreachable")

    def _tags(self, customer_id: str | None, cache: dict) -> frozenset[str]:
        if customer_id not in cache:
            rec = self.repo.customer(customer_id) if customer_id else None
            cache[customer_id] = frozenset(rec.tags) if rec else frozenset()
        return cache[customer_id]
