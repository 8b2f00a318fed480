"""Turn a center file (YAML on disk, or a dict from the admin API) into a frozen `CenterConfig`.

Every way a file can be wrong ends in one exception, `ConfigError`, whose text names the file,
the field path and what to do, e.g. ``center.yaml: queues[2].skills.english: must be between 1
and 10``; only the first problem is reported. The admin API stores a center as the JSON that
`dump_config` produces and sends it back through `config_from_dict`, so dump -> load -> dump
is lossless (hours keep the spec the admin wrote).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from hotline.config.federation import (
    build_federation,
    build_plans,
    dump_federation,
    dump_plans,
    federation_problem,
    plans_problem,
)
from hotline.config.hints import bad_target as _bad_target
from hotline.config.hints import did_you_mean
from hotline.config.regions import build_regions, dump_regions, regions_problem
from hotline.config.schema import CenterFile, QueueSection, known_field_names
from hotline.domain.hours import BusinessHours, HoursSpecError
from hotline.domain.models import (
    AgentConfig,
    CenterConfig,
    OverflowRule,
    QueueConfig,
    RelaxStep,
    RoutingWeights,
    SkillRequirement,
)

DEMO_CONFIG_FILE = "demo_center.yaml"
ALWAYS_OPEN = "24x7"


class ConfigError(ValueError):
    """A center configuration was refused; `field` is a path like `queues[2].relax[0].after_s`.

    `field` is empty when the problem is the whole file, and `line` is set for YAML syntax
    errors (then `field` reads `line 4, column 9`).
    """

    def __init__(self, path: str, field: str, message: str, line: int | None = None) -> None:
        super().__init__(path, field, message, line)
        self.path = str(path)
        self.field = field
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return ": ".join(part for part in (self.path, self.field, self.message) if part)


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which plain YAML silently lets the last win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: let the base class report it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike[str]) -> CenterConfig:
    """Read and validate a YAML center file."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "", f"cannot read file: {exc}") from exc
    return config_from_yaml(text, source=source)


def config_from_yaml(text: str, source: str = "<yaml>") -> CenterConfig:
    """Validate YAML text; syntax errors carry the 1-based line and column."""
    try:
        data = yaml.load(
            text, Loader=UniqueKeyLoader
        )  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        where = f"line {line}, column {mark.column + 1}" if mark else ""
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise ConfigError(source, where, reason, line=line) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(source, "", f"invalid YAML: {exc}") from exc
    return config_from_dict(data, source=source)


def config_from_dict(data: Any, source: str = "<api>") -> CenterConfig:
    """Validate an already-parsed document (YAML or JSON) and build the frozen config."""
    if not isinstance(data, Mapping):
        raise ConfigError(source, "", "expected a mapping with 'center', 'queues' and 'agents'")
    try:
        model = CenterFile.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, source) from None
    _check_references(model, source)
    tz = model.center.timezone
    queues = tuple(_queue(q, i, tz, source) for i, q in enumerate(model.queues))
    agents = tuple(
        AgentConfig(
            id=a.id,
            name=a.name or a.id,
            skills=dict(a.skills),
            chat_capacity=a.chat_capacity,
            team=a.team,
        )
        for a in model.agents
    )
    c = model.center
    return CenterConfig(
        name=c.name,
        queues=queues,
        agents=agents,
        strategy=c.strategy,
        weights=RoutingWeights(priority_s=c.priority_weight_s),
        language_skills=dict(c.language_skills),
        callback_retry_s=c.callback_retry_s,
        callback_max_attempts=c.callback_max_attempts,
        callback_retry_gaps_s=tuple(c.callback_retry_gaps_s),
        callback_quiet_hours=c.callback_quiet_hours,
        timezone=tz,
        federation=build_federation(model.federation),
        emergency_plans=build_plans(model.emergency),
        alerts=tuple(a.model_dump() for a in model.alerts),
        regions=build_regions(model.regions),
        report_schedules=tuple((s.kind, s.at) for s in model.reports.schedules),
    )


def load_demo_config() -> CenterConfig:
    """The bundled demo center (Chongqing airport 966666), shipped as package data."""
    text = resources.files("hotline.config").joinpath(DEMO_CONFIG_FILE).read_text("utf-8")
    return config_from_yaml(text, source=DEMO_CONFIG_FILE)


def dump_config(config: CenterConfig) -> dict[str, Any]:
    """A plain JSON-able dict in the file's shape; `config_from_dict` of it gives `config` back.

    Every field is written out (defaults included), so the result is the canonical form: what
    an admin sees and edits is exactly what the router runs.
    """
    return {
        "center": {
            "name": config.name,
            "strategy": config.strategy.value,
            "priority_weight_s": config.weights.priority_s,
            "timezone": config.timezone,
            "callback_retry_s": config.callback_retry_s,
            "callback_max_attempts": config.callback_max_attempts,
            "callback_retry_gaps_s": list(config.callback_retry_gaps_s),
            "callback_quiet_hours": config.callback_quiet_hours,
            "language_skills": dict(config.language_skills),
        },
        "queues": [_dump_queue(q) for q in config.queues],
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "skills": dict(a.skills),
                "chat_capacity": a.chat_capacity,
                "team": a.team,
            }
            for a in config.agents
        ],
        "federation": dump_federation(config.federation),
        "emergency": dump_plans(config.emergency_plans),
        "alerts": [dict(a) for a in config.alerts],
        "regions": dump_regions(config.regions),
        "reports": {"schedules": [{"kind": k, "at": at} for k, at in config.report_schedules]},
    }


# -- internals -----------------------------------------------------------------------------------


