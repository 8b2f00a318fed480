"""Specification of scheduled reports: produced at their time on a fake clock, once, with a PDF
whose pages carry the expected sections and figures, on the schedules the center config names.

The seeded timeline (`seed`): on Tuesday 2026-11-24 `general` answers its one call in 12 s,
`english` loses its one caller after 60 s, `complaints` answers in 40 s (its threshold is
30 s; by a02 of team south), one callback is completed; four work orders are opened (a help
request left overdue, a consultation confirmed, one reopened, a complaint); two surveys are
offered and one answered satisfied. On Tuesday 2026-11-17 (the week before) `general`
answered one call.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from hotline.config import ConfigError, config_from_dict, dump_config, load_demo_config
from hotline.domain.enums import Channel
from hotline.notify import LogNotifier
from hotline.routing import events as ev
from hotline.runtime import CenterService
from hotline.services.reports import Reports
from hotline.services.reports_jobs import ScheduledReports
from hotline.services.reports_schedule import Schedule, schedules_of
from hotline.services.tickets import Actor, NewOrder, TicketService
from hotline.store import Store
from hotline.store.tickets import TicketStore
from hotline.tickets import Action
from hotline.tickets.records import SurveyRecord

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def center_dict(**reports: Any) -> dict[str, Any]:
    """The demo center with teams for a01/a02, an abandon alert rule and `reports` if given;
    `english` neither relaxes nor overflows, so its caller waits until they hang up; offers
    ring for 2 minutes so that a slow answer stays an answer."""
    data = dump_config(load_demo_config())
    for agent in data["agents"]:
        agent["team"] = {"a01": "north", "a02": "south"}.get(agent["id"])
        if agent["id"] == "a02":
            agent["skills"]["complaints"] = 5
    for queue in data["queues"]:
        if queue["id"] == "english":  # no one may take it (a01 is below level 6): it waits
            queue["overflow"], queue["relax"] = [], []
        queue["offer_timeout_s"] = 120.0  # the test's agent answers after up to 40 s
    data["alerts"] = [{"id": "ab", "kind": "abandon_rate_above", "threshold": 0.2}]
    if reports:
        data["reports"] = reports
    return data


def _call(service: CenterService, clock: list[float], cid: str, queue: str, agent: str,
          wait: float, talk: float, channel: Channel = Channel.VOICE) -> None:  # fmt: skip
    service.apply(ev.ContactArrived(cid, queue, channel=channel))
    clock[0] += wait
    service.apply(ev.OfferAccepted(agent, cid))
    clock[0] += talk
    service.apply(ev.ContactCompleted(agent, cid, wrap_up_s=0))


def seed(store: Store) -> CenterService:
    store.save_config(center_dict(), "test")
    clock = [at("2026-11-17T10:00")]
    service = CenterService(store, clock=lambda: clock[0])
    service.apply(ev.AgentLogin("a01"))
    _call(service, clock, "w1", "general", "a01", 5, 60)
    clock[0] = at("2026-11-24T10:00")
    _call(service, clock, "c1", "general", "a01", 12, 100)
    clock[0] = at("2026-11-24T11:00")
    service.apply(ev.ContactArrived("c2", "english"))
    clock[0] += 60
    service.apply(ev.CustomerLeft("c2"))
    clock[0] = at("2026-11-24T12:00")
    service.apply(ev.AgentNotReady("a01"))
    service.apply(ev.AgentLogin("a02"))
    _call(service, clock, "c3", "complaints", "a02", 40, 200)
    service.apply(ev.AgentLogout("a02"))
    service.apply(ev.AgentReady("a01"))
    clock[0] = at("2026-11-24T13:00")
    _call(service, clock, "cb1", "callbacks", "a01", 30, 50, Channel.CALLBACK)

    tickets = TicketService(store, clock=lambda: clock[0])
    a01, a02 = Actor("a01", "agent", "a01"), Actor("a02", "agent", "a02")
    customer = Actor("sms", "channel")
    clock[0] = at("2026-11-24T14:00")
    tickets.create(a01, NewOrder("help_request", "wheelchair", contact_id="c1"))  # overdue
    ok = tickets.create(a01, NewOrder("consultation", "parking", contact_id="c1"))
    again = tickets.create(a01, NewOrder("consultation", "wifi", contact_id="c1"))
    tickets.create(a02, NewOrder("complaint", "rude staff", contact_id="c3"))
    clock[0] += 600
    for order in (ok, again):
        tickets.act(a01, order.id, Action.RESOLVE, resolution="told the customer")
    tickets.customer_answer(customer, ok.id, solved=True)
    tickets.customer_answer(customer, again.id, solved=False)
    repo = TicketStore(store.engine)
    for cid in ("c1", "c3"):
        repo.request_survey(SurveyRecord(0, cid, at("2026-11-24T15:00"), queue="general"))
    repo.answer_survey("c1", at("2026-11-24T15:05"), 5, "satisfied", None)
    clock[0] = at("2026-11-24T18:00")
    service.apply(ev.AgentLogout("a01"))
    return service


def pages_of(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def jobs_for(store: Store, service: CenterService, **kw: Any) -> ScheduledReports:
    return ScheduledReports(
        store, Reports.for_store(store), LogNotifier(), lambda: service.read(lambda r: r.config),
        since=at("2026-11-24T09:00"), **kw,
    )  # fmt: skip


def test_the_daily_report_is_produced_at_eight_once_with_its_sections(store: Store):
    service = seed(store)
    notifier = LogNotifier()
    jobs = jobs_for(store, service, schedules=[Schedule("daily", "08:00")])
    jobs._notifier = notifier
    assert jobs.run_due(at("2026-11-25T07:59")) == []  # not yet
    assert jobs.run_due(at("2026-11-25T08:00")) == ["Daily warning report (daily)"]
    assert jobs.run_due(at("2026-11-25T08:05")) == []  # produced once
    assert [n.kind for n in notifier.sent] == ["report"]

    (doc,) = jobs.documents.history()
    assert (doc.period_start, doc.period_end) == (at("2026-11-24"), at("2026-11-25"))
    pages = pages_of(doc.pdf)
    assert len(pages) == 6
    assert "Summary" in pages[0] and "offered 3, answered 2, abandoned 1" in pages[0]
    assert "2026-11-24 00:00" in pages[0]
    broken = pages[0].split("Targets broken")[1]
    assert "complaints: SL 0.0% below target 80.0% (offered 1, answered within 30 s: 0)" in broken
    assert "english: SL 0.0% below target 80.0%" in broken
    assert "english: abandon rate 100.0% above threshold 20.0% (offered 1, abandoned 1)" in broken
    assert "general:" not in broken  # 12 s against 20 s: met its target
    assert "Service level and abandon rate by hour" in pages[1]
    assert "Volume vs forecast by hour" in pages[2]
    assert "Queues" in pages[3] and "general: offered 1, answered 1" in pages[3]
    # a callback is not a handled contact; a02 was logged in only for its one call
    assert "a01: handled 1, AHT 100 s, occupancy" in pages[3]
    assert "a02: handled 1, AHT 200 s, occupancy 100.0%" in pages[3]
    assert "opened 4, resolved 1 (25.0%), resolved on time 1 (100.0%)" in pages[4]
    assert "overdue 1, reopened 1, cancelled 0" in pages[4]
    assert "replies 1 of 2 surveys (50.0%), satisfied 100.0%" in pages[4]
    assert "created 1, completed 1 (100.0%), reached 1" in pages[4]
    assert "Definitions" in pages[5] and "formula" in pages[5] and "超期 overdue" in pages[5]
    assert "服务水平" in pages[5]  # Chinese definitions drawn with the CJK font, not dropped
    assert "<h1>Daily warning report (daily)</h1>" in doc.html and "服务水平" in doc.html
    assert "complaints: SL 0.0% below target 80.0%" in doc.html


def test_the_weekly_bulletin_compares_with_the_week_before(store: Store):
    service = seed(store)
    jobs = jobs_for(store, service, schedules=[Schedule("weekly")])
    assert jobs.run_due(at("2026-11-30T08:00")) == ["Weekly bulletin (weekly)"]
    (doc,) = jobs.documents.history()
    first = pages_of(doc.pdf)[0]
    compared = first.split("Compared with the previous week")[1]
    assert "offered: 3 (previous 1, change +2)" in compared
    assert "abandoned: 1 (previous 0, change +1)" in compared
    assert "abandon rate: 33.3% (previous 0.0%, change +33.3 pt)" in compared
    assert "callbacks completed: 1 (previous 0, change +1)" in compared
    assert "Service level and abandon rate by day" in pages_of(doc.pdf)[1]


def test_the_monthly_exposure_ranks_queues_and_teams(store: Store):
    service = seed(store)
    jobs = jobs_for(store, service, schedules=[Schedule("monthly")])
    assert jobs.run_due(at("2026-12-01T08:00")) == ["Monthly exposure report (monthly)"]
    (doc,) = jobs.documents.history()
    first = pages_of(doc.pdf)[0]
    queues = first.split("Exposure: queues")[1].split("Exposure: teams")[0]
    # judged on Dec 1: the help request (2 h) and the reopened consultation (1 working day)
    assert "1. general: overdue 2, complaints 0, orders 3" in queues
    assert "2. complaints: overdue 0, complaints 1, orders 1" in queues
    teams = first.split("Exposure: teams")[1]
    assert "1. north: overdue 2, complaints 0, orders 3" in teams
    assert "2. south: overdue 0, complaints 1, orders 1" in teams


def test_the_schedules_come_from_the_center_config(store: Store):
    seed(store)
    custom = center_dict(schedules=[{"kind": "daily", "at": "06:30"}])
    cfg = config_from_dict(custom)
    assert schedules_of(cfg) == (Schedule("daily", "06:30"),)
    assert config_from_dict(dump_config(cfg)) == cfg  # lossless
    assert dump_config(cfg)["reports"] == {"schedules": [{"kind": "daily", "at": "06:30"}]}
    assert schedules_of(load_demo_config()) == (
        Schedule("daily"), Schedule("weekly"), Schedule("monthly"))  # fmt: skip
    jobs = ScheduledReports(store, Reports.for_store(store), LogNotifier(), lambda: cfg,
                            since=at("2026-11-24T09:00"))  # fmt: skip
    assert jobs.run_due(at("2026-11-25T06:29")) == []
    assert jobs.run_due(at("2026-11-25T06:30")) == ["Daily warning report (daily)"]
    (doc,) = jobs.documents.history()
    assert doc.schedule == "daily@06:30"


@pytest.mark.parametrize(
    ("schedules", "field", "says"),
    [
        ([{"kind": "hourly"}], "reports.schedules[0].kind", "daily"),
        ([{"kind": "daily", "at": "8am"}], "reports.schedules[0].at", "HH:MM"),
        ([{"kind": "daily", "at": "24:00"}], "reports.schedules[0].at", "HH:MM"),
        ([{"kind": "weekly", "on": "friday"}], "reports.schedules[0].on", "unknown key"),
        ([{"kind": "daily"}, {"kind": "daily", "at": "08:00"}], "reports.schedules[1]",
         "duplicate"),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_refused_naming_the_field(schedules, field, says):
    with pytest.raises(ConfigError) as err:
        config_from_dict(center_dict(schedules=schedules))
    assert err.value.field == field and says in err.value.message, str(err.value)


def test_weekly_and_monthly_cover_the_previous_week_and_month():
    monday = at("2026-11-30T08:00")
    assert Schedule("weekly").last_due(at("2026-12-03T12:00"), TZ) == monday
    assert Schedule("weekly").period(monday, TZ) == (at("2026-11-23"), at("2026-11-30"))
    first = at("2026-12-01T08:00")
    assert Schedule("monthly").last_due(at("2026-12-03T12:00"), TZ) == first
    assert Schedule("monthly").period(first, TZ) == (at("2026-11-01"), at("2026-12-01"))
