"""Contact policy: do-not-call, quiet hours on the Chinese calendar, caps - on a fake clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.compliance import Attempt, ContactPolicy, OptOut, is_opt_out, normalise_identifier
from hotline.domain.hours import DayKind, HoursSpecError, day_kind

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).timestamp()


POLICY = ContactPolicy.from_spec({"quiet_hours": "21:00-08:00", "caps": {"day": 2, "week": 3}})
TUESDAY = at(2026, 11, 24)


def test_a_plain_weekday_morning_is_allowed_and_says_why():
    d = POLICY.decide("voice", TUESDAY)
    assert d.allowed and d.rule == "allowed"
    assert [c.rule for c in d.checks] == ["dnc", "quiet_hours", "cap_day", "cap_week"]
    assert all(c.passed for c in d.checks)
    assert "0/2 this day" in d.reason
    assert d.as_fact()["checks"][0] == {
        "rule": "dnc",
        "passed": True,
        "detail": "not on the do-not-call list",
    }


@pytest.mark.parametrize(
    ("hh", "mm", "allowed"),
    [(7, 59, False), (8, 0, True), (20, 59, True), (21, 0, False), (23, 30, False), (2, 0, False)],
)
def test_quiet_hours_are_21_to_08_local(hh, mm, allowed):
    d = POLICY.decide("voice", at(2026, 11, 24, hh, mm))
    assert d.allowed is allowed
    if not allowed:
        assert d.rule == "quiet_hours"
        retry = datetime.fromtimestamp(d.retry_at, TZ)
        assert (retry.hour, retry.minute) == (8, 0)


def test_quiet_hours_follow_the_centers_zone_not_utc():
    # 21:30 in Shanghai is 13:30 UTC: a UTC-minded check would allow it.
    assert not POLICY.decide("sms", at(2026, 11, 24, 21, 30)).allowed
    urumqi = ContactPolicy.from_spec({"tz": "Asia/Urumqi"})  # UTC+6: 21:30 Beijing = 19:30 there
    assert urumqi.decide("sms", at(2026, 11, 24, 21, 30)).allowed


def test_quiet_hours_are_configurable_and_may_not_cross_midnight():
    lunch = ContactPolicy.from_spec({"quiet_hours": "12:00-14:00,20:00-09:00"})
    assert not lunch.decide("voice", at(2026, 11, 24, 12, 30)).allowed
    assert lunch.decide("voice", at(2026, 11, 24, 14, 0)).allowed
    assert not lunch.decide("voice", at(2026, 11, 24, 8, 30)).allowed


def test_national_day_is_a_holiday_with_no_calls_by_default_and_the_retry_is_after_it():
    oct3 = at(2026, 10, 3, 10)
    assert day_kind(date(2026, 10, 3)) is DayKind.HOLIDAY
    d = POLICY.decide("voice", oct3)
    assert not d.allowed and d.rule == "holiday"
    retry = datetime.fromtimestamp(d.retry_at, TZ).date()
    assert day_kind(retry) is not DayKind.HOLIDAY and retry > date(2026, 10, 3)
    assert all(
        day_kind(date(2026, 10, 3) + timedelta(n)) is DayKind.HOLIDAY
        for n in range((retry - date(2026, 10, 3)).days)
    )


def test_holiday_windows_are_configurable():
    short = ContactPolicy.from_spec({"holidays": "10:00-12:00"})
    assert short.decide("voice", at(2026, 10, 3, 11)).allowed
    assert short.decide("voice", at(2026, 10, 3, 15)).rule == "holiday"


def test_a_makeup_workday_is_worked_like_a_weekday():
    day = next(
        date(2026, 1, 1) + timedelta(n)
        for n in range(365)
        if day_kind(date(2026, 1, 1) + timedelta(n)) is DayKind.MAKEUP_WORKDAY
    )
    assert POLICY.decide("voice", at(day.year, day.month, day.day, 10)).allowed


def test_an_opt_out_refuses_every_channel_and_names_its_source():
    d = POLICY.decide("voice", TUESDAY, opt_outs=[OptOut("13812345678", source="chat")])
    assert not d.allowed and d.rule == "dnc" and d.retry_at is None
    assert "via chat" in d.reason


def test_a_channel_opt_out_refuses_only_that_channel():
    sms_only = [OptOut("13812345678", channel="sms", source="sms")]
    assert not POLICY.decide("sms", TUESDAY, opt_outs=sms_only).allowed
    assert POLICY.decide("voice", TUESDAY, opt_outs=sms_only).allowed


def test_dnc_wins_over_quiet_hours_but_both_are_reported():
    d = POLICY.decide("voice", at(2026, 11, 24, 23), opt_outs=[OptOut("x")])
    assert d.rule == "dnc"
    assert {c.rule: c.passed for c in d.checks} == {
        "dnc": False,
        "quiet_hours": False,
        "cap_day": True,
        "cap_week": True,
    }


def test_daily_cap_refuses_the_third_attempt_and_retries_next_morning():
    earlier = [Attempt(at(2026, 11, 24, 9), "voice"), Attempt(at(2026, 11, 24, 9, 30), "sms")]
    d = POLICY.decide("voice", TUESDAY, attempts=earlier)
    assert not d.allowed and d.rule == "cap_day"
    assert "2/2 this day" in d.reason
    assert datetime.fromtimestamp(d.retry_at, TZ) == datetime(2026, 11, 25, 8, 0, tzinfo=TZ)
    # yesterday's attempts do not count today
    assert POLICY.decide("voice", TUESDAY + 86400, attempts=earlier).allowed


def test_weekly_cap_counts_the_calendar_week_monday_to_sunday():
    week = [
        Attempt(at(2026, 11, 23, 10), "voice"),
        Attempt(at(2026, 11, 24, 10), "voice"),
        Attempt(at(2026, 11, 25, 10), "voice"),
    ]
    assert POLICY.decide("voice", at(2026, 11, 27, 10), attempts=week).rule == "cap_week"
    assert POLICY.decide("voice", at(2026, 11, 30, 10), attempts=week).allowed  # next Monday


def test_a_per_channel_cap_counts_only_that_channel():
    p = ContactPolicy.from_spec({"caps": {"sms": {"day": 1}}})
    sms = [Attempt(at(2026, 11, 24, 9), "sms")]
    assert p.decide("sms", TUESDAY, attempts=sms).rule == "cap_day_sms"
    assert p.decide("voice", TUESDAY, attempts=sms).allowed


def test_future_attempts_are_not_counted():
    later = [Attempt(TUESDAY + 60, "voice")] * 5
    assert POLICY.decide("voice", TUESDAY, attempts=later).allowed


@pytest.mark.parametrize(
    ("spec", "part"),
    [
        ({"quiet_hours": "9pm-8am"}, "quiet_hours"),
        ({"quiet_hours": "25:00-08:00"}, "quiet_hours"),
        ({"caps": {"day": -1}}, "caps.day"),
        ({"caps": {"fax": {"day": 1}}}, "caps.fax"),
        ({"caps": {"sms": {"month": 1}}}, "caps.sms.month"),
        ({"quiet": "21:00-08:00"}, "quiet"),
    ],
)
def test_a_bad_spec_names_the_field(spec, part):
    with pytest.raises(HoursSpecError) as err:
        ContactPolicy.from_spec(spec)
    assert err.value.part == part


def test_an_unknown_channel_is_refused_loudly():
    with pytest.raises(ValueError, match="channel"):
        POLICY.decide("fax", TUESDAY)


@pytest.mark.parametrize(
    "text", ["退订", "TD", "td", " T ", "退订。", "STOP", "unsubscribe", "拒收"]
)
def test_opt_out_keywords(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["我不想退订", "T恤尺码", "退订是什么意思？", "", None, "stop by"])
def test_messages_merely_containing_a_keyword_are_not_opt_outs(text):
    assert not is_opt_out(text)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("13812345678", "13812345678"),
        ("wechat:oABC", "wechat:oABC"),
        (" 02388888888 ", "02388888888"),
    ],
)
def test_identifiers_normalise_to_one_key(raw, key):
    assert normalise_identifier(raw) == key
