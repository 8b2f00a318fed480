"""Center configuration files: what loads, what is refused and how, and lossless round trips."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from hotline.config import (
    ConfigError,
    config_from_dict,
    config_from_yaml,
    dump_config,
    load_config,
    load_demo_config,
)
from hotline.domain.enums import Strategy
from hotline.domain.hours import BusinessHours
from hotline.domain.models import (
    AgentConfig,
    CenterConfig,
    OverflowRule,
    QueueConfig,
    RelaxStep,
    RoutingWeights,
    SkillRequirement,
)

CENTER_YAML = """\
center: {name: 测试中心, strategy: longest_idle, priority_weight_s: 60, timezone: Asia/Shanghai,
         callback_retry_s: 300, callback_max_attempts: 3, language_skills: {en: english}}
queues:
  - id: general
    name: 综合咨询
    skills: {general: 1}
    priority: 0
    service_level: {threshold_s: 20, target: 0.98}
    hours: 24x7
    overflow: [{after_s: 60, target: english}, {ewt_over_s: 300, target: callback}]
    relax: [{after_s: 30, min_level: 3}]
    offer_timeout_s: 15
    wrap_up_s: 10
    expected_aht_s: 180
    callback_queue: null
    strategy: null
  - id: english
    name: 英语服务
    skills: {english: 6}
    hours: {mon-fri: "08:00-20:00", sat-sun: "09:00-17:00", holidays: closed,
            overrides: {2027-02-06: "09:00-12:00"}}
    overflow: [{after_s: 45, target: general}, {after_s: 600, target: "center:chengdu"}]
    callback_queue: general
    strategy: highest_proficiency
agents:
  - {id: a01, name: 王静, skills: {general: 8, english: 6}, chat_capacity: 3}
  - {id: a02, name: 李娜, skills: {general: 5}}
"""


def write(tmp_path: Path, text: str, name: str = "center.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def center_file(tmp_path: Path) -> Path:
    return write(tmp_path, CENTER_YAML)


@pytest.fixture
def canonical(center_file: Path) -> dict[str, Any]:
    """The fixture center in the canonical (fully spelled-out) dict form."""
    return dump_config(load_config(center_file))


class TestLoading:
    def test_file_becomes_frozen_domain_values(self, center_file: Path) -> None:
        cfg = load_config(center_file)
        assert cfg.name == "测试中心"
        assert cfg.strategy is Strategy.LONGEST_IDLE
        assert cfg.weights == RoutingWeights(priority_s=60.0)
        assert cfg.language_skills == {"en": "english"}
        general = cfg.queue("general")
        assert general.skills == (SkillRequirement("general", 1),)
        assert general.sl_threshold_s == 20.0
        assert general.sl_target == 0.98
        assert general.overflow == (
            OverflowRule(target="english", after_s=60.0),
            OverflowRule(target="callback", ewt_over_s=300.0),
        )
        assert general.relax == (RelaxStep(after_s=30.0, min_level=3),)
        assert cfg.agents[0] == AgentConfig("a01", "王静", {"general": 8, "english": 6}, 3)

    def test_24x7_hours_mean_none_the_routers_fast_path(self, center_file: Path) -> None:
        assert load_config(center_file).queue("general").hours is None

    def test_hours_mapping_is_parsed_in_the_center_timezone(self, center_file: Path) -> None:
        hours = load_config(center_file).queue("english").hours
        assert isinstance(hours, BusinessHours)
        assert hours.tz == "Asia/Shanghai"
        assert hours == BusinessHours.parse(
            {"mon-fri": "08:00-20:00", "sat-sun": "09:00-17:00", "holidays": "closed",
             "overrides": {"2027-02-06": "09:00-12:00"}}
        )  # fmt: skip

    def test_omitted_keys_take_the_domain_defaults(self) -> None:
        cfg = config_from_dict({"center": {"name": "c"}, "queues": [{"id": "q"}]})
        assert cfg.queues == (QueueConfig(id="q", name="q"),)
        assert cfg.agents == ()
        assert cfg.timezone == "Asia/Shanghai"
        assert cfg.callback_max_attempts == 3

    def test_agent_name_defaults_to_id(self) -> None:
        cfg = config_from_dict(
            {"center": {"name": "c"}, "queues": [{"id": "q"}], "agents": [{"id": "a1"}]}
        )
        assert cfg.agents == (AgentConfig(id="a1", name="a1"),)

    def test_config_from_yaml_reads_text(self) -> None:
        assert config_from_yaml(CENTER_YAML).name == "测试中心"


def mutate(fn: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Wrap an in-place edit so the parametrised table below stays readable."""

    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(doc)
        fn(doc)
        return doc

    return apply


