"""The work-order store on SQLite and PostgreSQL: schema, append-only audit trail, optimistic
versions, customers, surveys, teams; and the `team` login role the migration allows."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text

from hotline.store import DuplicateError, Store, models_tickets
from hotline.store.models import Base
from hotline.store.tickets import ConcurrentChange, OrderFilter, TicketStore
from hotline.tickets import Action, created, decide
from hotline.tickets.order import apply
from hotline.tickets.records import CustomerRecord, SurveyRecord, TeamRecord


@pytest.fixture
def repo(store: Store) -> TicketStore:
    return TicketStore(store.engine)


def new(oid="o1", at=100.0, **kw):
    e = created(oid, at, "a01", category="lost_item", title="bag", customer="13800001111", **kw)
    return apply(None, e), [e]


MINE = {t.__tablename__ for t in vars(models_tickets).values() if hasattr(t, "__tablename__")}


def _tables(diff) -> set[str]:
    """Names of the tables a diff entry touches (entries are tuples or lists of tuples)."""
    from sqlalchemy import Table

    names = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item:
            if isinstance(part, Table):
                names.add(part.name)
            elif isinstance(getattr(part, "table", None), Table):
                names.add(part.table.name)
            elif isinstance(part, str):
                names.add(part)
    return names


def test_the_migrated_schema_matches_the_ticket_tables(store: Store):
    assert {"ticket_orders", "ticket_events", "customers", "surveys", "teams"} <= MINE
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    assert [d for d in diffs if _tables(d) & (MINE | {"users"})] == []


def test_the_users_table_accepts_team_logins_and_still_refuses_unknown_roles(store: Store):
    users = Base.metadata.tables["users"]
    row = dict(password_hash="h", active=True, created_at=0.0)
    with store.engine.begin() as conn:
        conn.execute(insert(users).values(username="desk1", role="team", **row))
    with pytest.raises(Exception, match=r"(?i)check"), store.engine.begin() as conn:
        conn.execute(insert(users).values(username="x", role="wizard", **row))


def test_order_events_are_appended_and_the_projection_follows(repo: TicketStore):
    order, events = new()
    repo.save(order, events, [("c1", "origin")])
    for action, data in ((Action.ACCEPT, {}), (Action.WAIT, {"on": "customer"})):
        more = decide(order, action, 200.0, "a01", **data)
        for e in more:
            order = apply(order, e)
        stored = repo.save(order, more)
        assert all(e.seq > 0 for e in stored)
    assert repo.order("o1") == order
    trail = repo.order_events("o1")
    assert [(e.version, e.kind, e.actor) for e in trail] == [
        (1, "order.created", "a01"),
        (2, "order.accepted", "a01"),
        (3, "order.waiting", "a01"),
    ]
    assert [o.id for o in repo.orders_for_contact("c1")] == ["o1"]
    assert [o.id for o in repo.orders(OrderFilter(states=("waiting",)))] == ["o1"]


def test_two_changes_decided_on_the_same_version_cannot_both_win(repo: TicketStore):
    order, events = new()
    repo.save(order, events)
    first = decide(order, Action.ACCEPT, 200.0, "a01")
    second = decide(order, Action.CANCEL, 201.0, "sup", reason="duplicate")
    repo.save(apply(order, first[0]), first)
    with pytest.raises(ConcurrentChange):
        repo.save(apply(order, second[0]), second)
    assert repo.order("o1").state.value == "in_progress"
    assert len(repo.order_events("o1")) == 2
    with pytest.raises(DuplicateError):
        repo.save(*new())


def test_agents_see_orders_they_own_work_or_whose_contacts_they_handled(
    store: Store, repo: TicketStore
):
    from hotline.domain.records import EventRecord
    from hotline.routing.snapshot import ContactSnapshot

    snap = ContactSnapshot("c7", "voice", "general", "ended", 1.0, 1.0, 1, agent_id="a05")
    store.append([EventRecord(1.0, "contact.created", contact_id="c7")], [snap])
    mine, e1 = new("mine", owner="a02")
    theirs, e2 = new("theirs", owner="a03", contact_ids=["c7"])
    repo.save(mine, e1)
    repo.save(theirs, e2, [("c7", "origin")])
    assert [o.id for o in repo.orders(OrderFilter(visible_to_agent="a02"))] == ["mine"]
    assert [o.id for o in repo.orders(OrderFilter(visible_to_agent="a05"))] == ["theirs"]


def test_customers_surveys_and_teams(repo: TicketStore):
    c = CustomerRecord(
        "cu1", 1.0, 1.0, name="王女士", tags=("elderly",), identifiers=(("phone", "13800001111"),)
    )
    repo.create_customer(c)
    repo.add_identifier("cu1", "wechat", "wx-abc", 2.0)
    assert repo.customer_by_identifier("wx-abc").values == ("13800001111", "wx-abc")
    with pytest.raises(DuplicateError):
        repo.create_customer(
            CustomerRecord("cu2", 1.0, 1.0, identifiers=(("phone", "13800001111"),))
        )
    assert repo.customer_facts(["wx-abc", "nobody"]) == {"wx-abc": (frozenset({"elderly"}), None)}

    offered = repo.request_survey(SurveyRecord(0, "c1", 10.0, customer="13800001111"))
    assert repo.request_survey(SurveyRecord(0, "c1", 11.0)) == offered  # idempotent
    answered = repo.answer_survey("c1", 12.0, 3, "unsatisfied", "too slow")
    assert (answered.rating, answered.score, answered.answered_at) == ("unsatisfied", 3, 12.0)
    with pytest.raises(DuplicateError):
        repo.answer_survey("c1", 13.0, 9, "satisfied", None)

    repo.create_team(TeamRecord("onsite", "现场问询 on-site desk", "on_site", True, 1.0))
    repo.add_member("onsite", "desk1")
    assert repo.teams_of("desk1") == ["onsite"]
    assert repo.team("onsite").members == ("desk1",)
    with repo.engine.connect() as conn:
        assert conn.execute(select(text("count(*)")).select_from(text("team_members"))).scalar()
