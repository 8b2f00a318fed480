"""Customers, surveys, outside teams, intent and the timeline scan (mixed into TicketService).

Kept apart from the order use cases because they read the contact timeline and profiles
rather than decide order moves; every change still goes through `TicketService` methods, one
transaction each.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hotline.domain.records import EventRecord
from hotline.notify import Notification
from hotline.routing.snapshot import ContactSnapshot
from hotline.services.tickets_values import (
    SYSTEM,
    Actor,
    NewOrder,
    NotFound,
    firings_for,
)
from hotline.store import DuplicateError
from hotline.tickets import intent as it
from hotline.tickets.order import Order
from hotline.tickets.records import (
    IDENTIFIER_KINDS,
    CustomerRecord,
    SurveyRecord,
    TeamRecord,
)
from hotline.tickets.repeat import PastContact, RepeatCheck, check, orders_about
from hotline.tickets.rules import Subject, Trigger, evaluate
from hotline.tickets.states import InvalidOrder, TicketError
from hotline.tickets.surveys import Rating, Satisfaction, rate, satisfaction

if TYPE_CHECKING:
    from hotline.services.tickets import TicketService

log = logging.getLogger(__name__)
TRAIN_EVERY_S = 86400.0
TRAIN_HISTORY_S = 180 * 86400.0
MIN_TRAINING = 200
SCAN_PAGE, SCAN_PAGES = 1000, 20
CURSOR = "timeline_cursor"


@dataclass(frozen=True, slots=True)
class Profile:
    customer: CustomerRecord | None
    identifier: str | None
    contacts: tuple[ContactSnapshot, ...]
    orders: tuple[Order, ...]
    surveys: tuple[SurveyRecord, ...]
    satisfaction: Satisfaction


@dataclass(frozen=True, slots=True)
class Portrait:
    """What the agent sees when a contact arrives: who, why probably, again?"""

    contact: ContactSnapshot
    profile: Profile
    prediction: it.Prediction
    repeat: RepeatCheck


class PeopleMixin:
    def _init_people(self: TicketService) -> None:
        self._predictor: it.Predictor | None = None
        self._evaluation: it.Evaluation | None = None
        self._trained_at: float | None = None

    # -- customers -----------------------------------------------------------------------

    def create_customer(
        self: TicketService,
        identifiers: Sequence[tuple[str, str]],
        *,
        name: str | None = None,
        language: str | None = None,
        area: str | None = None,
        tags: Sequence[str] = (),
    ) -> CustomerRecord:
        if not identifiers:
            raise InvalidOrder("identifiers: give at least one (phone, account, id_card, wechat)")
        for kind, _v in identifiers:
            if kind not in IDENTIFIER_KINDS:
                raise InvalidOrder(
                    f"identifiers: kind must be one of {', '.join(IDENTIFIER_KINDS)}"
                )
        now = self.clock()
        rec = CustomerRecord(
            id=uuid.uuid4().hex[:16],
            created_at=now,
            updated_at=now,
            name=name,
            language=language,
            area=area,
            tags=tuple(sorted(set(tags))),
            identifiers=tuple((k, v) for k, v in identifiers),
        )
        try:
            return self.repo.create_customer(rec)
        except DuplicateError as exc:
            raise TicketError(str(exc)) from exc

    def update_customer(self: TicketService, customer_id: str, **values: Any) -> CustomerRecord:

        if self.repo.customer(customer_id) is None:
            raise NotFound(f"no customer {customer_id!r}")
        return self.repo.update_customer(customer_id, self.clock(), **values)

    def add_identifier(self: TicketService, customer_id: str, kind: str, value: str) -> None:
        if kind not in IDENTIFIER_KINDS:
            raise InvalidOrder(f"kind: must be one of {', '.join(IDENTIFIER_KINDS)}")
        try:
            self.repo.add_identifier(customer_id, kind, value, self.clock())
        except DuplicateError as exc:
            raise TicketError(str(exc)) from exc

    def profile(
        self: TicketService, customer_id: str | None = None, identifier: str | None = None
    ) -> Profile:
        """History built from contacts, orders and surveys of every identifier of a customer."""
        rec = self.repo.customer(customer_id) if customer_id else None
        if rec is None and identifier:
            rec = self.repo.customer_by_identifier(identifier)
        values = list(rec.values) if rec else ([identifier] if identifier else [])
        surveys = self.repo.surveys(customers=values, limit=100) if values else []
        return Profile(
            customer=rec,
            identifier=identifier,
            contacts=tuple(self.repo.contacts_of(values, limit=50)),
            orders=tuple(self.repo.orders_for_customer(values, rec.id if rec else None)),
            surveys=tuple(surveys),
            satisfaction=satisfaction(
                (Rating(s.rating) if s.rating else None, s.score) for s in surveys
            ),
        )

    def portrait(self: TicketService, contact: ContactSnapshot) -> Portrait:
        """Profile, predicted intent and repeat check of a contact (caller checks access)."""
        profile = self.profile(identifier=contact.customer)
        earlier = [
            PastContact(c.id, c.created_at, c.intent or c.queue)
            for c in profile.contacts
            if c.id != contact.id and c.created_at < contact.created_at and c.channel != "callback"
        ]
        topic = contact.intent
        repeat = check(
            earlier,
            [o for o in profile.orders if o.created_at < contact.created_at],
            contact.created_at,
            topic,
            self.config().repeat_window_s,
        )
        return Portrait(contact, profile, self.predict(contact, profile), repeat)

    # -- intent --------------------------------------------------------------------------

    def _tz(self: TicketService) -> ZoneInfo:
        latest = self.core.latest_config()
        name = (latest[1].get("center") or {}).get("timezone") if latest else None
        return ZoneInfo(name or "Asia/Shanghai")

    def _hcontact(
        self: TicketService, c: ContactSnapshot, key: str | None, label: str | None, tz: ZoneInfo
    ) -> it.HContact:
        local = datetime.fromtimestamp(c.created_at, tz)
        return it.HContact(
            c.id,
            c.created_at,
            key,
            c.channel.value,
            c.queue,
            c.language,
            local.hour,
            local.weekday(),
            label,
        )

    def history(self: TicketService, start: float, end: float) -> it.History:
        """The stored history as intent-training data; labels come from the order a contact
        opened (its category), a follow-up link ("follow_up"), or the agent's disposition."""
        tz = self._tz()
        rows = self.repo.labelled_contacts(start, end)
        contacts = []
        for snap, linked, disposition in rows:
            label = linked or (disposition if disposition in it.INTENTS else None)
            contacts.append(self._hcontact(snap, snap.customer, label, tz))
        from hotline.store.tickets import OrderFilter

        orders = self.repo.orders(
            OrderFilter(created_from=start - it.RECENT_S, created_to=end, limit=None)
        )
        ratings = [
            it.HRating(s.customer, s.answered_at, s.rating)
            for s in self.repo.surveys(start - it.RECENT_S, end)
            if s.customer and s.rating and s.answered_at is not None
        ]
        facts = self.repo.customer_facts({c.customer for c in contacts if c.customer})
        return it.History(
            contacts=tuple(contacts),
            orders=tuple(_horder(o) for o in orders),
            ratings=tuple(ratings),
            tags={k: t for k, (t, _a) in facts.items() if t},
            areas={k: a for k, (_t, a) in facts.items() if a},
        )

    def train(self: TicketService, now: float | None = None) -> it.Evaluation | None:
        """Train on the last 180 days; None when there are too few labelled contacts."""
        now = self.clock() if now is None else now
        self._trained_at = now
        history = self.history(now - TRAIN_HISTORY_S, now)
        if sum(c.label is not None for c in history.contacts) < MIN_TRAINING:
            return None
        try:
            self._predictor, self._evaluation = it.build_predictor(history)
        except ValueError:
            log.info("intent model not trained: history too uniform")
            return None
        return self._evaluation

    def retrain_if_stale(self: TicketService, now: float) -> bool:
        if self._trained_at is not None and now - self._trained_at < TRAIN_EVERY_S:
            return False
        return self.train(now) is not None

    @property
    def evaluation(self: TicketService) -> it.Evaluation | None:
        return self._evaluation

    def predict(
        self: TicketService, contact: ContactSnapshot, profile: Profile | None = None
    ) -> it.Prediction:
        profile = profile or self.profile(identifier=contact.customer)
        key = contact.customer
        tz = self._tz()
        origin: dict[str, str] = {}
        for o in profile.orders:
            for i, cid in enumerate(o.contact_ids):
                origin.setdefault(cid, o.category if i == 0 else "follow_up")
        prior = [c for c in profile.contacts if c.created_at < contact.created_at]
        contacts = [self._hcontact(c, key, origin.get(c.id), tz) for c in prior]
        if prior and prior[0].id not in origin:  # newest first: the last contact's disposition
            notes = [
                e.data.get("disposition")
                for e in self.core.events_for_contact(prior[0].id)
                if e.kind == "contact.note"
            ]
            label = next((n for n in reversed(notes) if n in it.INTENTS), None)
            contacts[0] = self._hcontact(prior[0], key, label, tz)
        rec = profile.customer
        area = rec.area if rec else None
        faults = self.repo.fault_orders_since(contact.created_at - it.OUTAGE_WINDOW_S)
        orders = {o.id: _horder(o, key) for o in profile.orders}
        orders.update({o.id: _horder(o) for o in faults if o.id not in orders})
        history = it.History(
            contacts=tuple(contacts),
            orders=tuple(orders.values()),
            ratings=tuple(
                it.HRating(key or "", s.answered_at, s.rating)
                for s in profile.surveys
                if s.rating and s.answered_at is not None
            ),
            tags={key: frozenset(rec.tags)} if rec and key else {},
            areas={key: area} if area and key else {},
        )
        ctx = it.HistoryIndex(history).context(self._hcontact(contact, key, None, tz))
        return it.predict(ctx, self._predictor)

    # -- surveys -------------------------------------------------------------------------

    def offer_survey(self: TicketService, contact_id: str) -> SurveyRecord:

        c = self.repo.contact(contact_id)
        if c is None:
            raise NotFound(f"no contact {contact_id!r}")
        return self.repo.request_survey(
            SurveyRecord(
                id=0,
                contact_id=c.id,
                requested_at=self.clock(),
                customer=c.customer,
                agent_id=c.agent_id,
                queue=c.queue,
                channel=c.channel.value,
            )
        )

    def answer_survey(
        self: TicketService,
        contact_id: str,
        score: int | None = None,
        rating: str | None = None,
        comment: str | None = None,
    ) -> tuple[SurveyRecord, list[str]]:
        """Store an answer (offering the survey first if the channel did not say so); an
        unsatisfied answer fires the `unhappy_rating` rules. Returns (survey, orders escalated)."""
        try:
            label = rate(score, rating, self.config().survey)
        except ValueError as exc:
            raise InvalidOrder(str(exc)) from None
        self.offer_survey(contact_id)
        try:
            survey = self.repo.answer_survey(contact_id, self.clock(), score, label.value, comment)
        except DuplicateError as exc:
            raise TicketError(str(exc)) from exc
        escalated: list[str] = []
        if label is Rating.UNSATISFIED:
            escalated = self._unhappy(survey)
        return survey, escalated

    def _unhappy(self: TicketService, survey: SurveyRecord) -> list[str]:

        cfg = self.config()
        trigger = Trigger("unhappy_rating", f"survey:{survey.contact_id}")
        orders = [o for o in self.repo.orders_for_contact(survey.contact_id) if o.state.open]
        if not orders and survey.customer:  # an unhappy customer with a live order elsewhere
            orders = orders_about(self.repo.orders_for_customer([survey.customer], None), None)
        done = []
        for order in orders:
            tags = self._tags(order.customer_id, {})

            def decide(o, at, out, tags=tags):
                fresh = firings_for(cfg, [trigger], Subject(o.category, o.priority, tags, o.fired))
                return self._escalate(o, fresh, at, out)

            self._change(order.id, decide)
            done.append(order.id)
        if not orders:
            profile = self.repo.customer_by_identifier(survey.customer) if survey.customer else None
            tags = frozenset(profile.tags) if profile else frozenset()
            for f in evaluate(cfg.rules, trigger, Subject(None, 0, tags)):
                for e in f.effects:
                    if e.kind == "notify" and e.value == "supervisor":
                        self.notifier.send(
                            Notification(
                                "role:supervisor",
                                "unhappy_rating",
                                f"[{f.rule}] contact {survey.contact_id} (agent "
                                f"{survey.agent_id}, queue {survey.queue}) rated unsatisfied",
                            )
                        )
        if self.publish is not None:
            self.publish(
                EventRecord(
                    at=survey.answered_at or self.clock(),
                    kind="survey.unhappy",
                    agent_id=survey.agent_id,
                    queue=survey.queue,
                    data={"contact_id": survey.contact_id, "orders": done},
                )
            )
        return done

    # -- teams ---------------------------------------------------------------------------

    def create_team(self: TicketService, team_id: str, name: str, kind: str) -> TeamRecord:
        try:
            return self.repo.create_team(TeamRecord(team_id, name, kind, True, self.clock()))
        except DuplicateError as exc:
            raise TicketError(str(exc)) from exc

    def add_member(self: TicketService, team_id: str, username: str) -> None:

        if self.core.user_by_name(username) is None:
            raise NotFound(f"no login {username!r}")
        try:
            self.repo.add_member(team_id, username)
        except DuplicateError as exc:
            raise TicketError(str(exc)) from exc
        except LookupError as exc:
            raise NotFound(str(exc)) from exc

    def actor_for(self: TicketService, username: str, role: str, agent_id: str | None) -> Actor:

        teams = tuple(self.repo.teams_of(username)) if role in ("team", "agent") else ()
        return Actor(username, role, agent_id, teams)

    # -- the timeline scan ---------------------------------------------------------------

    def scan_timeline(self: TicketService, now: float) -> tuple[int, int]:
        """New contacts from customers with a live order → linked as repeats (催办); contacts
        that ended as configured (a callback that failed every attempt) → automatic orders."""
        cursor = self.repo.meta(CURSOR)
        if cursor is None:  # first start: begin at the present, do not rescan the past
            self.repo.set_meta(CURSOR, {"seq": self.core.last_event_seq()})
            return 0, 0
        seq, linked, created = int(cursor["seq"]), 0, 0
        autos = {a.on: a for a in self.config().auto_orders}
        for _ in range(SCAN_PAGES):
            batch = self.core.events(seq, SCAN_PAGE)
            if not batch:
                break
            for r in batch:
                try:
                    if r.kind == "contact.created" and r.data.get("customer"):
                        linked += self._auto_link(r)
                    elif r.kind == "contact.ended" and r.data.get("outcome") in autos:
                        created += self._auto_order(r, autos[r.data["outcome"]])
                except TicketError:
                    log.exception("timeline scan: %s of %s", r.kind, r.contact_id)
            seq = batch[-1].seq
            self.repo.set_meta(CURSOR, {"seq": seq})
        return linked, created

    def _auto_link(self: TicketService, r: EventRecord) -> int:

        cfg = self.config()
        if not cfg.auto_link_repeats or r.channel == "callback" or r.contact_id is None:
            return 0
        orders = [
            o
            for o in self.repo.orders_for_customer([r.data["customer"]], None)
            if o.created_at < r.at
            and r.at - o.updated_at <= cfg.repeat_window_s
            and r.contact_id not in o.contact_ids
        ]
        about = orders_about(orders, r.data.get("intent"))
        if not about:
            return 0

        def decide(o, now, out):
            if r.contact_id in o.contact_ids:
                return o, []
            return self._link(SYSTEM, o, r.contact_id, now, out)

        self._change(about[0].id, decide, links=[(r.contact_id, "follow_up")])
        return 1

    def _auto_order(self: TicketService, r: EventRecord, auto) -> int:

        if r.contact_id is None or self.repo.orders_for_contact(r.contact_id):
            return 0
        contact = self.repo.contact(r.contact_id)
        if contact is None or not contact.customer:
            return 0
        self.create(
            SYSTEM,
            NewOrder(
                category=auto.category,
                title=f"自动工单 automatic: contact ended with {r.data['outcome']}",
                description=f"contact {r.contact_id} in queue {contact.queue}",
                contact_id=r.contact_id,
                priority=auto.priority,
                origin="auto",
            ),
        )
        return 1


def _horder(o: Order, key: str | None = None) -> it.HOrder:
    return it.HOrder(
        o.id, key or o.customer, o.category, o.created_at, o.resolved_at, o.closed_at, o.area
    )
