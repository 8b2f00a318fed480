"""QA reports through the API on SQLite and PostgreSQL: score per agent per day, keyword
search over transcripts and chats (folded like the KB), and hot topics with a spike alert."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient

from hotline.bootstrap import init_center
from hotline.config import load_demo_config
from hotline.services.qa import QaService
from hotline.store import open_store
from hotline.store.kb import ChatStore
from hotline.web import Settings, create_app
from tests.integration.test_qa_service import T0, _chat

from .api_client import login

DAY = 86400.0


def test_agent_days_search_and_a_topic_spike(db_url):
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    rng = random.Random(1)
    n = 0
    for day in range(16):
        for lines, rate in (
            (["我家停电了", "小区停电了什么时候来电"], 60 if day == 15 else 3),
            (["电费账单不对", "这个月电费太高"], 4),
        ):
            for _ in range(rate):
                n += 1
                at = T0 + day * DAY + n
                _chat(
                    store,
                    f"s{n}",
                    f"c{n}",
                    [
                        (0, "customer", rng.choice(lines)),
                        (
                            5,
                            "agent",
                            "您好，请提供户号核实一下。"
                            + ("没办法。" if n % 10 == 0 else "马上处理。")
                            + "再见。",
                        ),
                    ],
                )
                ChatStore(store.engine).update_session(f"s{n}", created_at=at, ended_at=at + 60)
    qa = QaService(store, asr=False, clock=lambda: T0 + 20 * DAY)
    assert qa.drain() == n
    store.close()

    with TestClient(create_app(Settings(database_url=db_url))) as c:
        sup, a01 = login(c, "supervisor"), login(c, "a01")
        c.cookies.clear()
        span = {"start": T0 - DAY, "end": T0 + 17 * DAY}
        days = c.get("/api/qa/agents", params=span, headers=a01).json()
        assert {d["agent_id"] for d in days} == {"a01"} and len(days) >= 16
        assert sum(d["contacts"] for d in days) == n
        assert sum(d["flagged"] for d in days) == n // 10

        found = c.get("/api/qa/search", params={"q": "電費賬單"}, headers=sup).json()
        assert found and all("电费账单" in h["text"] for r in found for h in r["hits"])
        assert c.get("/api/qa/search", params={"q": ""}, headers=sup).status_code == 422

        topics = c.get("/api/qa/topics", params=span, headers=sup).json()
        (alert,) = topics["alerts"]
        assert "停电" in alert["label"] and alert["count"] == 60 and alert["ratio"] >= 5
        assert c.get("/api/qa/topics", params=span, headers=a01).status_code == 403
