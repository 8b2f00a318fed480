"""SLA deadlines in business hours: across a weekend, across National Day with its make-up
workday, round the clock for help requests, and paused while waiting on the customer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.tickets import Action, created, decide, default_config
from hotline.tickets.escalation import sla
from hotline.tickets.order import apply
from hotline.tickets.sla import add_business_seconds, business_seconds, parse_duration

TZ = ZoneInfo("Asia/Shanghai")
CFG = default_config()  # office hours mon-fri 08:30-17:30, holidays closed; 1 wd = 9 h
HOUR = 3600.0


def t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def local(ts: float | None) -> str:
    assert ts is not None
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %a %H:%M")


def order(category: str, at: str):
    return apply(None, created("o1", t(at), "a01", category=category, title="x"))


def act(o, action, at: str, **data):
    for e in decide(o, action, t(at), "a01", **data):
        o = apply(o, e)
    return o


def test_a_friday_afternoon_complaint_gets_its_first_action_due_on_monday():
    o = order("complaint", "2026-11-27 16:30")  # Friday; first action within 2 business hours
    status = sla(o, CFG, t("2026-11-27 16:31"))
    assert local(status.first_action.due_at) == "2026-11-30 Mon 09:30"
    # five working days (45 business hours) to resolve: Fri 1 h + Mon..Thu 36 h + Fri 8 h
    assert local(status.resolution.due_at) == "2026-12-04 Fri 16:30"
    # over the weekend nothing is consumed
    assert sla(o, CFG, t("2026-11-29 12:00")).first_action.consumed_s == pytest.approx(HOUR)


def test_national_day_is_skipped_and_its_make_up_saturday_is_worked():
    # Wed 30 Sep 2026 15:30; 1-7 Oct are holidays, Sat 10 Oct is a make-up workday (调休)
    o = order("complaint", "2026-09-30 15:30")
    status = sla(o, CFG, t("2026-10-05 12:00"))
    # 45 h: Sep 30 2 h, Oct 8 9 h, Oct 9 9 h, Sat Oct 10 9 h, Mon Oct 12 9 h, Tue Oct 13 7 h
    assert local(status.resolution.due_at) == "2026-10-13 Tue 15:30"
    assert status.resolution.consumed_s == pytest.approx(2 * HOUR)  # the holiday is free
    assert local(status.first_action.due_at) == "2026-09-30 Wed 17:30"
    late_in_the_day = order("complaint", "2026-09-30 17:00")  # 30 min before the holiday
    due = sla(late_in_the_day, CFG, t("2026-10-01 09:00")).first_action.due_at
    assert local(due) == "2026-10-08 Thu 10:00"


def test_help_requests_run_round_the_clock_even_on_a_holiday():
    o = order("help_request", "2026-10-01 10:00")
    status = sla(o, CFG, t("2026-10-01 10:05"))
    assert local(status.first_action.due_at) == "2026-10-01 Thu 10:10"
    assert local(status.resolution.due_at) == "2026-10-01 Thu 12:00"


def test_the_clock_pauses_while_waiting_on_the_customer_but_not_on_a_department():
    o = order("lost_item", "2026-11-23 09:00")  # Monday; 3 wd = 27 business hours
    before = sla(o, CFG, t("2026-11-23 09:01")).resolution.due_at
    assert local(before) == "2026-11-26 Thu 09:00"
    o = act(o, Action.ACCEPT, "2026-11-23 10:00")
    o = act(o, Action.WAIT, "2026-11-23 11:00", on="customer")
    paused = sla(o, CFG, t("2026-11-24 15:00")).resolution
    assert paused.paused and paused.due_at is None
    assert paused.consumed_s == pytest.approx(2 * HOUR)
    o = act(o, Action.RESUME, "2026-11-24 11:00")  # one business day (9 h) later
    assert local(sla(o, CFG, t("2026-11-24 11:01")).resolution.due_at) == "2026-11-27 Fri 09:00"
    o = act(o, Action.WAIT, "2026-11-24 12:00", on="department")  # another department: runs on
    running = sla(o, CFG, t("2026-11-24 17:30")).resolution
    assert not running.paused and running.consumed_s == pytest.approx(2 * HOUR + 6.5 * HOUR)


def test_resolution_judges_on_time_and_a_rejected_result_does_not_count_against_the_center():
    o = order("help_request", "2026-11-23 09:00")  # 2 h, round the clock
    o = act(o, Action.ACCEPT, "2026-11-23 09:05")
    o = act(o, Action.RESOLVE, "2026-11-23 10:00", resolution="wheelchair at gate 5")
    assert sla(o, CFG, t("2026-11-25 00:00")).resolution.on_time is True
    o = act(o, Action.REOPEN, "2026-11-23 20:00", reason="nobody came")
    reopened = sla(o, CFG, t("2026-11-23 20:30")).resolution
    assert reopened.on_time is None and reopened.consumed_s == pytest.approx(1.5 * HOUR)
    assert local(reopened.due_at) == "2026-11-23 Mon 21:00"  # the hour left, from the reopening
    o = act(o, Action.ACCEPT, "2026-11-23 20:10")
    o = act(o, Action.RESOLVE, "2026-11-23 21:30", resolution="escorted to gate 5")
    late = sla(o, CFG, t("2026-11-24 00:00")).resolution
    assert late.on_time is False and late.consumed_s == pytest.approx(2.5 * HOUR)


def test_business_time_helpers_agree_with_each_other():
    hours = CFG.office_hours
    start = t("2026-09-29 10:00")
    for seconds in (60.0, 7 * HOUR, 30 * HOUR, 100 * HOUR):
        due = add_business_seconds(hours, start, seconds)
        assert business_seconds(hours, start, due) == pytest.approx(seconds)
    assert business_seconds(None, 10.0, 70.0) == 60.0
    assert parse_duration("5wd", 9 * HOUR) == 45 * HOUR
    assert parse_duration("30m", 9 * HOUR) == 1800.0
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon", 1.0)