def q(doc: dict[str, Any], i: int) -> dict[str, Any]:
    return doc["queues"][i]


BROKEN = [
    (
        mutate(lambda d: q(d, 0)["skills"].update(general=11)),
        "queues[0].skills.general: must be between 1 and 10",
    ),
    (
        mutate(lambda d: d["agents"][1]["skills"].update(general=0)),
        "agents[1].skills.general: must be between 1 and 10",
    ),
    (
        mutate(lambda d: q(d, 1)["relax"].append({"after_s": 30, "min_level": 12})),
        "queues[1].relax[0].min_level: must be between 1 and 10",
    ),
    (
        mutate(lambda d: q(d, 0)["skills"].update(general="5")),
        "queues[0].skills.general: input should be a valid integer (got '5')",
    ),
    (
        mutate(lambda d: q(d, 1).update(id="general")),
        "queues[1].id: duplicate queue id 'general' (also queues[0])",
    ),
    (
        mutate(lambda d: d["agents"][1].update(id="a01")),
        "agents[1].id: duplicate agent id 'a01' (also agents[0])",
    ),
    (
        mutate(lambda d: q(d, 0)["service_level"].update(target=0)),
        "queues[0].service_level.target: must be in (0, 1], e.g. 0.8 for 80 %",
    ),
    (
        mutate(lambda d: q(d, 0)["service_level"].update(target=1.5)),
        "queues[0].service_level.target: must be in (0, 1], e.g. 0.8 for 80 %",
    ),
    (
        mutate(lambda d: q(d, 0)["overflow"][0].update(target="englsh")),
        "queues[0].overflow[0].target: unknown target 'englsh' (did you mean 'english'?); "
        "expected a queue id, 'callback' or 'center:<name>'",
    ),
    (
        mutate(lambda d: q(d, 0)["overflow"][0].update(target="general")),
        "queues[0].overflow[0].target: a queue cannot overflow to itself",
    ),
    (
        mutate(lambda d: q(d, 1)["overflow"][1].update(target="center:")),
        "queues[1].overflow[1].target: 'center:' needs a center name",
    ),
    (
        mutate(lambda d: q(d, 0)["overflow"].append({"target": "callback"})),
        "queues[0].overflow[2]: an overflow rule needs after_s or ewt_over_s",
    ),
    (
        mutate(lambda d: q(d, 1).update(callback_queue="genral")),
        "queues[1].callback_queue: unknown queue 'genral' (did you mean 'general'?)",
    ),
    (
        mutate(lambda d: q(d, 0)["relax"].append({"after_s": 10, "min_level": 1})),
        "queues[0].relax[1].after_s: relax steps must be sorted by after_s; 10 s follows 30 s",
    ),
    (
        mutate(lambda d: q(d, 0)["relax"].append({"after_s": 60, "min_level": 5})),
        "queues[0].relax[1].min_level: a later step must not raise the level again (5 after 3)",
    ),
    (
        mutate(lambda d: d["center"].update(strategy="fastest")),
        "center.strategy: input should be 'longest_idle', 'highest_proficiency', "
        "'least_occupied' or 'round_robin' (got 'fastest')",
    ),
    (
        mutate(lambda d: q(d, 1).update(strategy="random")),
        "queues[1].strategy: input should be 'longest_idle', 'highest_proficiency', "
        "'least_occupied' or 'round_robin' (got 'random')",
    ),
    (
        mutate(lambda d: q(d, 1)["hours"].update({"mon-fri": "08:00-25:00"})),
        "queues[1].hours.mon-fri: bad time '25:00': must lie between 00:00 and 24:00",
    ),
    (
        mutate(lambda d: q(d, 0).update(hours="nights")),
        "queues[0].hours: expected '24x7' or a mapping of days to hours, got 'nights'",
    ),
    (
        mutate(lambda d: q(d, 0).update(offer_timout_s=15)),
        "queues[0].offer_timout_s: unknown key (did you mean 'offer_timeout_s'?)",
    ),
    (
        mutate(lambda d: d["center"].pop("name")),
        "center.name: is required",
    ),
    (
        mutate(lambda d: d.update(queues=[])),
        "queues: list should have at least 1 item after validation, not 0",
    ),
    (
        mutate(lambda d: d["center"].update(timezone="Asia/Shangai")),
        "center.timezone: unknown time zone 'Asia/Shangai' (expected e.g. 'Asia/Shanghai')",
    ),
    (
        mutate(lambda d: q(d, 0).update(id="综合 咨询")),
        "queues[0].id: queue id '综合 咨询' must be 1-64 letters, digits, '_', '.' or '-' "
        "(no spaces or ':')",
    ),
    (
        mutate(lambda d: q(d, 0).update(id="callback")),
        "queues[0].id: 'callback' is reserved as an overflow target",
    ),
    (
        mutate(lambda d: q(d, 0).update(wrap_up_s=-1)),
        "queues[0].wrap_up_s: must be 0 or more",
    ),
    (
        mutate(lambda d: q(d, 0).update(expected_aht_s=0)),
        "queues[0].expected_aht_s: must be greater than 0",
    ),
    (
        mutate(lambda d: q(d, 0).update(offer_timeout_s=float("nan"))),
        "queues[0].offer_timeout_s: input should be a finite number",
    ),
    (
        mutate(lambda d: d["agents"][0].update(chat_capacity=True)),
        "agents[0].chat_capacity: input should be a valid integer (got True)",
    ),
]


