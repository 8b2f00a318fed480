"""Specification of the router thread (`CenterService`) on a real SQLite and PostgreSQL.

Commands waiting while a commit runs share the next transaction (group commit) in arrival
order; a value the database would refuse is a refusal that changes nothing; a note refused at
commit fails alone; an outage rebuilds the router once, without recursing, and the center
recovers when the database accepts writes again; the API never commits on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import event

from hotline.bootstrap import init_center
from hotline.config import load_demo_config
from hotline.domain.records import EventRecord
from hotline.routing import events as ev
from hotline.routing.errors import InvalidEvent, RoutingError
from hotline.runtime import Arrive, CenterService, Unavailable
from hotline.store import Store

from .api_client import login, running_app


class GatedStore(Store):
    """The real store; counts appends and can hold the next one until released."""

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.appends = 0
        self.gate: threading.Event | None = None
        self.inside = threading.Event()

    def append(self, records, contacts=(), agents=()):
        self.appends += 1
        gate, self.gate = self.gate, None
        if gate is not None:
            self.inside.set()
            gate.wait(10)
        return super().append(records, contacts, agents)


@pytest.fixture
def gated(store: Store) -> GatedStore:
    init_center(store, load_demo_config(), demo_logins=False)
    return GatedStore(store.engine)


def hold_next_commit(
    store: GatedStore, service: CenterService
) -> tuple[threading.Event, threading.Thread]:
    """Start a command whose commit waits on the returned event (the router thread is busy)."""
    store.gate, store.inside = threading.Event(), threading.Event()
    gate = store.gate
    first = threading.Thread(target=service.apply, args=(ev.AgentLogin("a02"),))
    first.start()
    assert store.inside.wait(10)
    return gate, first


def queued(service: CenterService, n: int) -> None:
    deadline = time.time() + 10
    while service._queue.qsize() < n and time.time() < deadline:
        time.sleep(0.005)


def offered_to_a01(service: CenterService) -> None:
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c1", "general", customer="13800000000"))
    assert service.read(lambda r: r.offer_of("a01")) == "c1"


def test_commands_waiting_for_a_commit_share_one_transaction_in_arrival_order(gated):
    service = CenterService(gated)
    gate, first = hold_next_commit(gated, service)
    before = gated.appends

    async def ten() -> list:
        tasks = [
            asyncio.ensure_future(service.submit(ev.ContactArrived(f"c{i}", "general")))
            for i in range(10)
        ]
        await asyncio.sleep(0)  # every submit has queued its command
        queued(service, 10)
        gate.set()
        return await asyncio.gather(*tasks)

    answers = asyncio.run(ten())
    first.join(10)
    assert gated.appends == before + 1  # ten commands, one transaction
    assert service.stats.max_batch == 10
    created = [r for r in gated.events() if r.kind == "contact.created"]
    assert [r.contact_id for r in created] == [f"c{i}" for i in range(10)]
    seqs = [r.seq for r in created]
    assert seqs == sorted(seqs)
    for i, records in enumerate(answers):  # each caller gets its own stored facts back
        assert records and {r.contact_id for r in records} - {None} == {f"c{i}"}
        assert all(r.seq > 0 for r in records)
    service.close()


def test_two_racing_arrivals_of_one_contact_make_one_contact_and_answer_both(gated):
    """The gateway's retry can overtake its first try (both passed the route's store check
    before either committed): the router makes the contact once, the other is told it exists."""
    service = CenterService(gated)
    gate, first = hold_next_commit(gated, service)
    arrival = ev.ContactArrived("r1", "general", customer="13800000009")

    async def both() -> list:
        tasks = [asyncio.ensure_future(service.send(Arrive(event=arrival))) for _ in range(2)]
        await asyncio.sleep(0)
        queued(service, 2)
        gate.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(both()) == [True, False]
    first.join(10)
    created = [r for r in gated.events() if r.kind == "contact.created"]
    assert [r.contact_id for r in created] == ["r1"]
    service.close()


def test_a_value_the_database_would_refuse_is_refused_before_anything_changes(gated):
    service = CenterService(gated)
    offered_to_a01(service)
    rebuilds = service.stats.rebuilds
    with pytest.raises(InvalidEvent, match="customer"):
        service.apply(ev.ContactArrived("c2", "general", customer="139\x00"))
    with pytest.raises(InvalidEvent, match="customer: at most 255"):
        service.apply(ev.ContactArrived("c3", "general", customer="1" * 300))
    with pytest.raises(InvalidEvent, match="priority"):
        service.apply(ev.ContactArrived("c4", "general", priority=2**40))
    assert service.read(lambda r: r.contact("c2")) is None
    assert gated.contact("c2") is None
    assert service.read(lambda r: r.offer_of("a01")) == "c1"  # the pending offer stays
    assert service.stats.rebuilds == rebuilds
    service.close()


def test_a_note_refused_at_commit_fails_alone_and_never_resets_the_router(gated):
    service = CenterService(gated)
    offered_to_a01(service)
    rebuilds = service.stats.rebuilds
    bad = EventRecord(at=time.time(), kind="voice." + "x" * 80, contact_id="c1")  # String(64)
    gate, first = hold_next_commit(gated, service)

    async def batch() -> list:
        tasks = [
            asyncio.ensure_future(service.submit(ev.ContactArrived("c2", "general"))),
            asyncio.ensure_future(service.note(bad)),
            asyncio.ensure_future(service.submit(ev.ContactArrived("c3", "general"))),
        ]
        await asyncio.sleep(0)
        queued(service, 3)
        gate.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    got = asyncio.run(batch())
    first.join(10)
    assert gated.contact("c2") is not None and gated.contact("c3") is not None
    if gated.engine.dialect.name == "postgresql":  # jsonb has no \u0000; SQLite stores it
        assert isinstance(got[1], InvalidEvent)
    else:
        assert isinstance(got[1], EventRecord)
    assert service.read(lambda r: r.offer_of("a01")) == "c1"
    assert service.stats.rebuilds == rebuilds
    service.close()


def refuse_writes(engine, flag: list[bool]) -> None:
    """Make the real database refuse writes (reads still work) while `flag[0]` is set."""
    sqlite = engine.dialect.name == "sqlite"

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA query_only = {int(flag[0])}")
        elif flag[0]:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def test_an_outage_rebuilds_once_without_recursing_and_the_center_recovers(gated):
    service = CenterService(gated)
    offered_to_a01(service)  # a pending offer: rebuilding withdraws it, which is a write
    broken = [True]
    refuse_writes(gated.engine, broken)
    before = gated.appends
    with pytest.raises(Unavailable):
        service.apply(ev.ContactArrived("c2", "general"))
    assert gated.appends - before <= 2  # the batch, then one rebuild attempt; no recursion
    with pytest.raises(Unavailable):  # still down: the next command retries the rebuild once
        service.apply(ev.ContactArrived("c3", "general"))
    assert gated.appends - before <= 3
    broken[0] = False
    service.apply(ev.ContactArrived("c4", "general"))
    assert gated.contact("c4") is not None and gated.contact("c2") is None
    assert service.read(lambda r: r.contact("c2")) is None  # memory followed the database
    assert service.read(lambda r: r.contact("c1")) is not None  # and kept the caller
    service.close()


def test_the_api_never_commits_on_the_event_loop(db_url):
    with running_app(db_url) as client:
        service = client.app.state.service
        threads: list[str] = []
        real = service.store.append

        def recording(*args, **kwargs):
            threads.append(threading.current_thread().name)
            return real(*args, **kwargs)

        service.store.append = recording
        channel, agent = login(client, "channel"), login(client, "a01")
        for state in ("login", "available"):
            r = client.post("/api/agents/me/state", json={"state": state}, headers=agent)
            assert r.status_code == 200, r.text
        r = client.post("/api/contacts", json={"queue": "general"}, headers=channel)
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        for path, body in (("accept", None), ("note", {"note": "hi"}), ("complete", {})):
            r = client.post(f"/api/contacts/{cid}/{path}", json=body, headers=agent)
            assert r.status_code in (200, 201), r.text
        assert len(threads) >= 6
        assert set(threads) == {"hotline-router"}


def test_routing_decisions_are_timed_per_kind_refusals_too_and_notes_not(store: Store):
    """The `/metrics` decision histogram's source: one observation per router command, named
    by the event applied; a broken observer is logged and never fails the command."""
    init_center(store, load_demo_config(), demo_logins=False)
    service = CenterService(store)
    seen: list[tuple[str, float]] = []
    service.observe_decisions(lambda kind, s: seen.append((kind, s)))
    service.observe_decisions(lambda kind, s: 1 / 0)
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c1", "general"))
    with pytest.raises(RoutingError):
        service.apply(ev.AgentLogin("nobody"))  # refused: still a decision
    service.annotate(EventRecord(service.clock(), "note.added", "c1", data={"text": "hi"}))
    service.tick()
    assert [k for k, _ in seen] == ["AgentLogin", "ContactArrived", "AgentLogin", "Tick"]
    assert all(s >= 0 for _, s in seen)
    service.close()
