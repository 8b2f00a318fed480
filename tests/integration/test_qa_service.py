"""The QA queue and service on SQLite and PostgreSQL: chats go through the same text rules,
jobs survive a dead worker (its lease runs out and another worker resumes), and the
`hotline qa run|status` commands drain and show the queue."""

from __future__ import annotations

from typer.testing import CliRunner

from hotline.cli import app
from hotline.services.qa import QaService, max_workers
from hotline.store import open_store
from hotline.store.kb import ChatMessageRec, ChatSessionRec, ChatStore
from hotline.store.qa import QaStore

T0 = 1_790_000_000.0


def _chat(store, sid: str, cid: str, lines: list[tuple[float, str, str]]) -> None:
    chats = ChatStore(store.engine)
    chats.create_session(
        ChatSessionRec(
            id=sid,
            token_hash="0" * 64,
            channel="web",
            customer="c1",
            language="zh",
            queue="general",
            status="ended",
            contact_id=cid,
            agent_id="a01",
            bot_outcome=None,
            created_at=T0,
            updated_at=T0,
            ended_at=T0 + 60,
        )
    )
    for at, sender, body in lines:
        agent = "a01" if sender == "agent" else None
        chats.add_message(ChatMessageRec(0, sid, T0 + at, sender, "text", body, agent))


def test_a_chinese_chat_with_a_homophone_is_flagged_through_the_queue(db_url):
    store = open_store(db_url)
    try:
        _chat(
            store,
            "s1",
            "chat1",
            [
                (0, "customer", "我家停电了，什么时候来电？"),
                (8, "agent", "您好，这个我也不知到。"),
                (20, "agent", "感谢您的来电，再见。"),
            ],
        )
        _chat(
            store,
            "s2",
            "chat2",
            [
                (0, "customer", "我要交电费"),
                (5, "agent", "您好，请提供户号，我核实一下。"),
                (30, "agent", "还有什么可以帮您？再见。"),
            ],
        )
        qa = QaService(store, asr=False, clock=lambda: T0 + 100)
        assert qa.drain(workers=1) == 2
        bad, good = qa.qa.result("chat1"), qa.qa.result("chat2")
        assert bad["flagged"] and not good["flagged"]
        assert good["score"] == 100.0 and bad["score"] < good["score"]
        (hit,) = [f for f in qa.qa.findings("chat1") if f["kind"] == "forbidden"]
        assert (hit["text"], hit["method"], hit["at_s"], hit["agent_id"]) == (
            "不知到",
            "pinyin",
            8.0,
            "a01",
        )
        assert qa.qa.results()[0]["contact_id"] == "chat1"  # flagged first
        assert [e.kind for e in store.events_for_contact("chat1")] == ["qa.analysed"]
        assert qa.scan() == 0 and qa.drain() == 0  # nothing is analysed twice
    finally:
        store.close()


def test_a_job_whose_worker_died_is_resumed_after_its_lease(db_url):
    store = open_store(db_url)
    try:
        _chat(store, "s1", "chat1", [(0, "agent", "您好，没办法。")])
        now = [T0]
        qa = QaService(store, asr=False, clock=lambda: now[0], lease_s=60)
        assert qa.scan() == 1
        q = QaStore(store.engine)
        assert q.claim("dead-worker", T0, 60)["contact_id"] == "chat1"  # ...and it dies
        assert qa.work("w2") is None  # the lease still runs
        assert q.queue_status()["running"][0]["worker"] == "dead-worker"
        now[0] = T0 + 61
        assert qa.work("w2") == "chat1"
        job = q.job("chat1")
        assert (job["status"], job["attempts"], job["worker"]) == ("done", 2, "w2")
    finally:
        store.close()


def test_cli_runs_and_shows_the_queue(db_url, monkeypatch):
    store = open_store(db_url)
    _chat(store, "s1", "chat1", [(0, "agent", "您好，不归我们管。")])
    store.close()
    monkeypatch.setenv("HOTLINE_DATABASE_URL", db_url)
    runner = CliRunner()
    r = runner.invoke(app, ["qa", "run", "--no-asr", "--workers", "64"])
    assert r.exit_code == 0, r.output
    assert f"analysed 1 contacts with {max_workers(64)} worker(s)" in r.output
    assert "done 1" in r.output
    r = runner.invoke(app, ["qa", "status"])
    assert r.exit_code == 0 and "queued 0, running 0, done 1, failed 0" in r.output
