"""Specification of the compliance API against the real app, on SQLite and PostgreSQL:
an opt-out in chat stops the next attempt, attempts are logged with their rule, a data-subject
export and erasure round trip, confidential callers, recordings encrypted at rest."""

from __future__ import annotations

import base64
import io
import json
import wave
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from hotline.services.compliance_recordings import encrypt_finished
from hotline.store import make_engine

from .test_chat_api import PNG, Customer, chat_app

HER = "13700000001"
KEY1 = "k1:" + base64.b64encode(b"1" * 32).decode()
KEY2 = "k2:" + base64.b64encode(b"2" * 32).decode()


def call(c, user, method, path, status=200, **kw):
    r = getattr(c, method)(path, headers=c.as_[user], **kw)
    assert r.status_code == status, r.text
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r


@pytest.fixture
def c(db_url):
    with chat_app(db_url) as client:
        from .api_client import login

        client.as_.update({u: login(client, u) for u in ("admin", "channel")})
        client.cookies.clear()
        client.db_url = db_url
        yield client


def answered_call(c, agent, customer):
    call(c, agent, "post", "/api/agents/me/state", json={"state": "login"})
    call(c, agent, "post", "/api/agents/me/state", json={"state": "available"})
    body = {"queue": "general", "customer": customer}
    cid = call(c, "channel", "post", "/api/contacts", 201, json=body)["id"]
    call(c, agent, "post", f"/api/contacts/{cid}/accept")
    return cid


def write_wav(path: Path, seconds: float = 0.5) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * int(8000 * 2 * seconds / 256))
    return path.read_bytes()


def test_a_chat_opt_out_keyword_stops_the_next_attempt_and_every_decision_is_logged(c):
    check = {"identifier": HER, "channel": "voice", "campaign": "bill-reminder"}
    first = call(c, "channel", "post", "/api/compliance/attempts/check", json=check)
    assert first["rule"] in ("allowed", "quiet_hours", "holiday")  # depends on the wall clock

    customer = Customer(c, phone=HER)
    reply = customer.say("退订")
    assert any("退订" in m["body"] and m["sender"] == "system" for m in reply["messages"])
    listed = call(c, "supervisor", "get", "/api/compliance/opt-outs", params={"identifier": HER})
    assert [(o["identifier"], o["source"]) for o in listed] == [(HER, "chat")]

    second = call(c, "channel", "post", "/api/compliance/attempts/check", json=check)
    assert not second["allowed"] and second["rule"] == "dnc"
    log = call(c, "supervisor", "get", "/api/compliance/attempts", params={"identifier": HER})
    assert log[0]["rule"] == "dnc" and len(log) == 2
    assert log[0]["data"]["campaign"] == "bill-reminder"
    assert call(c, "a01", "get", "/api/compliance/agent-check", params={"identifier": HER}) == {
        "opted_out": True
    }


def test_an_sms_reply_opt_out_through_the_api_and_bad_input_names_the_field(c):
    body = {"identifier": "+86 138 0000 0002", "channel": "sms", "source": "sms"}
    assert call(c, "channel", "post", "/api/compliance/opt-outs", 201, json=body)["new"]
    assert not call(c, "channel", "post", "/api/compliance/opt-outs", 201, json=body)["new"]
    r = c.post("/api/compliance/opt-outs", json={**body, "channel": "fax"},
               headers=c.as_["channel"])  # fmt: skip
    assert r.status_code == 422 and "channel" in r.text
    r = c.put("/api/compliance/settings", json={"contact_policy": {"quiet_hours": "9pm"}},
              headers=c.as_["admin"])  # fmt: skip
    assert r.status_code == 422 and "quiet_hours" in r.json()["detail"]
    r = c.put("/api/compliance/settings", json={"retention": {"audit_log": 10}},
              headers=c.as_["admin"])  # fmt: skip
    assert r.status_code == 422 and "retention.audit_log" in r.json()["detail"]
    r = c.post("/api/compliance/holds", json={"kind": "customer", "target": HER, "reason": ""},
               headers=c.as_["admin"])  # fmt: skip
    assert r.status_code == 422 and "reason" in r.text
    assert c.post("/api/compliance/purge", headers=c.as_["supervisor"]).status_code == 403


