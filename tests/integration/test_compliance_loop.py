"""The server purges on its own every HOTLINE_PURGE_EVERY_S, audited as the system."""

from __future__ import annotations

import time

from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing.snapshot import ContactSnapshot
from hotline.store import open_store

from .api_client import login, running_app

OLD = 1_000_000_000.0


def test_the_server_runs_the_retention_purge_periodically(db_url, monkeypatch):
    monkeypatch.setenv("HOTLINE_PURGE_EVERY_S", "0.2")
    with running_app(db_url) as client:
        store = open_store(db_url)
        snap = ContactSnapshot(
            id="c-old", channel=Channel.VOICE, queue="general", status=ContactStatus.ENDED,
            created_at=OLD, enqueued_at=OLD, seq=1, customer="13600000001", ended_at=OLD + 9,
        )  # fmt: skip
        store.append([EventRecord(at=OLD, kind="contact.created", contact_id="c-old")], [snap])
        deadline = time.monotonic() + 10
        while store.contact("c-old") is not None:
            assert time.monotonic() < deadline, "the periodic purge never ran"
            time.sleep(0.1)
        purges = store.audit_entries(action="compliance.purge")
        assert purges and purges[-1].user == "system"
        runs = client.get("/api/compliance/purges", headers=login(client, "admin")).json()
        assert runs and runs[0]["actor"] == "system"
        store.close()


def test_a_zero_period_switches_the_loop_off(db_url, monkeypatch):
    monkeypatch.setenv("HOTLINE_PURGE_EVERY_S", "0")
    with running_app(db_url):
        time.sleep(0.5)
        store = open_store(db_url)
        assert store.audit_entries(action="compliance.purge") == []
        store.close()
