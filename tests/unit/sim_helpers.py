"""Small scenarios for the simulator specifications, built as dicts (no files needed)."""

from __future__ import annotations

import copy
from typing import Any

from hotline.sim import Scenario, scenario_from_dict


def single_queue(
    agents: int,
    per_day: float,
    handle: dict[str, Any],
    patience: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One queue, one skill, `agents` agents logged in all day, flat arrivals: Erlang's world.

    No wrap-up, no ring time, offers never time out, short abandons not set apart — so what the
    router sees is exactly M/M/N (+M with `patience`).
    """
    doc: dict[str, Any] = {
        "name": "single",
        "center": {
            "center": {"name": "t"},
            "queues": [{"id": "q", "skills": {"s": 1}, "wrap_up_s": 0, "offer_timeout_s": 600}],
        },
        "kpi": {"sl_threshold_s": 20, "short_abandon_s": 0},
        "agent_behaviour": {"accept_delay": {"dist": "fixed", "value_s": 0}},
        "drain_hours": 2,
        "flows": [{"name": "f", "queue": "q", "volume_per_day": per_day, "handle": handle}],
        "staffing": [
            {
                "name": "all",
                "count": agents,
                "skills": {"s": 5},
                "chat_capacity": 0,
                "start": "00:00",
                "end": "24:00",
            }
        ],
    }
    if patience is not None:
        doc["flows"][0]["patience"] = patience
    doc.update(extra)
    return doc


DEMO_DAY: dict[str, Any] = {
    "name": "demo day",
    "center": "demo",
    "seed": 7,
    "flows": [
        {
            "name": "calls",
            "queue": {"voice": "general", "chat": "chat"},
            "volume_per_day": 500,
            "channel_mix": {"voice": 0.85, "chat": 0.15},
            "handle": {
                "voice": {"dist": "lognormal", "mean_s": 150, "cv": 0.7},
                "chat": {"dist": "lognormal", "mean_s": 480, "cv": 0.5},
            },
            "patience": {"dist": "exponential", "mean_s": 120},
            "retrial": {"share": 0.5, "delay": {"dist": "exponential", "mean_s": 300}},
            "ivr": {"containment": 0.2, "menu": {"dist": "fixed", "value_s": 10}},
            "callback": {"share": 1.0, "reach_probability": 0.7},
        }
    ],
    "staffing": [
        {
            "name": "night",
            "agents": ["a01"],
            "start": "22:00",
            "end": "06:00",
            "breaks": [{"after_min": 240, "minutes": 30, "reason": "meal"}],
        },
        {
            "name": "early",
            "agents": ["a02", "a03", "a04"],
            "start": "06:00",
            "end": "14:00",
            "stagger_min": 30,
            "breaks": [{"after_min": 120, "minutes": 15}, {"after_min": 240, "minutes": 30}],
        },
        {
            "name": "late",
            "agents": ["a05", "a06", "a07"],
            "start": "14:00",
            "end": "22:00",
            "stagger_min": 30,
            "breaks": [{"after_min": 180, "minutes": 20}],
        },
    ],
}


def demo_day(**changes: Any) -> Scenario:
    doc = copy.deepcopy(DEMO_DAY)
    doc.update(changes)
    return scenario_from_dict(doc)
