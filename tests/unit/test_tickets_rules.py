"""Escalation rules are data: each trigger fires its rules once per cause; errors name fields."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.tickets import (
    TicketsConfigError,
    created,
    default_body,
    default_config,
    parse_config,
)
from hotline.tickets.escalation import sla_triggers, subject
from hotline.tickets.order import apply
from hotline.tickets.rules import (
    Effect,
    RuleError,
    Subject,
    Trigger,
    evaluate,
    new_priority,
    parse_rules,
)

CFG = default_config()
TZ = ZoneInfo("Asia/Shanghai")


def t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def fired(trigger: Trigger, s: Subject) -> list[str]:
    return [f.rule for f in evaluate(CFG.rules, trigger, s)]


def test_a_vip_complaint_is_raised_and_the_supervisor_told_on_creation():
    vip = Subject("complaint", 1, frozenset({"vip"}))
    [f] = evaluate(CFG.rules, Trigger("created", "created"), vip)
    assert f.rule == "vip-complaint"
    assert f.effects == (Effect("raise_priority", 1), Effect("notify", "supervisor"))
    assert fired(Trigger("created", "created"), Subject("complaint", 1)) == []  # not VIP


def test_elderly_or_disabled_help_requests_go_to_the_front():
    s = Subject("help_request", 2, frozenset({"elderly"}))
    [f] = evaluate(CFG.rules, Trigger("created", "created"), s)
    assert f.rule == "special-assistance" and f.expedite


def test_sla_at_risk_fires_at_80_percent_and_breach_past_100_once_each():
    o = apply(None, created("o1", t("2026-11-23 09:00"), "a01", category="fault_report", title="x"))
    # fault reports: first action 30 min round the clock
    assert [x.kind for x in sla_triggers(o, CFG, t("2026-11-23 09:20"))] == ["sla_at_risk"] * 2
    assert fired(sla_triggers(o, CFG, t("2026-11-23 09:20"))[0], subject(o)) == []  # 67 %
    at_risk = sla_triggers(o, CFG, t("2026-11-23 09:25"))[0]  # 83 % of the first action
    assert at_risk.key == "first_action#0" and fired(at_risk, subject(o)) == ["sla-at-risk"]
    breached = [x for x in sla_triggers(o, CFG, t("2026-11-23 09:31")) if x.kind == "sla_breached"]
    assert [fired(x, subject(o)) for x in breached] == [["sla-breached"]]
    # once fired, the key is remembered on the order and the rule does not fire again
    done = Subject("fault_report", 1, fired=frozenset({"sla-at-risk:first_action#0"}))
    assert fired(at_risk, done) == []


def test_a_customer_calling_again_raises_priority_and_twice_calls_the_supervisor():
    s = Subject("lost_item", 0)
    assert fired(Trigger("repeat_contact", "repeat#1", count=1), s) == ["called-again"]
    assert fired(Trigger("repeat_contact", "repeat#2", count=2), s) == [
        "called-again",
        "called-again-twice",
    ]


def test_an_unhappy_rating_escalates():
    [f] = evaluate(CFG.rules, Trigger("unhappy_rating", "survey:c1"), Subject("complaint", 0))
    assert f.rule == "unhappy" and new_priority(0, [f]) == 1
    assert new_priority(10, [f]) == 10  # capped


def test_rules_are_configured_as_data_and_errors_name_the_field():
    body = default_body()
    body["rules"].append({"id": "x", "when": "sla_at_risk", "at": 0.5, "do": [{"notify": "team"}]})
    assert parse_config(body).rules[-1].at == 0.5
    with pytest.raises(RuleError) as bad:
        parse_rules([{"id": "a", "when": "sla_at_risk", "do": [{"shout": 1}]}])
    assert "rules[0].do[0]" in str(bad.value) and "unknown effect" in str(bad.value)
    body = default_body()
    body["rules"][0]["categories"] = ["parking"]
    with pytest.raises(TicketsConfigError, match=r"rules\[0\]\.categories"):
        parse_config(body)
    body = default_body()
    body["categories"]["complaint"]["resolution"] = "soon"
    with pytest.raises(TicketsConfigError, match=r"categories\.complaint\.resolution"):
        parse_config(body)
