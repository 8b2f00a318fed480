"""Emergency mode: one switch (API or CLI) changes queue rules and shows a banner on the desk
and the wallboard; off restores the rules; a restarted server still knows the plan is on."""

from __future__ import annotations

from pathlib import Path

from hotline.bootstrap import DEMO_PASSWORD
from hotline.store import open_store

from .federation_centers import Center

TYPHOON = {
    "emergency": {
        "plans": [
            {
                "name": "typhoon",
                "banner": "台风“海葵”应急预案：低优先级咨询只登记回拨",
                "queues": {"chat": [{"ewt_over_s": 0.0, "target": "callback"}]},
                "federation_ewt_over_s": 5.0,
            }
        ]
    }
}


def test_the_switch_changes_rules_and_desks_at_once_and_off_restores_them(tmp_path: Path):
    a, b = Center("A", tmp_path, agents=1), Center("B", tmp_path, agents=1)
    a.configure([b], extra=TYPHOON)
    login = ["--url", a.base, "--password", DEMO_PASSWORD]
    try:
        a.start()
        sup, adm, chan, agent = a.api("supervisor"), a.api("admin"), a.api("channel"), a.api("a1")
        assert sup.get("/api/emergency").json()["active"] is None
        assert agent.get("/api/ui/desk").json()["emergency"] is None
        assert sup.post("/api/emergency/on", json={"plan": "flood"}).json()["detail"] == (
            "plan: unknown plan 'flood' (configured: typhoon)"
        )
        assert agent.post("/api/emergency/on", json={"plan": "typhoon"}).status_code == 403

        done = a.cli("emergency", "on", "typhoon", *login)
        assert done.returncode == 0, done.stderr
        assert "plan=typhoon" in done.stdout
        for data in (agent.get("/api/ui/desk").json(), sup.get("/api/ui/wallboard/live").json()):
            assert data["emergency"]["plan"] == "typhoon"
            assert data["emergency"]["banner"].startswith("台风")
        config = adm.get("/api/admin/config").json()["config"]
        assert config["queues"][0]["overflow"] == [{"target": "callback", "ewt_over_s": 0.0}]
        assert config["federation"]["peers"][0]["ewt_over_s"] == 5.0
        r = chan.post(
            "/api/contacts",
            json={"id": "t1", "queue": "chat", "channel": "chat", "customer": "13800000001"},
        )
        assert r.json()["outcome"] == "no_agent"  # the plan's rule: straight to a callback
        assert sup.post("/api/emergency/on", json={"plan": "typhoon"}).status_code == 409

        a.stop()
        a.start()  # the plan survives a restart
        sup = a.api("supervisor")
        assert sup.get("/api/emergency").json()["active"]["plan"] == "typhoon"

        done = a.cli("emergency", "off", *login)
        assert done.returncode == 0, done.stderr
        assert sup.get("/api/emergency").json()["active"] is None
        adm = a.api("admin")
        config = adm.get("/api/admin/config").json()["config"]
        assert config["queues"][0]["overflow"] == []
        assert config["federation"]["peers"][0]["ewt_over_s"] == 30.0
        assert a.cli("emergency", "off", *login).returncode == 2  # nothing is on
        chat = {"queue": "chat", "channel": "chat", "customer": "13800000002"}
        assert a.api("channel").post("/api/contacts", json=chat | {"id": "t2"}).status_code == 201
        split = sup.get("/api/emergency/kpis").json()  # the same figures, during and outside
        assert [p["plan"] for p in split["periods"]] == ["typhoon"]
        during, outside = split["during"], split["outside"]
        # t1 arrived in the plan and went straight to a callback (the plan's rule); t2 after it
        # waits in the queue as usual
        assert (during["offered"], during["callbacks_created"]) == (0, 1)
        assert (outside["offered"], outside["callbacks_created"]) == (1, 0)
        assert during["occupancy"] is None and outside["occupancy"] is None
    finally:
        a.stop()
    store = open_store(a.db_url)  # both switches are facts on the timeline (KPI split)
    try:
        facts = [e for e in store.events(0, 10_000) if e.kind.startswith("emergency.")]
    finally:
        store.close()
    assert [(e.kind, e.data["plan"], e.data["by"]) for e in facts] == [
        ("emergency.on", "typhoon", "supervisor"),
        ("emergency.off", "typhoon", "supervisor"),
    ]
