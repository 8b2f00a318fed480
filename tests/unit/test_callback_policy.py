"""The callback retry policy: tries, gaps, quiet hours - in the pure module and in the router."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.config.loader import config_from_dict, dump_config
from hotline.domain import AgentConfig, CenterConfig, QueueConfig
from hotline.routing import Router
from hotline.routing import events as ev
from hotline.routing.callback_policy import CallbackPolicy, parse_quiet_hours

SH = ZoneInfo("Asia/Shanghai")


def at(hh: int, mm: int = 0, day: int = 4) -> float:
    return datetime(2026, 12, day, hh, mm, tzinfo=SH).timestamp()


def test_quiet_hours_spec() -> None:
    assert parse_quiet_hours("21:00-08:00") == (1260, 480)
    assert parse_quiet_hours("12:30-13:30") == (750, 810)
    for bad in ("21-8", "25:00-08:00", "08:00-08:00", ""):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_gaps_are_taken_in_turn_and_the_last_repeats_until_no_try_is_left() -> None:
    p = CallbackPolicy(max_attempts=4, gaps_s=(600, 1800))
    assert p.retry_at(1, 1000) == 1600
    assert p.retry_at(2, 1000) == 2800
    assert p.retry_at(3, 1000) == 2800
    assert p.retry_at(4, 1000) is None


def test_no_dial_inside_quiet_hours_across_midnight() -> None:
    p = CallbackPolicy(max_attempts=3, gaps_s=(1800,), quiet=(1260, 480), tz="Asia/Shanghai")
    assert p.outside_quiet(at(20, 59)) == at(20, 59)
    assert p.outside_quiet(at(21, 0)) == at(8, 0, day=5)  # evening: the next morning
    assert p.outside_quiet(at(3, 15)) == at(8, 0)  # small hours: this morning
    assert p.outside_quiet(at(8, 0)) == at(8, 0)
    assert p.retry_at(1, at(20, 45)) == at(8, 0, day=5)  # 21:15 is quiet


def _router(**center) -> Router:
    return Router(
        CenterConfig(
            name="t",
            queues=(QueueConfig(id="general", name="general", wrap_up_s=0),),
            agents=(AgentConfig(id="a1", name="a1"),),
            **center,
        )
    )


def test_the_router_follows_the_policy_and_records_each_result() -> None:
    r = _router(
        callback_max_attempts=3,
        callback_retry_gaps_s=(600, 1800),
        callback_quiet_hours="21:00-08:00",
        timezone="Asia/Shanghai",
    )
    t = at(19, 0)
    log = r.handle(ev.ContactArrived("c1", "general", customer="138"), t)
    log += r.handle(ev.CustomerLeft("c1"), t + 30)  # the callback task, due at once
    log += r.handle(ev.AgentLogin("a1"), t + 40)
    log += r.handle(ev.OfferAccepted("a1", "c1-cb"), t + 41)
    log += r.handle(ev.ContactCompleted("a1", "c1-cb", reached=False, result="no_answer"), t + 70)
    assert r.contact("c1-cb").due_at == t + 70 + 600  # try 2: 10 minutes later
    log += r.tick(t + 670)
    log += r.handle(ev.OfferAccepted("a1", "c1-cb"), t + 671)
    t2 = at(20, 45)
    log += r.handle(ev.ContactCompleted("a1", "c1-cb", reached=False, result="busy"), t2)
    assert r.contact("c1-cb").due_at == at(8, 0, day=5)  # 21:15 is quiet: next morning
    log += r.tick(at(8, 0, day=5))
    log += r.handle(ev.OfferAccepted("a1", "c1-cb"), at(8, 0, day=5) + 5)
    done = at(8, 1, day=5)
    log += r.handle(ev.ContactCompleted("a1", "c1-cb", reached=False, result="short"), done)
    attempts = [e.data for e in log if e.kind == "contact.callback_attempt"]
    assert [(a["attempt"], a["result"]) for a in attempts] == [
        (1, "no_answer"),
        (2, "busy"),
        (3, "short"),
    ]
    ended = next(e for e in log if e.kind == "contact.ended" and e.contact_id == "c1-cb")
    assert ended.data["outcome"] == "callback_failed"


def test_a_callback_made_in_quiet_hours_is_due_when_they_end() -> None:
    r = _router(callback_quiet_hours="21:00-08:00", timezone="Asia/Shanghai")
    r.handle(ev.ContactArrived("c1", "general", customer="138"), at(23, 0))
    r.handle(ev.CustomerLeft("c1"), at(23, 1))
    assert r.contact("c1-cb").due_at == at(8, 0, day=5)


def test_the_policy_round_trips_through_the_config_file_and_is_validated() -> None:
    base = dump_config(_router().config)
    base["center"]["callback_retry_gaps_s"] = [600, 1800]
    base["center"]["callback_quiet_hours"] = "21:00-08:00"
    cfg = config_from_dict(base, source="t")
    assert (cfg.callback_retry_gaps_s, cfg.callback_quiet_hours) == ((600, 1800), "21:00-08:00")
    assert dump_config(cfg)["center"]["callback_retry_gaps_s"] == [600, 1800]
    base["center"]["callback_quiet_hours"] = "9pm-8am"
    with pytest.raises(Exception, match="callback_quiet_hours"):
        config_from_dict(base, source="t")
