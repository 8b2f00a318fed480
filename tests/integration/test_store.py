"""`hotline.store` against both SQLite and PostgreSQL (see `db_url` / `store` in conftest)."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome
from hotline.domain.records import EventRecord
from hotline.routing.snapshot import AgentSnapshot, ContactSnapshot
from hotline.store import (
    DuplicateError,
    NotFoundError,
    Store,
    make_engine,
    migrate,
)
from hotline.store.models import Base


def ev(at: float, kind: str, contact: str | None = None, agent: str | None = None, **data):
    return EventRecord(at=at, kind=kind, contact_id=contact, agent_id=agent, data=data)


def contact(cid: str, seq: int, status: ContactStatus = ContactStatus.QUEUED, **kw):
    base = {"channel": Channel.VOICE, "queue": "sales", "created_at": 100.0 + seq}
    base.update(kw)
    base.setdefault("enqueued_at", base["created_at"])
    return ContactSnapshot(id=cid, status=status, seq=seq, **base)


def agent(aid: str, state: AgentState = AgentState.AVAILABLE, **kw) -> AgentSnapshot:
    return AgentSnapshot(id=aid, state=state, state_since=1.0, idle_since=1.0, **kw)


# -- timeline ------------------------------------------------------------------------------


def test_append_assigns_increasing_seq_in_order(store: Store) -> None:
    first = store.append([ev(1.0, "contact.created", "c1"), ev(2.0, "contact.queued", "c1")])
    second = store.append([ev(3.0, "contact.created", "c2", channel="chat")])
    seqs = [r.seq for r in first + second]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3 and seqs[0] > 0
    assert [replace(r, seq=0) for r in first] == [
        ev(1.0, "contact.created", "c1"),
        ev(2.0, "contact.queued", "c1"),
    ]
    assert store.events() == first + second
    assert store.events(since_seq=first[0].seq) == first[1:] + second
    assert store.events(limit=1) == first[:1]
    assert store.last_event_seq() == second[0].seq
    assert store.append([]) == []


def test_append_ignores_incoming_seq_and_keeps_big_batches_ordered(store: Store) -> None:
    batch = [
        replace(ev(float(i), "agent.state", agent="a1", to=str(i)), seq=999) for i in range(500)
    ]
    stored = store.append(batch)
    assert [r.data["to"] for r in stored] == [str(i) for i in range(500)]
    seqs = [r.seq for r in stored]
    assert seqs == sorted(seqs) and len(set(seqs)) == 500
    assert store.events(limit=1000) == stored


def test_concurrent_appends_get_unique_increasing_seqs(store: Store) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                store.append([ev(float(i), "contact.created", f"c{n}-{i}")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = [r.seq for r in store.events(limit=1000)]
    assert len(seqs) == 80 and seqs == sorted(set(seqs))


def test_events_for_contact(store: Store) -> None:
    store.append([ev(1.0, "contact.created", "c1"), ev(1.5, "contact.created", "c2")])
    store.append([ev(2.0, "contact.ended", "c1", outcome="completed")])
    kinds = [e.kind for e in store.events_for_contact("c1")]
    assert kinds == ["contact.created", "contact.ended"]
    assert store.events_for_contact("nope") == []


def test_events_for_range(store: Store) -> None:
    start, end = 100.0, 200.0
    store.append(
        [
            ev(10.0, "agent.state", agent="a1", to="available"),
            ev(20.0, "agent.state", agent="a1", to="not_ready"),  # a1's state at start
            ev(30.0, "agent.state", agent="a3", to="available"),  # a3: nothing later
            ev(90.0, "contact.created", "early"),
            ev(100.0, "contact.created", "at_start"),
            ev(110.0, "contact.queued", "early"),  # belongs to a contact created before
            ev(150.0, "agent.state", agent="a1", to="available"),
            ev(160.0, "contact.created", "inside"),
            ev(170.0, "agent.state", agent="a2", to="available"),
            ev(200.0, "contact.created", "at_end"),
            ev(200.0, "agent.state", agent="a2", to="offline"),  # starts at end: no overlap
            ev(230.0, "contact.ended", "inside", outcome="completed"),  # after end: kept
        ]
    )
    got = store.events_for_range(start, end)
    assert [(e.at, e.kind, e.contact_id or e.agent_id) for e in got] == [
        (20.0, "agent.state", "a1"),
        (30.0, "agent.state", "a3"),
        (100.0, "contact.created", "at_start"),
        (150.0, "agent.state", "a1"),
        (160.0, "contact.created", "inside"),
        (170.0, "agent.state", "a2"),
        (230.0, "contact.ended", "inside"),
    ]
    assert [e.seq for e in got] == sorted(e.seq for e in got)
    later = store.events_for_range(1000.0, 2000.0)  # only each agent's state carried in
    assert [(e.agent_id, e.data["to"]) for e in later] == [
        ("a3", "available"),
        ("a1", "available"),
        ("a2", "offline"),
    ]


def test_events_for_range_picks_latest_prior_state_by_time(store: Store) -> None:
    # appended out of time order: the later-in-time event must win, not the later seq
    store.append([ev(50.0, "agent.state", agent="a1", to="busy")])
    store.append([ev(40.0, "agent.state", agent="a1", to="available")])
    got = store.events_for_range(100.0, 200.0)
    assert [e.data["to"] for e in got] == ["busy"]


# -- projections ---------------------------------------------------------------------------


def test_projections_upsert(store: Store) -> None:
    store.append([ev(1.0, "contact.created", "c1")], [contact("c1", 1)], [agent("a1")])
    store.append(
        [ev(2.0, "contact.answered", "c1", agent="a1")],
        [contact("c1", 1, ContactStatus.ACTIVE, agent_id="a1", answered_at=2.0)],
        [agent("a1", AgentState.BUSY, contacts=("c1",))],
    )
    got = store.contact("c1")
    assert got is not None and got.status is ContactStatus.ACTIVE and got.agent_id == "a1"
    assert store.agents() == [agent("a1", AgentState.BUSY, contacts=("c1",))]
    # projections alone, and repeated ids in one batch: the last snapshot wins
    assert store.append([], [contact("c2", 2), contact("c2", 2, priority=5)]) == []
    assert store.contact("c2") == contact("c2", 2, priority=5)
    assert store.contact("missing") is None


def test_live_contacts_excludes_ended(store: Store) -> None:
    store.append(
        [],
        [
            contact("c3", 3, ContactStatus.SCHEDULED, due_at=500.0),
            contact("c1", 1),
            contact("c2", 2, ContactStatus.ENDED, ended_at=9.0, outcome=Outcome.ABANDONED),
            contact("c4", 4, ContactStatus.HELD, agent_id="a1"),
        ],
    )
    assert [c.id for c in store.live_contacts()] == ["c1", "c3", "c4"]
    assert store.max_contact_seq() == 4


def test_max_contact_seq_empty(store: Store) -> None:
    assert store.max_contact_seq() == 0
    assert store.last_event_seq() == 0
    assert store.live_contacts() == [] and store.agents() == []


def test_contacts_filters_newest_first(store: Store) -> None:
    store.append(
        [],
        [
            contact("c1", 1),
            contact("c2", 2, queue="support"),
            contact("c3", 3, ContactStatus.ACTIVE, agent_id="a1"),
            contact("c4", 4, ContactStatus.ENDED, agent_id="a1", outcome=Outcome.COMPLETED),
        ],
    )
    assert [c.id for c in store.contacts()] == ["c4", "c3", "c2", "c1"]
    assert [c.id for c in store.contacts(limit=2)] == ["c4", "c3"]
    assert [c.id for c in store.contacts(status=ContactStatus.QUEUED)] == ["c2", "c1"]
    assert [c.id for c in store.contacts(status="queued", queue="sales")] == ["c1"]
    assert [c.id for c in store.contacts(agent_id="a1")] == ["c4", "c3"]


def test_snapshots_round_trip_exactly(store: Store) -> None:
    full = ContactSnapshot(
        id="c-1",
        channel=Channel.CALLBACK,
        queue="vip",
        status=ContactStatus.ENDED,
        created_at=1_732_550_400.123456,
        enqueued_at=0.1 + 0.2,
        seq=2**40,
        customer="+8613800000000",
        priority=-3,
        green=True,
        language="zh",
        intent="refund",
        skills=(("mandarin", 7), ("billing", 3)),
        agent_id="a-9",
        queued_since=1 / 3,
        stage=2,
        due_at=1e20,
        origin_id="c-0",
        attempts=3,
        answered_at=5e-324,
        ended_at=1_732_550_999.999999,
        outcome=Outcome.CALLBACK_FAILED,
        data={"nested": {"x": [1, 2.5, None, True]}, "big": 1e20, "k": "中文"},
    )
    bare = contact("c-2", 7)
    ag = AgentSnapshot(
        id="a-9",
        state=AgentState.WRAP_UP,
        state_since=0.1 + 0.7,
        idle_since=1e-7,
        reason="lunch",
        pending_reason="training",
        contacts=("c-1", "c-3"),
        wrap_until=123.456789012345,
        handled=41,
        busy_s=2.0 / 3.0,
    )
    store.append([], [full, bare], [ag, agent("a-1")])
    assert store.contact("c-1") == full and store.contact("c-2") == bare
    assert store.agents() == [agent("a-1"), ag]
    back = store.contact("c-1")
    assert back is not None
    assert type(back.channel) is Channel and type(back.status) is ContactStatus
    assert type(back.outcome) is Outcome and isinstance(back.skills[0], tuple)
    assert isinstance(store.agents()[1].contacts, tuple)
    assert type(store.agents()[1].state) is AgentState


def test_event_round_trip(store: Store) -> None:
    rec = EventRecord(
        at=1_732_550_400.000001,
        kind="contact.queued",
        contact_id="c1",
        agent_id=None,
        queue="sales",
        channel="voice",
        data={"ewt_s": None, "position": 3, "f": 0.1 + 0.2, "l": [1, "x"]},
    )
    [stored] = store.append([rec])
    assert store.events() == [stored] and replace(stored, seq=0) == rec


# -- users, tokens, config, audit ----------------------------------------------------------


def test_users(store: Store) -> None:
    alice = store.create_user("alice", "h1", "agent", agent_id="a1", display_name="Alice")
    bob = store.create_user("bob", "h2", "admin", created_at=5.0)
    assert alice.id != bob.id and alice.active and bob.created_at == 5.0
    assert store.user_by_name("alice") == alice and store.user_by_id(bob.id) == bob
    assert store.user_by_name("nobody") is None and store.user_by_id(10_000) is None
    with pytest.raises(DuplicateError, match="alice"):
        store.create_user("alice", "h3", "supervisor")
    with pytest.raises(ValueError, match="role"):
        store.create_user("carol", "h", "root")
    store.set_password(alice.id, "h9")
    store.set_active(alice.id, False)
    assert store.user_by_id(alice.id) == replace(alice, password_hash="h9", active=False)
    assert [u.username for u in store.list_users()] == ["alice", "bob"]
    with pytest.raises(NotFoundError):
        store.set_active(10_000, True)
    with pytest.raises(NotFoundError):
        store.set_password(10_000, "x")


def test_tokens(store: Store) -> None:
    user = store.create_user("chan", "h", "channel")
    store.add_token("t" * 64, user.id, expires_at=1000.0)
    assert store.user_for_token("t" * 64, now=10.0) == user
    assert store.token_last_used("t" * 64) == 10.0
    store.user_for_token("t" * 64, now=20.0)  # within the touch interval: not rewritten
    assert store.token_last_used("t" * 64) == 10.0
    store.user_for_token("t" * 64, now=100.0)
    assert store.token_last_used("t" * 64) == 100.0
    assert store.user_for_token("t" * 64, now=1000.0) is None  # expired
    assert store.user_for_token("x" * 64, now=10.0) is None  # unknown
    store.set_active(user.id, False)
    assert store.user_for_token("t" * 64, now=10.0) is None  # inactive user
    store.set_active(user.id, True)
    with pytest.raises(DuplicateError):
        store.add_token("t" * 64, user.id, expires_at=5.0)
    with pytest.raises(NotFoundError):
        store.add_token("u" * 64, 10_000, expires_at=5.0)
    assert store.revoke_token("t" * 64) is True and store.revoke_token("t" * 64) is False
    assert store.user_for_token("t" * 64, now=10.0) is None
    store.add_token("a" * 64, user.id, expires_at=50.0)
    store.add_token("b" * 64, user.id, expires_at=500.0)
    assert store.purge_expired_tokens(now=50.0) == 1
    assert store.revoke_user_tokens(user.id) == 1


def test_config_versions(store: Store) -> None:
    assert store.latest_config() is None and store.config_history() == []
    body = {"queues": [{"id": "sales", "sl_target": 0.8}], "name": "总机"}
    v1 = store.save_config(body, "alice", at=1.0)
    v2 = store.save_config({"queues": []}, "bob", at=2.0)
    assert v2 > v1
    assert store.latest_config() == (v2, {"queues": []})
    history = store.config_history()
    assert [(c.version, c.author, c.created_at) for c in history] == [
        (v2, "bob", 2.0),
        (v1, "alice", 1.0),
    ]
    assert history[1].body == body and store.config_history(limit=1) == history[:1]
    version = store.config_version(v1)
    assert version is not None and version.body == body
    assert store.config_version(v2 + 100) is None


def test_audit(store: Store) -> None:
    first = store.audit("sup1", "reveal_phone", "contact:c1", {"field": "customer"}, at=5.0)
    store.audit("admin", "config_save", "config", at=6.0)
    entries = store.audit_entries()
    assert [e.action for e in entries] == ["config_save", "reveal_phone"]
    [reveal] = store.audit_entries(target="contact:c1")
    assert (reveal.id, reveal.user, reveal.at, reveal.data) == (
        first,
        "sup1",
        5.0,
        {"field": "customer"},
    )
    assert store.audit_entries(action="config_save")[0].data == {}


# -- schema and engine ---------------------------------------------------------------------


def test_migrations_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(db_url)
        migrate(engine)  # idempotent
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_engine_pragmas_and_parent_dir(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "hotline.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            pragma = conn.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() >= 1000
        assert db.parent.is_dir()
    finally:
        engine.dispose()


def test_sqlite_commit_survives_kill_9(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    script = f"""
import os, signal
from hotline.domain.records import EventRecord
from hotline.store import open_store
store = open_store({url!r})
store.append([EventRecord(at=1.0, kind="contact.created", contact_id="c1")])
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    engine = make_engine(url)
    try:
        assert [e.contact_id for e in Store(engine).events()] == ["c1"]
    finally:
        engine.dispose()
