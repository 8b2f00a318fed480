"""Emergency plans in the center file, and the configuration a plan runs."""

from __future__ import annotations

import pytest

from hotline.config import ConfigError, config_from_dict, dump_config
from hotline.domain import OverflowRule
from hotline.services.federation_emergency import with_plan

PLAN = {
    "name": "typhoon",
    "banner": "台风应急",
    "queues": {"low": [{"after_s": 0.0, "target": "callback"}]},
    "federation_ewt_over_s": 10.0,
}
PEER = {
    "name": "B",
    "url": "http://b:8000",
    "username": "channel",
    "password": "p",
    "queues": {"low": "low"},
    "ewt_over_s": 90.0,
}


def center(*plans: dict) -> dict:
    return {
        "center": {"name": "A"},
        "queues": [{"id": "high", "overflow": [{"after_s": 60.0, "target": "low"}]}, {"id": "low"}],
        "federation": {"peers": [PEER]},
        "emergency": {"plans": list(plans)},
    }


def test_a_plan_replaces_only_the_named_queues_rules_and_moves_to_peers_earlier():
    cfg = config_from_dict(center(PLAN))
    assert config_from_dict(dump_config(cfg)) == cfg
    on = with_plan(cfg, cfg.emergency_plans[0])
    assert on.queue("low").overflow == (OverflowRule("callback", after_s=0.0),)
    assert on.queue("high").overflow == cfg.queue("high").overflow
    assert on.federation.peers[0].ewt_over_s == 10.0
    assert cfg.federation.peers[0].ewt_over_s == 90.0  # the base is untouched


@pytest.mark.parametrize(
    ("plans", "field", "words"),
    [
        ([PLAN | {"queues": {"lwo": []}}], "emergency.plans[0].queues.lwo", "did you mean 'low'"),
        (
            [PLAN | {"queues": {"low": [{"after_s": 0.0, "target": "nowhere"}]}}],
            "emergency.plans[0].queues.low[0].target",
            "unknown target",
        ),
        ([PLAN, PLAN], "emergency.plans[1].name", "duplicate plan"),
        ([PLAN | {"banner": " "}], "emergency.plans[0].banner", "empty"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(plans, field, words):
    with pytest.raises(ConfigError) as info:
        config_from_dict(center(*plans))
    assert info.value.field == field and words in info.value.message