class TestRefusal:
    """A broken center is refused with one exception whose text says where and why."""

    @pytest.mark.parametrize(("edit", "expected"), BROKEN, ids=[e for _, e in BROKEN])
    def test_broken_center_is_refused_with_field_path(
        self,
        canonical: dict[str, Any],
        edit: Callable[[dict[str, Any]], dict[str, Any]],
        expected: str,
    ) -> None:
        with pytest.raises(ConfigError) as info:
            config_from_dict(edit(canonical), source="center.yaml")
        assert str(info.value) == f"center.yaml: {expected}"

    def test_error_carries_its_parts_and_is_a_value_error(self, canonical: dict[str, Any]) -> None:
        canonical["queues"][0]["skills"]["general"] = 11
        with pytest.raises(ValueError) as info:
            config_from_dict(canonical)
        err = info.value
        assert isinstance(err, ConfigError)
        assert (err.path, err.field) == ("<api>", "queues[0].skills.general")
        assert err.message == "must be between 1 and 10"
        again = pickle.loads(pickle.dumps(err))
        assert str(again) == str(err)

    def test_yaml_syntax_error_names_the_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, "center:\n  name: x\nqueues:\n  - id: q\n    name: [unclosed\n")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert info.value.line is not None
        assert info.value.line >= 5
        assert str(info.value).startswith(f"{path}: line {info.value.line}, column ")

    def test_yaml_duplicate_key_is_refused_with_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, "center: {name: x}\nqueues:\n  - id: q\n    id: r\n")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert info.value.line == 4
        assert "duplicate key 'id'" in str(info.value)

    def test_missing_file_is_a_config_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="cannot read file"):
            load_config(tmp_path / "nope.yaml")

    @pytest.mark.parametrize("text", ["", "- just\n- a list\n", "hello\n"])
    def test_document_must_be_a_mapping(self, tmp_path: Path, text: str) -> None:
        with pytest.raises(ConfigError, match="expected a mapping"):
            load_config(write(tmp_path, text))


