"""The QA loop end to end on SQLite and PostgreSQL: a recorded call (real speech from
espeak-ng, two channels like the SIP gateway writes) is found by the server's background QA
loop, transcribed by the shipped Whisper model, flagged at the right seconds, reviewed,
disputed once by its agent and decided by a second reviewer; listening is audited."""

from __future__ import annotations

import time

import pytest

from hotline.store import open_store
from tests.unit.qa_audio import have_tools, planted_call

from .api_client import login, running_app

pytestmark = pytest.mark.skipif(not have_tools(), reason="espeak-ng and sox are needed")


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    return planted_call(tmp_path_factory.mktemp("qa-call"))


def _recorded_call(c, h, call) -> str:
    for state in ("login", "available"):
        c.post("/api/agents/me/state", json={"state": state}, headers=h["a01"])
    r = c.post(
        "/api/contacts",
        json={"queue": "general", "id": "call1", "language": "en"},
        headers=h["channel"],
    )
    assert r.status_code == 201, r.text
    body = {"agent_id": "a01", "uri": "sip:a01@127.0.0.1"}
    assert c.post("/api/voice/call1/answered", json=body, headers=h["channel"]).status_code == 200
    assert c.post("/api/voice/call1/hangup", json=body, headers=h["channel"]).status_code == 200
    # What the gateway reports as each leg's recorder closes: the caller leg heard the agent.
    for leg, key in (("caller", "agent_wav"), ("agent", "customer_wav")):
        files = [{"leg": leg, "path": str(call[key]), "duration_s": call["duration_s"]}]
        fact = {"kind": "voice.recording", "agent_id": "a01", "data": {"files": files}}
        r = c.post("/api/voice/call1/facts", json=fact, headers=h["channel"])
        assert r.status_code == 201, r.text
    return "call1"


def _wait_result(c, cid, headers, timeout=240.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/api/qa/contacts/{cid}", headers=headers)
        if r.status_code == 200:
            return r.json()
        failed = c.get("/api/qa/status", headers=headers).json()["failed"]
        assert not failed, failed
        time.sleep(0.5)
    raise AssertionError(c.get("/api/qa/status", headers=headers).json())


def test_recorded_call_is_flagged_reviewed_disputed_once_and_decided_by_another(
    db_url, call, monkeypatch
):
    monkeypatch.setenv("HOTLINE_QA_EVERY_S", "0.3")
    monkeypatch.setenv("HOTLINE_QA_ASR", "on")  # tests/conftest.py turns it off elsewhere
    monkeypatch.setenv("HOTLINE_ASR_CACHE", str(call["agent_wav"].parent / "asr"))
    with running_app(db_url) as c:
        h = {u: login(c, u) for u in ("channel", "supervisor", "admin", "a01", "a02")}
        c.cookies.clear()
        cid = _recorded_call(c, h, call)
        res = _wait_result(c, cid, h["supervisor"])

        assert res["asr"] == "whisper-tiny.en" and res["flagged"] is True
        by_kind: dict[str, list[dict]] = {}
        for f in res["findings"]:
            by_kind.setdefault(f["kind"], []).append(f)
        rude = [f for f in by_kind["forbidden"] if f["rule"] == "rude"]
        assert any(abs(f["at_s"] - call["forbidden_at"]) <= 1.0 for f in rude), rude
        (dead,) = by_kind["dead_air"]
        assert abs(dead["at_s"] - call["dead_air"][0]) <= 1.0
        assert abs(dead["end_s"] - call["dead_air"][1]) <= 1.0
        assert any(abs(f["at_s"] - call["overlap"][0]) <= 1.0 for f in by_kind["talk_over"])
        assert any("stupid" in s["text"].lower() for s in res["transcript"])
        timeline = c.get(f"/api/voice/{cid}/events", headers=h["supervisor"]).json()
        analysed = [e for e in timeline if e["kind"] == "qa.analysed"]
        assert analysed and analysed[-1]["data"]["flagged"] is True
        assert c.get("/api/qa/status", headers=h["supervisor"]).json()["counts"]["done"] == 1

        # Flagged contacts first; an agent sees only their own results.
        first = c.get("/api/qa/contacts", headers=h["supervisor"]).json()[0]
        assert (first["contact_id"], first["flagged"]) == (cid, True)
        assert [r["contact_id"] for r in c.get("/api/qa/contacts", headers=h["a01"]).json()] == [
            cid
        ]
        assert c.get("/api/qa/contacts", headers=h["a02"]).json() == []
        assert c.get(f"/api/qa/contacts/{cid}", headers=h["a02"]).status_code == 403

        # Listening: supervisors and the call's agent, never another agent; every listen audited.
        r = c.get(f"/api/qa/contacts/{cid}/audio/customer?at=17", headers=h["supervisor"])
        assert r.status_code == 200 and r.content[:4] == b"RIFF"
        assert c.get(f"/api/qa/contacts/{cid}/audio/agent", headers=h["a02"]).status_code == 403
        assert c.get(f"/api/qa/contacts/{cid}/audio/agent").status_code == 401
        store = open_store(db_url)
        try:
            (entry,) = store.audit_entries(target=cid, action="qa.listen")
        finally:
            store.close()
        assert (entry.user, entry.data["speaker"], entry.data["at"]) == (
            "supervisor",
            "customer",
            17.0,
        )

        # Review: confirm, the agent disputes once, a second reviewer dismisses.
        fid = min(rude, key=lambda f: abs(f["at_s"] - call["forbidden_at"]))["id"]
        for f in rude:
            if f["id"] != fid:
                c.post(
                    f"/api/qa/findings/{f['id']}/review",
                    json={"decision": "dismiss"},
                    headers=h["supervisor"],
                )
        url = f"/api/qa/findings/{fid}"
        r = c.post(f"{url}/review", json={"decision": "confirm"}, headers=h["supervisor"])
        assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
        before = c.get(f"/api/qa/contacts/{cid}", headers=h["a01"]).json()["score"]
        assert c.post(f"{url}/dispute", json={"reason": "x"}, headers=h["a02"]).status_code == 403
        r = c.post(f"{url}/dispute", json={"reason": "I said 'you are so"}, headers=h["a01"])
        assert r.status_code == 200 and r.json()["status"] == "disputed"
        again = c.post(f"{url}/dispute", json={"reason": "again"}, headers=h["a01"])
        assert again.status_code == 409
        same = c.post(f"{url}/review", json={"decision": "dismiss"}, headers=h["supervisor"])
        assert same.status_code == 403  # the first reviewer may not judge the dispute
        r = c.post(f"{url}/review", json={"decision": "dismiss"}, headers=h["admin"])
        assert r.status_code == 200
        assert (r.json()["status"], r.json()["final_by"]) == ("dismissed", "admin")
        after = c.get(f"/api/qa/contacts/{cid}", headers=h["a01"]).json()
        rude_item = next(i for i in after["rubric"]["items"] if i["id"] == "no_rude")
        assert rude_item["result"] == "pass" and after["score"] > before
        bad = c.post(f"{url}/review", json={"decision": "maybe"}, headers=h["admin"])
        assert bad.status_code == 422 and "decision" in bad.text
