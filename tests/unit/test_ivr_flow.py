"""IVR flow validation: bad flows are refused before a call reaches them, naming the node."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.ivr import FlowError, parse_flow

DEMO = Path(__file__).parents[2] / "src/hotline/channels/sip/demo_ivr.yaml"


def flow(nodes: dict, prompts: dict | None = None, **extra):
    data = {
        "start": "menu",
        "prompts": prompts if prompts is not None else {"p": "hello", "bye": "bye"},
        "nodes": nodes,
        **extra,
    }
    return parse_flow(data, source="test.yaml")


def problems(nodes: dict, prompts: dict | None = None, **extra) -> list[str]:
    with pytest.raises(FlowError) as info:
        flow(nodes, prompts, **extra)
    assert str(info.value).startswith("test.yaml: ")
    return info.value.problems


MENU = {"type": "menu", "prompts": ["p"], "options": {"1": "bye"}}
BYE = {"type": "hangup", "prompts": ["bye"]}


def test_the_demo_flow_is_valid_and_one_level_with_six_items():
    f = parse_flow(yaml.safe_load(DEMO.read_text()), source=str(DEMO))
    menu = f.nodes["menu"]
    items = {d for d in menu.options if d not in ("8", "9")}
    assert items == {"1", "2", "3", "4", "5", "0"}
    # the fixed answers come first and count as self-service
    assert all(f.nodes[menu.options[d]].contained for d in "123")
    assert f.survey == "survey"


def test_a_minimal_flow_parses():
    f = flow({"menu": MENU, "bye": BYE})
    assert f.nodes["menu"].options == {"1": "bye"}


def test_unknown_target_is_named():
    assert "node 'menu': leads to unknown node 'nowhere'" in problems(
        {"menu": {**MENU, "options": {"1": "nowhere"}}}
    )


def test_unreachable_node_is_named():
    found = problems({"menu": MENU, "bye": BYE, "orphan": BYE})
    assert found == ["node 'orphan': unreachable from menu"]


def test_missing_prompt_is_named_with_its_node():
    found = problems({"menu": {**MENU, "prompts": ["nope"]}, "bye": BYE})
    assert found == ["node 'menu': prompt 'nope' is not defined under prompts"]


def test_prompt_file_checked_through_the_callback():
    prompts = {"p": {"file": "missing.wav"}, "bye": "bye"}
    with pytest.raises(FlowError) as info:
        parse_flow(
            {"start": "menu", "prompts": prompts, "nodes": {"menu": MENU, "bye": BYE}},
            prompt_exists=lambda spec: spec.file is None,
        )
    assert info.value.problems == ["node 'menu': prompt 'p' file not found: missing.wav"]


def test_node_that_plays_nothing_is_refused():
    assert "node 'menu': no prompt to play" in problems(
        {"menu": {**MENU, "prompts": []}, "bye": BYE}
    )


def test_loop_with_no_exit_is_refused_naming_the_loop():
    found = problems(
        {
            "menu": {"type": "play", "prompts": ["p"], "next": "a"},
            "a": {"type": "play", "prompts": ["p"], "next": "b"},
            "b": {"type": "play", "prompts": ["p"], "next": "a"},
        }
    )
    assert found == ["node 'menu': loop with no exit (a -> b -> a)"]


def test_menu_loop_is_fine_because_retries_run_out():
    # menu <-> info: the caller can always leave by not pressing (on_fail = hang up).
    flow(
        {
            "menu": {**MENU, "options": {"1": "info"}},
            "info": {"type": "play", "prompts": ["p"], "next": "menu"},
        }
    )


def test_menu_whose_failure_loops_back_has_no_exit():
    found = problems(
        {
            "menu": {**MENU, "options": {"1": "other"}, "on_fail": "other"},
            "other": {**MENU, "options": {"1": "menu"}, "on_fail": "menu"},
        }
    )
    assert found == ["node 'menu': loop with no exit (menu -> other -> menu)"]


def test_hours_loop_without_waiting_is_refused():
    found = problems(
        {
            "menu": {"type": "hours", "hours": "24x7", "open": "h2", "closed": "bye"},
            "h2": {"type": "hours", "hours": "24x7", "open": "menu", "closed": "bye"},
            "bye": BYE,
        }
    )
    assert found == ["node 'menu': hours checks loop without waiting (menu -> h2 -> menu)"]


def test_bad_fields_are_named():
    found = problems(
        {
            "menu": {**MENU, "options": {"x": "bye", "1": "q"}, "colour": "red"},
            "q": {"type": "queue"},
            "bye": {"type": "teleport"},
        }
    )
    assert "node 'menu': option 'x' is not a key (0-9, *, #)" in found
    assert "node 'menu': unknown field(s) ['colour']" in found
    assert "node 'q': which queue? (queue is missing)" in found
    assert any(p.startswith("node 'bye': type must be one of") for p in found)


def test_bad_hours_spec_names_the_node():
    found = problems(
        {
            "menu": {
                "type": "hours",
                "hours": {"mon": "25:00-26:00"},
                "open": "bye",
                "closed": "bye",
            },
            "bye": BYE,
        }
    )
    assert any(p.startswith("node 'menu': hours mon") for p in found), found


def test_waiting_prompts_must_exist():
    found = problems(
        {"menu": MENU, "bye": BYE}, waiting={"music": "moh", "announce_ewt": True, "ewt_max_min": 2}
    )
    assert found == [
        "waiting: prompt 'moh' is not defined under prompts",
        "waiting: prompt 'ewt_1' is not defined under prompts",
        "waiting: prompt 'ewt_2' is not defined under prompts",
        "waiting: prompt 'ewt_long' is not defined under prompts",
    ]


def test_survey_entry_counts_as_reachable():
    nodes = {
        "menu": MENU,
        "bye": BYE,
        "rate": {"type": "survey", "prompts": ["p"], "valid": "12345"},
    }
    assert flow(nodes, survey="rate").survey == "rate"
    assert problems(nodes) == ["node 'rate': unreachable from menu"]


def test_prompt_needs_exactly_one_source():
    found = problems(
        {"menu": MENU, "bye": BYE}, prompts={"p": {"text": "a", "file": "b"}, "bye": "x"}
    )
    assert "prompt 'p': give exactly one of text, file or notes" in found


def test_a_recording_notice_names_a_defined_prompt():
    prompts = {"p": "hello", "bye": "bye", "rec": "本次通话将被录音。"}
    assert flow({"menu": MENU, "bye": BYE}, prompts, notice="rec").notice == "rec"
    assert flow({"menu": MENU, "bye": BYE}).notice is None
    found = problems({"menu": MENU, "bye": BYE}, notice="nowhere")
    assert found == ["notice: prompt 'nowhere' is not defined under prompts"]