def test_export_and_erase_round_trip(c, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_RECORDING_KEY", KEY1)
    cid = answered_call(c, "a01", HER)
    wav = tmp_path / "rec" / f"{cid}-caller.wav"
    audio = write_wav(wav)
    encrypt_finished(wav)
    files = [{"leg": "caller", "path": str(wav), "duration_s": 0.5}]
    fact = {"kind": "voice.recording", "agent_id": "a01", "data": {"files": files}}
    call(c, "channel", "post", f"/api/voice/{cid}/facts", 201, json=fact)
    new_order = {"category": "complaint", "title": "行李破损", "contact_id": cid}
    order = call(c, "a01", "post", "/api/tickets", 201, json=new_order)
    chat = Customer(c, phone=HER)
    chat.say(f"我的电话是{HER}，行李丢了")
    up = c.post(f"/api/chat/sessions/{chat.sid}/images", content=PNG,
                headers={**chat.headers, "Content-Type": "image/png"})  # fmt: skip
    assert up.status_code in (200, 201), up.text

    r = c.post("/api/compliance/subjects/export", json={"identifier": HER},
               headers=c.as_["admin"])  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    doc = json.loads(z.read("customer.json"))
    assert [x["id"] for x in doc["contacts"]] == [cid]
    assert [o["id"] for o in doc["orders"]] == [order["id"]]
    assert any(HER in m["body"] for m in doc["chat_messages"])
    assert z.read(doc["chat_media"][0]["file"]) == PNG
    assert z.read(doc["recordings"][0]["file"]) == audio  # decrypted for the subject
    assert c.post("/api/compliance/subjects/export", json={"identifier": HER},
                  headers=c.as_["supervisor"]).status_code == 403  # fmt: skip

    # erasure is refused under a legal hold, then done once it is released
    hold = call(c, "admin", "post", "/api/compliance/holds", 201,
                json={"kind": "customer", "target": HER, "reason": "投诉复核"})  # fmt: skip
    r = c.post("/api/compliance/subjects/erase", json={"identifier": HER, "confirm": True},
               headers=c.as_["admin"])  # fmt: skip
    assert r.status_code == 409 and "legal hold" in r.text
    call(c, "admin", "delete", f"/api/compliance/holds/{hold['id']}")
    done = call(c, "admin", "post", "/api/compliance/subjects/erase",
                json={"identifier": HER, "confirm": True})  # fmt: skip
    assert done["counts"]["contacts"] == 1 and done["recording_files_removed"] == 1

    engine = make_engine(c.db_url)
    with engine.connect() as conn:
        for table, col in [("contacts", "customer"), ("contacts", "data"), ("events", "data"),
                           ("chat_sessions", "customer"), ("chat_messages", "body"),
                           ("ticket_orders", "customer"), ("ticket_orders", "body"),
                           ("ticket_events", "data"), ("surveys", "customer")]:  # fmt: skip
            rows = conn.execute(text(f"SELECT {col} FROM {table}")).all()
            assert not [r for r in rows if HER in str(r[0])], (table, col)
        assert conn.execute(text("SELECT count(*) FROM chat_media")).scalar() == 0
    engine.dispose()
    assert not wav.exists() and not wav.with_name(wav.name + ".enc").exists()
    store_audit = _audit_actions(c.db_url)
    assert {"compliance.export", "compliance.erase", "compliance.hold"} <= store_audit
    assert call(c, "supervisor", "get", f"/api/contacts/{cid}")["id"] == cid  # record kept


def _audit_actions(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        actions = {r[0] for r in conn.execute(text("SELECT action FROM audit_log"))}
    engine.dispose()
    return actions


def test_a_confidential_caller_is_revealed_only_to_named_roles(c):
    cid = answered_call(c, "a01", HER)
    assert call(c, "a01", "post", f"/api/contacts/{cid}/reveal")["customer"] == HER
    body = {"identifier": HER, "roles": ["supervisor"]}
    call(c, "supervisor", "post", "/api/compliance/confidential", 201, json=body)
    r = c.post(f"/api/contacts/{cid}/reveal", headers=c.as_["a01"])
    assert r.status_code == 403 and "GB/T 33358" in r.text
    assert call(c, "supervisor", "post", f"/api/contacts/{cid}/reveal")["customer"] == HER
    order = call(c, "a01", "post", "/api/tickets", 201,
                 json={"category": "complaint", "title": "x", "contact_id": cid})  # fmt: skip
    assert c.post(f"/api/tickets/{order['id']}/reveal", headers=c.as_["a01"]).status_code == 403
    # a supervisor may narrow the marking but neither widen nor lift it: only an admin may
    call(c, "supervisor", "post", "/api/compliance/confidential", 403,
         json={"identifier": HER, "roles": ["supervisor", "agent"]})  # fmt: skip
    call(c, "supervisor", "delete", f"/api/compliance/confidential/{HER}", 403)
    r = c.post(f"/api/contacts/{cid}/reveal", headers=c.as_["a01"])
    assert r.status_code == 403
    call(c, "admin", "delete", f"/api/compliance/confidential/{HER}")
    assert call(c, "a01", "post", f"/api/contacts/{cid}/reveal")["customer"] == HER


def test_a_recording_on_disk_is_not_a_wav_and_the_api_serves_it_to_the_right_roles(
    c, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOTLINE_RECORDING_KEY", KEY1)
    cid = answered_call(c, "a01", "13700000009")
    wav = tmp_path / f"{cid}-caller.wav"
    audio = write_wav(wav)
    on_disk = encrypt_finished(wav)
    assert on_disk.name.endswith(".wav.enc") and not wav.exists()
    blob = on_disk.read_bytes()
    assert not blob.startswith(b"RIFF") and audio[44:1044] not in blob
    with pytest.raises((wave.Error, EOFError)), wave.open(str(on_disk), "rb"):
        pass
    files = [{"leg": "caller", "path": str(wav), "duration_s": 0.5}]
    fact = {"kind": "voice.recording", "agent_id": "a01", "data": {"files": files}}
    call(c, "channel", "post", f"/api/voice/{cid}/facts", 201, json=fact)

    url = f"/api/compliance/recordings/{cid}/caller"
    assert c.get(url, headers=c.as_["supervisor"]).content == audio
    assert c.get(url, headers=c.as_["a01"]).content == audio  # the agent who took the call
    r = c.get(url, headers=c.as_["a02"])
    assert r.status_code == 403
    assert c.get(url, headers=c.as_["channel"]).status_code == 403

    # rotation: a new current key, the old one kept for reading
    monkeypatch.setenv("HOTLINE_RECORDING_KEY", KEY2)
    monkeypatch.setenv("HOTLINE_RECORDING_OLD_KEYS", KEY1)
    assert c.get(url, headers=c.as_["supervisor"]).content == audio
    monkeypatch.delenv("HOTLINE_RECORDING_OLD_KEYS")
    r = c.get(url, headers=c.as_["supervisor"])
    assert r.status_code == 500 and "k1" in r.text
    assert "compliance.recording_access" in _audit_actions(c.db_url)


def test_the_recording_notice_is_a_fact_on_the_contacts_timeline(c):
    cid = answered_call(c, "a01", "13700000008")
    body = {"channel": "voice", "notice": "recording", "text": "本次通话可能会被录音"}
    call(c, "channel", "post", f"/api/compliance/notice/{cid}", 201, json=body)
    events = call(c, "supervisor", "get", f"/api/contacts/{cid}/events")
    notices = [e for e in events if e["kind"] == "compliance.notice"]
    assert notices and notices[0]["data"]["notice"] == "recording"


def test_the_ivr_notice_playback_is_logged_from_the_gateways_ivr_path(c):
    cid = answered_call(c, "a01", "13700000007")
    ivr = {"outcome": "transferred", "path": ["welcome", "agent"], "digits": "0"}
    call(c, "channel", "post", f"/api/voice/{cid}/facts", 201,
         json={"kind": "voice.ivr", "data": ivr})  # fmt: skip
    events = call(c, "supervisor", "get", f"/api/contacts/{cid}/events")
    notices = [e["data"] for e in events if e["kind"] == "compliance.notice"]
    assert notices == [{"notice": "recording", "medium": "ivr", "node": "welcome", "barged": True}]
    survey = {"kind": "voice.survey", "agent_id": "a01", "data": {"score": 5}}
    call(c, "channel", "post", f"/api/voice/{cid}/facts", 201, json=survey)
    events = call(c, "supervisor", "get", f"/api/contacts/{cid}/events")
    assert len([e for e in events if e["kind"] == "compliance.notice"]) == 1