class TestRoundTrip:
    """The admin API stores `dump_config` output as JSON; editing it must lose nothing."""

    def test_canonical_dict_survives_load_and_dump_unchanged(
        self, canonical: dict[str, Any]
    ) -> None:
        cfg = config_from_dict(canonical)
        assert dump_config(cfg) == canonical
        assert config_from_dict(dump_config(cfg)) == cfg

    def test_dump_is_json_and_comes_back_equal(self, center_file: Path) -> None:
        cfg = load_config(center_file)
        via_json = json.loads(json.dumps(dump_config(cfg), ensure_ascii=False))
        assert config_from_dict(via_json) == cfg
        assert dump_config(config_from_dict(via_json)) == via_json

    def test_hours_dump_as_the_admin_wrote_them(self, canonical: dict[str, Any]) -> None:
        assert canonical["queues"][0]["hours"] == "24x7"
        assert canonical["queues"][1]["hours"] == {
            "mon-fri": "08:00-20:00",
            "sat-sun": "09:00-17:00",
            "holidays": "closed",
            "overrides": {"2027-02-06": "09:00-12:00"},  # YAML date key written back as text
        }

    def test_dump_spells_out_defaults(self, canonical: dict[str, Any]) -> None:
        english = canonical["queues"][1]
        assert english["priority"] == 0
        assert english["relax"] == []
        assert english["service_level"] == {"threshold_s": 20.0, "target": 0.8}
        assert canonical["agents"][1]["chat_capacity"] == 3

    def test_dump_is_a_copy_not_a_view(self, center_file: Path) -> None:
        cfg = load_config(center_file)
        dumped = dump_config(cfg)
        dumped["queues"][1]["hours"]["mon-fri"] = "closed"
        dumped["agents"][0]["skills"]["general"] = 1
        assert dump_config(cfg)["queues"][1]["hours"]["mon-fri"] == "08:00-20:00"
        assert cfg.agents[0].skills["general"] == 8


@pytest.fixture(scope="module")
def demo() -> CenterConfig:
    return load_demo_config()


class TestDemoCenter:
    """The shipped demo: Chongqing airport's 966666 hotline."""

    def test_is_shipped_as_package_data(self) -> None:
        assert resources.files("hotline.config").joinpath("demo_center.yaml").is_file()

    def test_has_eight_seats_and_a_24_hour_line(self, demo: CenterConfig) -> None:
        assert len(demo.agents) == 8
        assert all(queue.hours is None for queue in demo.queues)
        assert demo.timezone == "Asia/Shanghai"

    def test_has_the_services_named_in_the_seed(self, demo: CenterConfig) -> None:
        ids = {queue.id for queue in demo.queues}
        assert {"general", "english", "complaints", "special_assistance", "chat"} <= ids
        assert demo.queue("english").skills[0].skill == "english"
        assert demo.queue("complaints").skills[0].skill == "complaints"
        assert demo.queue("special_assistance").skills[0].skill == "special_assistance"
        assert demo.language_skills == {"en": "english"}

    def test_priorities_put_special_assistance_first(self, demo: CenterConfig) -> None:
        prio = {queue.id: queue.priority for queue in demo.queues}
        assert prio["special_assistance"] > prio["complaints"] > prio["general"]
        assert prio["special_assistance"] == max(prio.values())

    def test_english_relaxes_by_45_s_then_overflows_to_general(self, demo: CenterConfig) -> None:
        english = demo.queue("english")
        assert any(step.after_s <= 45 for step in english.relax)
        assert any(rule.target == "general" for rule in english.overflow)

    def test_chat_is_served_by_the_same_agents(self, demo: CenterConfig) -> None:
        chat = demo.queue("chat")
        assert all(a.chat_capacity >= 1 for a in demo.agents)
        assert all(
            a.skills.get(r.skill, 0) >= r.min_level for a in demo.agents for r in chat.skills
        )

    def test_every_queue_has_a_qualified_agent(self, demo: CenterConfig) -> None:
        for queue in demo.queues:
            qualified = [
                a for a in demo.agents
                if all(a.skills.get(r.skill, 0) >= r.min_level for r in queue.skills)
            ]  # fmt: skip
            assert qualified, queue.id

    def test_round_trips_losslessly(self, demo: CenterConfig) -> None:
        dumped = dump_config(demo)
        assert config_from_dict(json.loads(json.dumps(dumped))) == demo
