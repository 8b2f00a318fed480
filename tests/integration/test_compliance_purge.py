"""Retention purge with a legal hold, on SQLite and PostgreSQL: nothing held is deleted,
everything else past retention is, recording files included, and the purge is audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.compliance.retention import RetentionSpecError
from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing.snapshot import ContactSnapshot
from hotline.services.compliance import ComplianceService
from hotline.store import Store, make_engine, migrate
from hotline.store.kb import ChatMessageRec, ChatSessionRec, ChatStore
from hotline.store.tickets import TicketStore
from hotline.tickets.order import Order, OrderEvent
from hotline.tickets.states import OrderState

DAY = 86400.0
NOW = 1_800_000_000.0
OLD = NOW - 800 * DAY  # past every default retention but the audit log's
HELD_NUMBER, FREE_NUMBER = "13900000001", "13900000002"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    s = Store(engine)
    yield s
    s.close()


def seed_contact(store: Store, cid: str, customer: str, rec: Path, at: float = OLD) -> None:
    rec.parent.mkdir(parents=True, exist_ok=True)
    rec.write_bytes(b"RIFF....WAVEfmt ")
    snap = ContactSnapshot(
        id=cid,
        channel=Channel.VOICE,
        queue="general",
        status=ContactStatus.ENDED,
        created_at=at,
        enqueued_at=at,
        seq=1,
        customer=customer,
        ended_at=at + 60,
    )
    events = [
        EventRecord(
            at=at,
            kind="contact.arrived",
            contact_id=cid,
            channel="voice",
            data={"customer": customer},
        ),
        EventRecord(
            at=at + 60,
            kind="voice.recording",
            contact_id=cid,
            channel="voice",
            data={"files": [{"leg": "caller", "path": str(rec), "duration_s": 1.0}]},
        ),
        EventRecord(at=at + 61, kind="qa.transcript", contact_id=cid, data={"text": "你好"}),
    ]
    store.append(events, contacts=[snap])


def seed_chat(chats: ChatStore, sid: str, customer: str, contact_id: str) -> None:
    chats.create_session(
        ChatSessionRec(
            id=sid,
            token_hash="0" * 64,
            channel="web",
            customer=customer,
            language="zh",
            queue="chat",
            status="ended",
            contact_id=contact_id,
            agent_id=None,
            bot_outcome=None,
            created_at=OLD,
            updated_at=OLD,
            ended_at=OLD + 100,
        )
    )
    chats.add_message(ChatMessageRec(0, sid, OLD + 1, "customer", "text", f"我是{customer}"))
    media = chats.add_media(sid, "image/png", b"\x89PNG....", OLD + 2)
    chats.add_message(
        ChatMessageRec(0, sid, OLD + 2, "customer", "image", "[图片]", media_id=media)
    )


def seed_order(tickets: TicketStore, oid: str, customer: str, contact_id: str) -> None:
    order = Order(
        id=oid,
        category="complaint",
        state=OrderState.CLOSED,
        priority=0,
        title="t",
        created_at=OLD,
        created_by="a01",
        customer=customer,
        contact_ids=(contact_id,),
        closed_at=OLD + 10,
    )
    tickets.save(
        order, [OrderEvent(oid, 1, OLD, "created", "a01", {})], links=[(contact_id, "origin")]
    )


def test_purge_with_a_legal_hold(store: Store, tmp_path: Path):
    chats, tickets = ChatStore(store.engine), TicketStore(store.engine)
    held_wav, free_wav = tmp_path / "rec" / "c-held-caller.wav", tmp_path / "rec" / "c-free.wav"
    seed_contact(store, "c-held", HELD_NUMBER, held_wav)
    seed_contact(store, "c-free", FREE_NUMBER, free_wav)
    seed_chat(chats, "s-held", HELD_NUMBER, "c-held")
    seed_chat(chats, "s-free", FREE_NUMBER, "c-free")
    seed_order(tickets, "o-held", HELD_NUMBER, "c-held")
    seed_order(tickets, "o-free", FREE_NUMBER, "c-free")
    store.audit("a01", "reveal_customer", "c-held", at=NOW - 1200 * DAY)
    store.audit("a01", "reveal_customer", "c-free", at=NOW - 1200 * DAY)

    svc = ComplianceService(store, clock=Clock(NOW))
    hold = svc.add_hold("customer", "+86 139-0000-0001", "court case 2026-民-123", "admin")
    assert hold.target == HELD_NUMBER

    dry = svc.purge(dry_run=True, actor="admin")
    assert dry.deleted["contact_records"] == 1 and dry.held["contact_records"] == 1
    assert dry.files == [str(free_wav)]
    assert free_wav.exists() and store.contact("c-free") is not None  # dry run deleted nothing

    report = svc.purge(actor="admin")
    d = report.as_dict()
    assert d["deleted"] == {
        "recordings": 1,
        "transcripts": 1,
        "chat_images": 1,
        "chat_messages": 2,
        "contact_records": 1,
        "work_orders": 1,
        "audit_log": 1,
    }
    assert d["held"]["contact_records"] == 1 and d["held"]["work_orders"] == 1
    assert d["held"]["chat_messages"] == 2 and d["held"]["audit_log"] == 1

    # the held customer's records are all still there
    assert held_wav.exists() and not free_wav.exists()
    assert store.contact("c-held") is not None and store.contact("c-free") is None
    kinds = [e.kind for e in store.events_for_contact("c-held")]
    assert kinds == ["contact.arrived", "voice.recording", "qa.transcript"]
    assert store.events_for_contact("c-free") == []
    assert len(chats.messages("s-held")) == 2 and chats.session("s-free") is None
    assert tickets.order("o-held") is not None and tickets.order("o-free") is None
    assert [a.target for a in store.audit_entries(action="reveal_customer")] == ["c-held"]

    # the purges are audited, with their reports
    audits = store.audit_entries(action="compliance.purge")
    assert len(audits) == 1 and audits[0].data["deleted"]["contact_records"] == 1
    assert len(store.audit_entries(action="compliance.purge_dry_run")) == 1
    assert store.audit_entries(action="compliance.hold")[0].target == HELD_NUMBER

    # releasing the hold lets the next purge take the rest
    svc.release_hold(hold.id, "admin")
    again = svc.purge(actor="admin")
    assert again.deleted["contact_records"] == 1 and not held_wav.exists()
    assert store.contact("c-held") is None and tickets.order("o-held") is None
    runs = svc.repo.purges()
    assert [r["dry_run"] for r in runs] == [False, False, True]  # newest first
    assert runs[0]["report"]["files"] == [str(held_wav)] and runs[0]["actor"] == "admin"
    assert runs[1]["report"]["missing_files"] == 0


def test_a_contact_hold_covers_only_that_contact(store: Store, tmp_path: Path):
    seed_contact(store, "c-1", FREE_NUMBER, tmp_path / "1.wav")
    seed_contact(store, "c-2", FREE_NUMBER, tmp_path / "2.wav")
    svc = ComplianceService(store, clock=Clock(NOW))
    svc.add_hold("contact", "c-1", "complaint under review", "admin")
    svc.purge(actor="system")
    assert store.contact("c-1") is not None and (tmp_path / "1.wav").exists()
    assert store.contact("c-2") is None and not (tmp_path / "2.wav").exists()


def test_recent_records_stay_and_retention_is_per_type(store: Store, tmp_path: Path):
    seed_contact(store, "c-new", FREE_NUMBER, tmp_path / "new.wav", at=NOW - 10 * DAY)
    svc = ComplianceService(store, clock=Clock(NOW))
    svc.set_retention({"recordings": 7, "contact_records": None}, by="admin")
    report = svc.purge(actor="system")
    assert report.files == [str(tmp_path / "new.wav")]
    assert report.cutoffs["contact_records"] is None
    assert store.contact("c-new") is not None  # contact records kept (null = keep)
    assert store.audit_entries(action="compliance.settings")[0].data["new"]["recordings"] == 7


@pytest.mark.parametrize(
    ("spec", "part"),
    [
        ({"recordings": 0}, "retention.recordings"),
        ({"audit_log": 30}, "retention.audit_log"),
        ({"videos": 3}, "retention.videos"),
        ({"work_orders": "3y"}, "retention.work_orders"),
    ],
)
def test_bad_retention_names_the_field(store: Store, spec, part):
    with pytest.raises(RetentionSpecError) as err:
        ComplianceService(store).set_retention(spec, by="admin")
    assert err.value.part == part