def _dump_queue(q: QueueConfig) -> dict[str, Any]:
    overflow: list[dict[str, Any]] = []
    for rule in q.overflow:
        item: dict[str, Any] = {"target": rule.target}
        if rule.after_s is not None:
            item["after_s"] = rule.after_s
        if rule.ewt_over_s is not None:
            item["ewt_over_s"] = rule.ewt_over_s
        overflow.append(item)
    return {
        "id": q.id,
        "name": q.name,
        "skills": {req.skill: req.min_level for req in q.skills},
        "priority": q.priority,
        "service_level": {"threshold_s": q.sl_threshold_s, "target": q.sl_target},
        "hours": ALWAYS_OPEN if q.hours is None else q.hours.to_spec(),
        "overflow": overflow,
        "relax": [{"after_s": r.after_s, "min_level": r.min_level} for r in q.relax],
        "offer_timeout_s": q.offer_timeout_s,
        "wrap_up_s": q.wrap_up_s,
        "expected_aht_s": q.expected_aht_s,
        "callback_queue": q.callback_queue,
        "strategy": None if q.strategy is None else q.strategy.value,
        "chat_distribution": "pack" if q.chat_pack else "spread",
    }


def _queue(q: QueueSection, index: int, tz: str, source: str) -> QueueConfig:
    return QueueConfig(
        id=q.id,
        name=q.name or q.id,
        skills=tuple(SkillRequirement(skill, level) for skill, level in q.skills.items()),
        priority=q.priority,
        sl_threshold_s=q.service_level.threshold_s,
        sl_target=q.service_level.target,
        hours=_hours(q.hours, tz, f"queues[{index}].hours", source),
        overflow=tuple(
            OverflowRule(target=o.target, after_s=o.after_s, ewt_over_s=o.ewt_over_s)
            for o in q.overflow
        ),
        relax=tuple(RelaxStep(after_s=r.after_s, min_level=r.min_level) for r in q.relax),
        offer_timeout_s=q.offer_timeout_s,
        wrap_up_s=q.wrap_up_s,
        expected_aht_s=q.expected_aht_s,
        callback_queue=q.callback_queue,
        strategy=q.strategy,
        chat_pack=q.chat_distribution == "pack",
    )


def _hours(raw: Any, tz: str, field: str, source: str) -> BusinessHours | None:
    """None (the router's fast path) for `24x7` or no hours; else a parsed `BusinessHours`."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() == ALWAYS_OPEN):
        return None
    try:
        return BusinessHours.parse(raw, tz=tz)
    except HoursSpecError as exc:
        where = f"{field}.{exc.part}" if exc.part else field
        raise ConfigError(source, where, exc.reason) from None


def _check_references(model: CenterFile, source: str) -> None:
    """Rules that span entries: unique ids, targets that exist, relax steps in order."""
    first_queue: dict[str, int] = {}
    for i, q in enumerate(model.queues):
        if q.id in first_queue:
            msg = f"duplicate queue id {q.id!r} (also queues[{first_queue[q.id]}])"
            raise ConfigError(source, f"queues[{i}].id", msg)
        first_queue[q.id] = i
    first_agent: dict[str, int] = {}
    for i, a in enumerate(model.agents):
        if a.id in first_agent:
            msg = f"duplicate agent id {a.id!r} (also agents[{first_agent[a.id]}])"
            raise ConfigError(source, f"agents[{i}].id", msg)
        first_agent[a.id] = i
    for i, q in enumerate(model.queues):
        for k, rule in enumerate(q.overflow):
            problem = _bad_target(rule.target, q.id, first_queue)
            if problem:
                raise ConfigError(source, f"queues[{i}].overflow[{k}].target", problem)
        if q.callback_queue is not None and q.callback_queue not in first_queue:
            msg = f"unknown queue {q.callback_queue!r}{did_you_mean(q.callback_queue, first_queue)}"
            raise ConfigError(source, f"queues[{i}].callback_queue", msg)
        for k in range(1, len(q.relax)):
            prev, step = q.relax[k - 1], q.relax[k]
            if step.after_s <= prev.after_s:
                msg = f"relax steps must be sorted by after_s; {step.after_s:g} s follows "
                msg += f"{prev.after_s:g} s"
                raise ConfigError(source, f"queues[{i}].relax[{k}].after_s", msg)
            if step.min_level > prev.min_level:
                msg = f"a later step must not raise the level again ({step.min_level} after "
                msg += f"{prev.min_level})"
                raise ConfigError(source, f"queues[{i}].relax[{k}].min_level", msg)
    seen: dict[tuple[str, str], int] = {}
    for k, sched in enumerate(model.reports.schedules):
        if (key := (sched.kind, sched.at)) in seen:
            msg = f"duplicate schedule {sched.kind} at {sched.at} (also schedules[{seen[key]}])"
            raise ConfigError(source, f"reports.schedules[{k}]", msg)
        seen[key] = k
    problem = federation_problem(model.federation, model.center.name, first_queue, model.queues)
    problem = problem or plans_problem(model.emergency, first_queue)
    problem = problem or regions_problem(model.regions, first_queue)
    if problem:
        raise ConfigError(source, *problem)


def _from_validation(exc: ValidationError, source: str) -> ConfigError:
    """The first pydantic error as a ConfigError with a `queues[2].skills.english`-style path."""
    err = exc.errors(include_url=False)[0]
    path = ""
    for part in err["loc"]:
        if part == "[key]":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind = err["type"]
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        key = str(err["loc"][-1])
        message = f"unknown key{did_you_mean(key, known_field_names())}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
        if kind.endswith("_type") or kind == "enum":
            message += f" (got {err['input']!r})"
    return ConfigError(source, path, message)
