"""Outbound SMS campaigns that run (issue 16), on both databases, through a real webhook SMS
platform (a local HTTP server) and the center's contact policy.

* a running campaign sends each customer the message once, within the per-minute cap, and logs
  every attempt with the rule that allowed it;
* nothing goes out in quiet hours (21:00-08:00) or on a statutory holiday: the tasks wait for
  the next calling window; an opt-out in the middle of a campaign stops the next attempt;
* a failed delivery is retried like a no-answer until the attempts run out; a pause stops it;
* bad requests name the field; the campaign is done when no task is pending.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest

from hotline.notify import WebhookNotifier
from hotline.services.campaigns import CampaignError, CampaignService

ZONE = ZoneInfo("Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=ZONE).timestamp()


class SmsPlatform:
    """A real HTTP server standing in for the center's SMS platform; `fail` numbers get 503."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append(body)
                self.send_response(503 if body["to"] in outer.fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_a) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self) -> list[str]:
        return [m["to"] for m in self.received]


@pytest.fixture
def world(store):
    sms = SmsPlatform()
    clock = {"now": at(2027, 3, 10, 7, 0)}  # a Wednesday, before the calling window
    svc = CampaignService(store, WebhookNotifier(sms.url), clock=lambda: clock["now"])
    yield svc, sms, clock
    sms.server.shutdown()


def _campaign(svc, **kw):
    spec = {
        "name": "话费提醒",
        "channel": "sms",
        "message": "【联通】您本月话费余额不足10元，请及时充值。",
        "customers": ["13800000001", "13800000002", "138-0000-0003"],
        "start": at(2027, 3, 10, 0),
        "end": at(2027, 3, 20, 0),
        "per_minute": 2,
    } | kw
    rec = svc.create(spec, by="supervisor")
    svc.start(rec.id)
    return rec


def test_a_campaign_sends_each_customer_once_within_pacing_and_the_calling_window(world):
    svc, sms, clock = world
    rec = _campaign(svc)
    assert svc.run_round().sent == 0 and sms.received == []  # 07:00: quiet hours
    clock["now"] = at(2027, 3, 10, 8, 0)
    assert svc.run_round().sent == 2  # the per-minute cap
    assert svc.run_round().sent == 0  # same minute
    clock["now"] += 61
    assert svc.run_round().sent == 1
    assert sorted(sms.to()) == ["13800000001", "13800000002", "13800000003"]
    assert {m["text"] for m in sms.received} == {rec.message}
    view = svc.view(rec.id)
    assert view["status"] == "done" and view["results"] == {"done:reached": 3}
    logged = svc.compliance.repo.attempts("13800000001", 0)
    assert len(logged) == 1  # the attempt log the policy's caps read


def test_a_holiday_waits_and_an_opt_out_stops_the_next_attempt(world):
    svc, sms, clock = world
    clock["now"] = at(2027, 10, 1, 10)  # National Day: no outbound on a statutory holiday
    rec = _campaign(svc, start=at(2027, 10, 1, 0), end=at(2027, 10, 20, 0))
    assert svc.run_round().sent == 0
    svc.compliance.opt_out("13800000002", source="sms", by="customer")  # 回复TD退订
    clock["now"] = at(2027, 10, 8, 10)  # the first workday after the holiday
    for _ in range(3):
        svc.run_round()
        clock["now"] += 61
    assert sorted(sms.to()) == ["13800000001", "13800000003"]
    assert svc.view(rec.id)["results"] == {"done:reached": 2, "stopped:dnc": 1}


def test_failed_deliveries_are_retried_until_the_attempts_run_out_and_pause_stops_it(world):
    svc, sms, clock = world
    sms.fail.add("13800000003")
    clock["now"] = at(2027, 3, 10, 9)
    rec = _campaign(svc, per_minute=10, max_attempts=2, retry={"no_answer": 600})
    assert svc.run_round().failed == 1
    clock["now"] += 600
    svc.pause(rec.id)
    assert svc.run_round().sent + svc.run_round().failed == 0  # paused: nothing goes out
    svc.start(rec.id)
    assert svc.run_round().failed == 1  # the second and last attempt
    assert sms.to().count("13800000003") == 2
    assert svc.view(rec.id)["results"] == {"done:reached": 2, "failed:no_answer": 1}


