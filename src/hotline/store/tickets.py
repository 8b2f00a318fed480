"""`TicketStore`: persistence of work orders, customers, surveys, teams and their settings.

Like `Store`, every public method is one transaction and returns plain values. An order change
appends its events to `ticket_events` (the audit trail, never updated) and rewrites the folded
`Order` in `ticket_orders` in the same transaction, guarded by the order's version: two
concurrent changes to one order cannot both win (`ConcurrentChange`, retried by the service).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.routing.snapshot import ContactSnapshot
from hotline.store import models
from hotline.store import models_tickets as m
from hotline.store.convert import to_contact
from hotline.store.entities import DuplicateError, NotFoundError, StoreError
from hotline.store.outbox import add as outbox_add
from hotline.tickets.order import Order, OrderEvent
from hotline.tickets.records import CustomerRecord, SurveyRecord, TeamRecord
from hotline.tickets.states import OrderState


def _t(model: Any) -> Table:
    return model.__table__


ORDERS, EVENTS, LINKS = _t(m.TicketOrder), _t(m.TicketEvent), _t(m.TicketContact)
CUSTOMERS, IDS, SURVEYS = _t(m.Customer), _t(m.CustomerIdentifier), _t(m.Survey)
TEAMS, MEMBERS = _t(m.Team), _t(m.TeamMember)
CONFIGS, META = _t(m.TicketConfig), _t(m.TicketMeta)
CONTACTS, CORE_EVENTS = _t(models.Contact), _t(models.Event)
DONE = (OrderState.CLOSED.value,)


class ConcurrentChange(StoreError):
    """The order changed since it was read; read it again and retry."""


# -- order <-> row -----------------------------------------------------------------------------


def order_body(o: Order) -> dict[str, Any]:
    body = dataclasses.asdict(o)
    body["state"] = o.state.value
    body["fields"] = dict(o.fields)
    body["contact_ids"] = list(o.contact_ids)
    body["pauses"] = [list(p) for p in o.pauses]
    body["fired"] = sorted(o.fired)
    return body


def order_from_body(body: Mapping[str, Any]) -> Order:
    b = dict(body)
    b["state"] = OrderState(b["state"])
    b["contact_ids"] = tuple(b.get("contact_ids") or ())
    b["pauses"] = tuple((p[0], p[1]) for p in b.get("pauses") or ())
    b["fired"] = frozenset(b.get("fired") or ())
    return Order(**b)


def _order_row(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "category": o.category,
        "state": o.state.value,
        "priority": o.priority,
        "customer": o.customer,
        "customer_id": o.customer_id,
        "team": o.team,
        "assignee": o.assignee,
        "owner": o.owner,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "version": o.version,
        "body": order_body(o),
    }


def _event(row: Any) -> OrderEvent:
    return OrderEvent(
        row["order_id"],
        row["version"],
        row["at"],
        row["kind"],
        row["actor"],
        row["data"] or {},
        row["seq"],
    )


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Every given field must match; `visible_to_agent` keeps orders the agent owns, works or
    whose linked contacts the agent handled."""

    states: tuple[str, ...] = ()
    category: str | None = None
    team: str | None = None
    customer: str | None = None
    customer_id: str | None = None
    visible_to_agent: str | None = None
    created_from: float | None = None
    created_to: float | None = None
    open_only: bool = False
    limit: int | None = 200


class TicketStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine

    # -- orders --------------------------------------------------------------------------

    def save(
        self,
        order: Order,
        events: Sequence[OrderEvent],
        links: Iterable[tuple[str, str]] = (),
        outbox: Sequence[Mapping[str, Any]] = (),
    ) -> list[OrderEvent]:
        """Append `events` (which produced `order`) and store `order`; one transaction.

        `links` are (contact_id, role) pairs to record; `outbox` the messages the change
        sends, stored in the same transaction (`hotline.store.outbox`). Raises
        `ConcurrentChange` when the stored version is not the one the events were decided on."""
        if not events:
            return []
        expected = events[0].version - 1
        row = _order_row(order)
        stored = []
        try:
            with self._engine.begin() as conn:
                if expected == 0:
                    conn.execute(insert(ORDERS).values(**row))
                else:
                    done = conn.execute(
                        update(ORDERS)
                        .where(ORDERS.c.id == order.id, ORDERS.c.version == expected)
                        .values(**{k: v for k, v in row.items() if k != "id"})
                    )
                    if done.rowcount != 1:
                        raise ConcurrentChange(f"order {order.id} changed meanwhile")
                for e in events:
                    seq = conn.execute(
                        insert(EVENTS)
                        .values(
                            order_id=e.order_id,
                            version=e.version,
                            at=e.at,
                            kind=e.kind,
                            actor=e.actor,
                            data=dict(e.data),
                        )
                        .returning(EVENTS.c.seq)
                    ).scalar_one()
                    stored.append(dataclasses.replace(e, seq=seq))
                for contact_id, role in links:
                    conn.execute(
                        insert(LINKS).values(
                            order_id=order.id,
                            contact_id=contact_id,
                            role=role,
                            linked_at=events[-1].at,
                        )
                    )
                outbox_add(conn, events[-1].at, outbox)
        except IntegrityError as exc:
            if expected == 0:
                raise DuplicateError(f"order {order.id} already exists") from exc
            raise ConcurrentChange(f"order {order.id} changed meanwhile") from exc
        return stored

    def order(self, order_id: str) -> Order | None:
        with self._engine.connect() as conn:
            body = conn.execute(select(ORDERS.c.body).where(ORDERS.c.id == order_id)).scalar()
        return order_from_body(body) if body is not None else None

    def orders(self, f: OrderFilter = OrderFilter()) -> list[Order]:
        """Orders matching `f`, most urgent first (priority, then oldest)."""
        c = ORDERS.c
        stmt = select(c.body)
        if f.states:
            stmt = stmt.where(c.state.in_(f.states))
        if f.open_only:
            stmt = stmt.where(c.state.not_in(DONE))
        for col, value in (
            (c.category, f.category),
            (c.team, f.team),
            (c.customer, f.customer),
            (c.customer_id, f.customer_id),
        ):
            if value is not None:
                stmt = stmt.where(col == value)
        if f.created_from is not None:
            stmt = stmt.where(c.created_at >= f.created_from)
        if f.created_to is not None:
            stmt = stmt.where(c.created_at < f.created_to)
        if f.visible_to_agent is not None:
            aid = f.visible_to_agent
            handled = (
                select(LINKS.c.order_id)
                .join(CONTACTS, CONTACTS.c.id == LINKS.c.contact_id)
                .where(CONTACTS.c.agent_id == aid)
            )
            stmt = stmt.where(or_(c.assignee == aid, c.owner == aid, c.id.in_(handled)))
        stmt = stmt.order_by(c.priority.desc(), c.created_at, c.id)
        if f.limit is not None:
            stmt = stmt.limit(f.limit)
        with self._engine.connect() as conn:
            return [order_from_body(b) for b in conn.execute(stmt).scalars()]

    def orders_for_contact(self, contact_id: str) -> list[Order]:
        stmt = (
            select(ORDERS.c.body)
            .join(LINKS, LINKS.c.order_id == ORDERS.c.id)
            .where(LINKS.c.contact_id == contact_id)
            .order_by(ORDERS.c.created_at)
        )
        with self._engine.connect() as conn:
            return [order_from_body(b) for b in conn.execute(stmt).scalars()]

    def orders_for_customer(self, values: Sequence[str], customer_id: str | None) -> list[Order]:
        """Orders of a customer known by any of `values` or by profile id, newest first."""
        conds = [ORDERS.c.customer.in_(list(values))] if values else []
        if customer_id:
            conds.append(ORDERS.c.customer_id == customer_id)
        if not conds:
            return []
        stmt = select(ORDERS.c.body).where(or_(*conds)).order_by(ORDERS.c.created_at.desc())
        with self._engine.connect() as conn:
            return [order_from_body(b) for b in conn.execute(stmt).scalars()]

    def order_events(self, order_id: str) -> list[OrderEvent]:
        stmt = select(EVENTS).where(EVENTS.c.order_id == order_id).order_by(EVENTS.c.version)
        with self._engine.connect() as conn:
            return [_event(r) for r in conn.execute(stmt).mappings()]

    def order_events_range(
        self, start: float, end: float, kinds: Sequence[str] = ()
    ) -> list[OrderEvent]:
        stmt = select(EVENTS).where(EVENTS.c.at >= start, EVENTS.c.at < end)
        if kinds:
            stmt = stmt.where(EVENTS.c.kind.in_(list(kinds)))
        with self._engine.connect() as conn:
            return [_event(r) for r in conn.execute(stmt.order_by(EVENTS.c.seq)).mappings()]

    # -- customers -----------------------------------------------------------------------

    def create_customer(self, c: CustomerRecord) -> CustomerRecord:
        """Store a profile with its identifiers; `DuplicateError` if an identifier is taken."""
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(CUSTOMERS).values(
                        id=c.id,
                        name=c.name,
                        language=c.language,
                        area=c.area,
                        tags=list(c.tags),
                        created_at=c.created_at,
                        updated_at=c.updated_at,
                        data=dict(c.data),
                    )
                )
                for kind, value in c.identifiers:
                    conn.execute(
                        insert(IDS).values(
                            value=value, kind=kind, customer_id=c.id, created_at=c.created_at
                        )
                    )
        except IntegrityError as exc:
            raise DuplicateError("a customer with one of these identifiers exists") from exc
        return c

    def add_identifier(self, customer_id: str, kind: str, value: str, at: float) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(IDS).values(
                        value=value, kind=kind, customer_id=customer_id, created_at=at
                    )
                )
        except IntegrityError as exc:
            if self.customer(customer_id) is None:
                raise NotFoundError(f"no customer {customer_id}") from exc
            raise DuplicateError("identifier already belongs to a customer") from exc

    def update_customer(self, customer_id: str, at: float, **values: Any) -> CustomerRecord:
        allowed = {"name", "language", "area", "tags", "data"}
        if set(values) - allowed:
            raise ValueError(f"cannot change {sorted(set(values) - allowed)}")
        if "tags" in values:
            values["tags"] = sorted(set(values["tags"]))
        with self._engine.begin() as conn:
            done = conn.execute(
                update(CUSTOMERS)
                .where(CUSTOMERS.c.id == customer_id)
                .values(updated_at=at, **values)
            )
        if done.rowcount != 1:
            raise NotFoundError(f"no customer {customer_id}")
        return self.customer(customer_id)  # type: ignore[return-value]

    def customer(self, customer_id: str) -> CustomerRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == customer_id)).mappings()
            row = row.first()
            if row is None:
                return None
            ids = conn.execute(
                select(IDS.c.kind, IDS.c.value)
                .where(IDS.c.customer_id == customer_id)
                .order_by(IDS.c.created_at, IDS.c.value)
            ).all()
        return CustomerRecord(
            id=row["id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            name=row["name"],
            language=row["language"],
            area=row["area"],
            tags=tuple(row["tags"] or ()),
            identifiers=tuple((k, v) for k, v in ids),
            data=row["data"] or {},
        )

    def customer_by_identifier(self, value: str) -> CustomerRecord | None:
        with self._engine.connect() as conn:
            cid = conn.execute(select(IDS.c.customer_id).where(IDS.c.value == value)).scalar()
        return self.customer(cid) if cid is not None else None

    def phones_in_area(self, area: str, limit: int = 100_000) -> list[str]:
        """The phone numbers of every customer profile in `area` (a planned outage's notice)."""
        stmt = (
            select(IDS.c.value)
            .join(CUSTOMERS, CUSTOMERS.c.id == IDS.c.customer_id)
            .where(CUSTOMERS.c.area == area, IDS.c.kind == "phone")
            .order_by(IDS.c.value)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def customer_facts(self, values: Iterable[str]) -> dict[str, tuple[frozenset[str], str | None]]:
        """identifier -> (tags, area) for every identifier that belongs to a profile."""
        values = list(set(values))
        out: dict[str, tuple[frozenset[str], str | None]] = {}
        with self._engine.connect() as conn:
            for i in range(0, len(values), 500):
                stmt = (
                    select(IDS.c.value, CUSTOMERS.c.tags, CUSTOMERS.c.area)
                    .join(CUSTOMERS, CUSTOMERS.c.id == IDS.c.customer_id)
                    .where(IDS.c.value.in_(values[i : i + 500]))
                )
                for value, tags, area in conn.execute(stmt):
                    out[value] = (frozenset(tags or ()), area)
        return out

    def contacts_of(self, values: Sequence[str], limit: int = 50) -> list[ContactSnapshot]:
        """Stored contacts whose customer is one of `values`, newest first."""
        if not values:
            return []
        stmt = (
            select(CONTACTS)
            .where(CONTACTS.c.customer.in_(list(values)))
            .order_by(CONTACTS.c.created_at.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [to_contact(r) for r in conn.execute(stmt).mappings()]

    def agent_served(self, values: Sequence[str], agent_id: str) -> bool:
        """True if a stored contact of one of these customer identifiers was routed to
        `agent_id` (its current or last agent): the agent's claim to see that customer."""
        if not values:
            return False
        stmt = (
            select(CONTACTS.c.id)
            .where(CONTACTS.c.agent_id == agent_id, CONTACTS.c.customer.in_(list(values)))
            .limit(1)
        )
        with self._engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def contact(self, contact_id: str) -> ContactSnapshot | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(CONTACTS).where(CONTACTS.c.id == contact_id)).mappings()
            row = row.first()
        return to_contact(row) if row is not None else None

    # -- surveys -------------------------------------------------------------------------

    def request_survey(self, s: SurveyRecord) -> SurveyRecord:
        """Record that a survey was offered for a contact; idempotent per contact."""
        existing = self.survey(s.contact_id)
        if existing is not None:
            return existing
        values = {k: v for k, v in dataclasses.asdict(s).items() if k != "id"}
        try:
            with self._engine.begin() as conn:
                sid = conn.execute(insert(SURVEYS).values(**values).returning(SURVEYS.c.id))
                sid = sid.scalar_one()
        except IntegrityError:  # offered concurrently
            return self.survey(s.contact_id)  # type: ignore[return-value]
        return dataclasses.replace(s, id=sid)

    def answer_survey(
        self, contact_id: str, at: float, score: int | None, rating: str, comment: str | None
    ) -> SurveyRecord:
        """Store the answer; `DuplicateError` if the contact's survey was already answered."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(SURVEYS)
                .where(SURVEYS.c.contact_id == contact_id, SURVEYS.c.answered_at.is_(None))
                .values(answered_at=at, score=score, rating=rating, comment=comment)
            )
        if done.rowcount != 1:
            if self.survey(contact_id) is None:
                raise NotFoundError(f"no survey offered for contact {contact_id}")
            raise DuplicateError(f"the survey of contact {contact_id} is already answered")
        return self.survey(contact_id)  # type: ignore[return-value]

    def survey(self, contact_id: str) -> SurveyRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(SURVEYS).where(SURVEYS.c.contact_id == contact_id))
            row = row.mappings().first()
        return SurveyRecord(**row) if row is not None else None

    def surveys(
        self,
        start: float | None = None,
        end: float | None = None,
        *,
        customers: Sequence[str] = (),
        agent_id: str | None = None,
        queue: str | None = None,
        limit: int | None = None,
    ) -> list[SurveyRecord]:
        c = SURVEYS.c
        stmt = select(SURVEYS)
        if start is not None:
            stmt = stmt.where(c.requested_at >= start)
        if end is not None:
            stmt = stmt.where(c.requested_at < end)
        if customers:
            stmt = stmt.where(c.customer.in_(list(customers)))
        if agent_id is not None:
            stmt = stmt.where(c.agent_id == agent_id)
        if queue is not None:
            stmt = stmt.where(c.queue == queue)
        stmt = stmt.order_by(c.requested_at.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._engine.connect() as conn:
            return [SurveyRecord(**r) for r in conn.execute(stmt).mappings()]

    # -- teams ---------------------------------------------------------------------------

    def create_team(self, t: TeamRecord) -> TeamRecord:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(TEAMS).values(
                        id=t.id, name=t.name, kind=t.kind, active=t.active, created_at=t.created_at
                    )
                )
        except IntegrityError as exc:
            raise DuplicateError(f"team {t.id} already exists") from exc
        return t

    def teams(self) -> list[TeamRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(TEAMS).order_by(TEAMS.c.id)).mappings().all()
            members: dict[str, list[str]] = {}
            for team_id, user in conn.execute(
                select(MEMBERS.c.team_id, MEMBERS.c.username).order_by(MEMBERS.c.username)
            ):
                members.setdefault(team_id, []).append(user)
        return [TeamRecord(**r, members=tuple(members.get(r["id"], ()))) for r in rows]

    def team(self, team_id: str) -> TeamRecord | None:
        return next((t for t in self.teams() if t.id == team_id), None)

    def add_member(self, team_id: str, username: str) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(MEMBERS).values(team_id=team_id, username=username))
        except IntegrityError as exc:
            if self.team(team_id) is None:
                raise NotFoundError(f"no team {team_id}") from exc
            raise DuplicateError(f"{username} is already in team {team_id}") from exc

    def remove_member(self, team_id: str, username: str) -> bool:
        with self._engine.begin() as conn:
            done = conn.execute(
                delete(MEMBERS).where(
                    and_(MEMBERS.c.team_id == team_id, MEMBERS.c.username == username)
                )
            )
        return done.rowcount > 0

    def teams_of(self, username: str) -> list[str]:
        stmt = select(MEMBERS.c.team_id).where(MEMBERS.c.username == username)
        with self._engine.connect() as conn:
            return sorted(conn.execute(stmt).scalars())

    # -- configuration and cursors -------------------------------------------------------

    def save_config(self, body: Mapping[str, Any], author: str, at: float) -> int:
        stmt = insert(CONFIGS).values(created_at=at, author=author, body=dict(body))
        with self._engine.begin() as conn:
            return int(conn.execute(stmt.returning(CONFIGS.c.version)).scalar_one())

    def latest_config(self) -> tuple[int, dict[str, Any]] | None:
        stmt = select(CONFIGS.c.version, CONFIGS.c.body).order_by(CONFIGS.c.version.desc())
        with self._engine.connect() as conn:
            row = conn.execute(stmt.limit(1)).first()
        return (int(row.version), row.body) if row is not None else None

    def meta(self, key: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            return conn.execute(select(META.c.value).where(META.c.key == key)).scalar()

    def set_meta(self, key: str, value: Mapping[str, Any]) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(update(META).where(META.c.key == key).values(value=dict(value)))
            if done.rowcount == 0:
                conn.execute(insert(META).values(key=key, value=dict(value)))

    # -- history for intent prediction ---------------------------------------------------

    def labelled_contacts(
        self, start: float, end: float, limit: int = 50_000
    ) -> list[tuple[ContactSnapshot, str | None, str | None]]:
        """(contact, order link role → category or "follow_up", last disposition) per contact
        created in [start, end), oldest first; callbacks excluded."""
        c = CONTACTS.c
        stmt = (
            select(CONTACTS)
            .where(c.created_at >= start, c.created_at < end, c.customer.is_not(None))
            .where(c.channel != "callback")
            .order_by(c.created_at.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            snaps = [to_contact(r) for r in conn.execute(stmt).mappings()][::-1]
            links: dict[str, str] = {}
            link_stmt = (
                select(LINKS.c.contact_id, LINKS.c.role, ORDERS.c.category)
                .join(ORDERS, ORDERS.c.id == LINKS.c.order_id)
                .join(CONTACTS, CONTACTS.c.id == LINKS.c.contact_id)
                .where(c.created_at >= start, c.created_at < end)
            )
            for cid, role, category in conn.execute(link_stmt):
                label = "follow_up" if role == "follow_up" else category
                if role == "follow_up" or cid not in links:
                    links[cid] = label
            notes: dict[str, str] = {}
            e = CORE_EVENTS.c
            note_stmt = (
                select(e.contact_id, e.data)
                .where(e.kind == "contact.note", e.at >= start)
                .order_by(e.seq)
            )
            for cid, data in conn.execute(note_stmt):
                if cid and isinstance(data, dict) and data.get("disposition"):
                    notes[cid] = str(data["disposition"])
        return [(s, links.get(s.id), notes.get(s.id)) for s in snaps]

    def fault_orders_since(self, since: float) -> list[Order]:
        stmt = select(ORDERS.c.body).where(
            ORDERS.c.category == "fault_report", ORDERS.c.created_at >= since
        )
        with self._engine.connect() as conn:
            return [order_from_body(b) for b in conn.execute(stmt).scalars()]

    def count_orders(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ORDERS)).scalar_one())
