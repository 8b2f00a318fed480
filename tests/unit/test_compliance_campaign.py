"""A campaign over a fake clock: quiet hours, the Chinese holiday calendar, the campaign's own
schedule, do-not-call (an opt-out mid-campaign stops the next attempt), retries, caps, pacing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.compliance import Attempt, ContactPolicy, OptOut
from hotline.domain.hours import BusinessHours, DayKind, day_kind
from hotline.outbound import Campaign, CampaignRun, Retry

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).timestamp()


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, TZ)


class World:
    """The store's side, faked: opt-outs and the log of allowed attempts per customer."""

    def __init__(self, policy: ContactPolicy | None = None) -> None:
        self.policy = policy or ContactPolicy.from_spec({"caps": {"day": 3, "week": 10}})
        self.opt_outs: dict[str, list[OptOut]] = {}
        self.attempts: dict[str, list[Attempt]] = {}

    def step(self, run: CampaignRun, now: float) -> list[str]:
        sent = run.step(
            now, self.policy, lambda c: self.opt_outs.get(c, []),
            lambda c: self.attempts.get(c, []),
        )  # fmt: skip
        for d in sent:
            self.attempts.setdefault(d.task.customer, []).append(Attempt(now, "voice"))
        return [d.task.customer for d in sent]


def campaign(start: float, **kw) -> Campaign:
    kw.setdefault("hours", BusinessHours.parse("24x7"))
    return Campaign(id="bill", channel="voice", start=start, end=start + 30 * 86400, **kw)


def test_an_opt_out_mid_campaign_stops_the_next_attempt():
    w, t0 = World(), at(2026, 11, 24, 10)
    run = CampaignRun(campaign(t0), ["A", "B"])
    assert w.step(run, t0) == ["A", "B"]
    run.outcome("A", "no_answer", t0 + 60)  # retried in 2 h
    run.outcome("B", "reached", t0 + 90)
    w.opt_outs["A"] = [OptOut("A", source="sms")]  # replies TD meanwhile
    assert w.step(run, t0 + 2 * 3600 + 60) == []
    assert (run.tasks["A"].status, run.tasks["A"].result) == ("stopped", "dnc")
    assert run.tasks["A"].log[-1][1] == "dnc" and run.tasks["B"].status == "done"
    assert run.results() == {"stopped:dnc": 1, "done:reached": 1}


def test_quiet_hours_and_national_day_move_the_attempt_to_the_next_working_morning():
    w, t0 = World(), at(2026, 9, 30, 21, 30)  # Wednesday evening before National Day
    run = CampaignRun(campaign(t0), ["A"])
    assert w.step(run, t0) == []
    nxt = local(run.tasks["A"].next_at)
    assert (nxt.hour, nxt.minute) == (8, 0) and nxt.date() > date(2026, 10, 1)
    assert day_kind(nxt.date()) is not DayKind.HOLIDAY
    assert run.tasks["A"].log == [(t0, "quiet_hours")]
    assert w.step(run, at(2026, 10, 3, 10)) == []  # nothing due during the holiday
    assert w.step(run, run.next_wake()) == ["A"]


def test_the_campaigns_own_schedule_waits_for_monday():
    hours = BusinessHours.parse({"mon-fri": "09:00-18:00"})
    w, sat = World(), at(2026, 11, 28, 11)
    run = CampaignRun(campaign(sat, hours=hours), ["A"])
    assert w.step(run, sat) == []
    assert local(run.next_wake()) == datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def test_retries_by_outcome_until_max_attempts():
    w, t = World(), at(2026, 11, 24, 9)
    run = CampaignRun(campaign(t, max_attempts=2, retry=Retry(busy=600.0)), ["A", "B", "C"])
    assert w.step(run, t) == ["A", "B", "C"]
    run.outcome("A", "busy", t + 30)
    run.outcome("B", "wrong_number", t + 30)
    run.outcome("C", "refused", t + 30)
    assert w.step(run, t + 630) == ["A"]
    assert run.outcome("A", "busy", t + 660).status == "failed"  # two attempts made
    assert run.results() == {"failed:busy": 1, "stopped:wrong_number": 1, "done:refused": 1}
    assert run.next_wake() is None


def test_a_daily_cap_moves_the_retry_to_the_next_morning():
    w = World(ContactPolicy.from_spec({"caps": {"day": 1}}))
    t = at(2026, 11, 24, 10)
    run = CampaignRun(campaign(t, retry=Retry(busy=300.0)), ["A"])
    assert w.step(run, t) == ["A"]
    run.outcome("A", "busy", t + 30)
    assert w.step(run, t + 330) == []
    assert run.tasks["A"].log[-1][1] == "cap_day"
    assert local(run.next_wake()) == datetime(2026, 11, 25, 8, 0, tzinfo=TZ)


def test_pacing_caps_attempts_per_minute():
    w, t = World(), at(2026, 11, 24, 10)
    run = CampaignRun(campaign(t, per_minute=2), list("ABCDE"))
    assert w.step(run, t) == ["A", "B"]
    assert w.step(run, t + 30) == []
    assert w.step(run, t + 60) == ["C", "D"]
    assert w.step(run, t + 120) == ["E"]