def test_calendar_events_notify_an_areas_customers_and_one_customer_days_ahead(world):
    """95598: a planned outage in 江北区 reaches every profile there with a phone, starting the
    day before; 10010: a package expiry reaches its customer three days ahead."""
    from hotline.tickets.records import CustomerRecord

    svc, sms, clock = world
    t = clock["now"]
    people = [("c1", "江北区", "13600000001"), ("c2", "江北区", "13600000002"),
              ("c3", "渝中区", "13600000003")]  # fmt: skip
    for cid, area, phone in people:
        svc.customers.create_customer(
            CustomerRecord(cid, t, t, area=area, identifiers=(("phone", phone),))
        )
    outage = at(2027, 3, 12, 9)
    rec = svc.from_calendar(
        {"kind": "planned_outage", "at": outage, "days_before": 1, "area": "江北区",
         "message": "3月12日9:00-17:00江北区计划停电检修。"},
        by="supervisor",
    )  # fmt: skip
    assert svc.view(rec.id)["status"] == "running"
    clock["now"] = at(2027, 3, 10, 10)
    assert svc.run_round().sent == 0  # two days ahead: too early
    clock["now"] = at(2027, 3, 11, 10)
    assert svc.run_round().sent == 2
    assert sorted(sms.to()) == ["13600000001", "13600000002"]  # 渝中区 is not told
    expiry = svc.from_calendar(
        {"kind": "package_expiry", "at": at(2027, 3, 20, 0), "days_before": 3,
         "customer": "13600000003", "message": "您的套餐将于3月20日到期。"},
        by="supervisor",
    )  # fmt: skip
    assert svc.view(expiry.id)["start"] == at(2027, 3, 17, 0)
    with pytest.raises(CampaignError) as err:
        svc.from_calendar({"kind": "outage", "at": outage, "area": "火星", "message": "x"}, "s")
    assert err.value.field == "area"
    with pytest.raises(CampaignError) as err:
        svc.from_calendar({"kind": "outage", "at": outage, "message": "x"}, "s")
    assert err.value.field == "customer"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"message": " "}, "message"),
        ({"customers": []}, "customers"),
        ({"end": at(2027, 3, 1, 0)}, "end"),
        ({"hours": "nights"}, "hours"),
        ({"retry": {"asleep": 60}}, "retry"),
    ],
)
def test_bad_campaigns_are_refused_naming_the_field(world, change, field):
    svc, _sms, _clock = world
    with pytest.raises(CampaignError) as err:
        _campaign(svc, **change)
    assert err.value.field == field
    assert svc.repo.list() == []  # nothing half-stored


def test_supervisors_manage_campaigns_through_the_api_and_numbers_are_masked(db_url):
    import time

    from .api_client import login, running_app

    with running_app(db_url) as client:
        sup = login(client, "supervisor")
        now = time.time()
        body = {
            "name": "套餐到期提醒",
            "message": "您的套餐将于3天后到期。",
            "customers": ["13812345678", "13912345678"],
            "start": now,
            "end": now + 86400,
        }
        r = client.post("/api/campaigns", json=body | {"end": now - 1}, headers=sup)
        assert r.status_code == 422 and r.json()["detail"].startswith("end:"), r.text
        r = client.post("/api/campaigns", json=body | {"channel": "fax"}, headers=sup)
        assert r.status_code == 422 and "channel" in r.text
        r = client.post("/api/campaigns", json=body, headers=sup)
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert r.json()["status"] == "draft" and r.json()["results"] == {"pending": 2}
        assert client.post(f"/api/campaigns/{cid}/pause", headers=sup).status_code == 409
        assert client.post(f"/api/campaigns/{cid}/start", headers=sup).json()["status"] == "running"
        shown = client.get(f"/api/campaigns/{cid}", headers=sup).json()
        assert [t["customer"] for t in shown["tasks"]] == ["138****5678", "139****5678"]
        assert "13812345678" not in json.dumps(shown)
        assert [c["id"] for c in client.get("/api/campaigns", headers=sup).json()] == [cid]
        assert client.get("/api/campaigns/nope", headers=sup).status_code == 404
        assert client.get("/api/campaigns", headers=login(client, "a01")).status_code == 403


def test_the_campaign_cli_creates_from_a_csv_and_names_bad_options(db_url, tmp_path):
    from typer.testing import CliRunner

    from hotline.cli import app
    from hotline.store import open_store

    open_store(db_url).close()  # migrated
    run = CliRunner().invoke
    db = ["--database-url", db_url]
    csv = tmp_path / "list.csv"
    csv.write_text("name,phone\n王,13500000008\n李,13500000009\n", encoding="utf-8")
    args = ["campaign", "create", str(csv), "--name", "停电通知", "--message", "明日停电", *db]
    bad = run(app, [*args, "--start", "tomorrow"])
    assert bad.exit_code == 2 and "--start" in bad.output
    empty = run(app, [*args[:3], "--name", "x", "--start", "2027-03-10", *db])
    assert empty.exit_code == 2 and "message" in empty.output  # an SMS needs its text
    made = run(app, [*args, "--start", "2027-03-10T09:00", "--start-now"])
    assert made.exit_code == 0, made.output
    cid = made.output.strip()
    shown = run(app, ["campaign", "show", cid, *db])
    assert "135****0008" in shown.output and "13500000008" not in shown.output
    assert "running" in run(app, ["campaign", "list", *db]).output
    paused = run(app, ["campaign", "pause", cid, *db])
    assert paused.exit_code == 0 and "paused" in paused.output
    again = run(app, ["campaign", "pause", cid, *db])
    assert again.exit_code == 2 and "cannot become paused" in again.output
