"""Emergency mode: one switch puts the center into a named plan from its config, and back.

Switching on stores a new configuration version with the plan applied (each named queue's
overflow rules replaced, peers taken earlier) and records `emergency.on` on the timeline;
switching off stores the version the plan started from again and records `emergency.off`.
The author of the newest version says whether a plan is on (`emergency on: <plan> (base vN)`),
so a restarted server knows without any extra table. An admin edit made during the plan is
undone by switching off (the base is what was running before the plan): said on purpose, as
a plan is short and the base is the configuration people reviewed.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from hotline.config import config_from_dict
from hotline.domain.federation import EmergencyPlan
from hotline.domain.models import CenterConfig
from hotline.domain.records import EventRecord
from hotline.runtime import CenterService

ON = re.compile(r"^emergency on: (?P<plan>\S+) \(base v(?P<base>\d+)\)(?: by (?P<by>.+))?")


class EmergencyError(Exception):
    """The switch was refused; the text says why (unknown plan, already on, not on)."""


def with_plan(config: CenterConfig, plan: EmergencyPlan) -> CenterConfig:
    """The configuration that runs while `plan` is on."""
    queues = tuple(
        dataclasses.replace(q, overflow=tuple(plan.queues[q.id])) if q.id in plan.queues else q
        for q in config.queues
    )
    fed = config.federation
    if plan.federation_ewt_over_s is not None:
        peers = tuple(
            dataclasses.replace(p, ewt_over_s=plan.federation_ewt_over_s) for p in fed.peers
        )
        fed = dataclasses.replace(fed, peers=peers)
    return dataclasses.replace(config, queues=queues, federation=fed)


class Emergency:
    def __init__(self, center: CenterService) -> None:
        self.center = center

    def status(self) -> dict[str, Any] | None:
        """The active plan (name, banner, since, who switched it on, base version), or None."""
        history = self.center.store.config_history(1)
        m = ON.match(history[0].author) if history else None
        if m is None:
            return None
        plan = self._plan(m["plan"])
        return {
            "plan": m["plan"],
            "banner": plan.banner if plan else m["plan"],
            "since": history[0].created_at,
            "by": m["by"],
            "base_version": int(m["base"]),
        }

    def plans(self) -> list[dict[str, Any]]:
        return [{"name": p.name, "banner": p.banner} for p in self._config().emergency_plans]

    def on(self, name: str, by: str) -> dict[str, Any]:
        active = self.status()
        if active is not None:
            raise EmergencyError(f"plan {active['plan']!r} is on; switch it off first")
        plan = self._plan(name)
        if plan is None:
            known = ", ".join(p.name for p in self._config().emergency_plans) or "none"
            raise EmergencyError(f"unknown plan {name!r} (configured: {known})")
        base = self.center.config_version
        author = f"emergency on: {name} (base v{base}) by {by}"
        self.center.reconfigure(with_plan(self._config(), plan), author)
        self._fact("emergency.on", {"plan": name, "banner": plan.banner, "by": by})
        return self.status() or {}

    def off(self, by: str) -> dict[str, Any]:
        active = self.status()
        if active is None:
            raise EmergencyError("no emergency plan is on")
        stored = self.center.store.config_version(active["base_version"])
        if stored is None:
            raise EmergencyError(f"base configuration v{active['base_version']} is missing")
        base = config_from_dict(stored.body, source=f"config v{stored.version}")
        self.center.reconfigure(base, f"emergency off: {active['plan']} by {by}")
        self._fact("emergency.off", {"plan": active["plan"], "by": by})
        return {"plan": None}

    def _config(self) -> CenterConfig:
        return self.center.router.config

    def _plan(self, name: str) -> EmergencyPlan | None:
        return next((p for p in self._config().emergency_plans if p.name == name), None)

    def _fact(self, kind: str, data: dict[str, Any]) -> None:
        self.center.annotate(EventRecord(at=self.center.clock(), kind=kind, data=data))
