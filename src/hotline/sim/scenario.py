"""Load a scenario file into a `Scenario`: validated traffic and staff plus the center it runs on.

Every way a file can be wrong ends in one exception, `ScenarioError`, whose text names the file,
the field path and what to do, e.g. ``12306.yaml: flows[1].queue: unknown queue 'genral' (did
you mean 'general'?)``. The file shape is documented in `hotline.sim.schema`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError

from hotline.config import ConfigError, config_from_dict, load_config, load_demo_config
from hotline.config.loader import UniqueKeyLoader, did_you_mean
from hotline.domain.models import AgentConfig, CenterConfig
from hotline.kpi import KpiOptions
from hotline.sim.schema import ALL, ScenarioFile, clock_s, known_field_names

DAY_S = 86_400.0
_DIST_TAGS = {"exponential", "lognormal", "uniform", "fixed", "empirical"}
_SKILL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ScenarioError(ValueError):
    """A scenario was refused; `field` is a path like `flows[0].handle.mean_s`."""

    def __init__(self, path: str, field: str, message: str) -> None:
        super().__init__(path, field, message)
        self.path, self.field, self.message = str(path), field, message

    def __str__(self) -> str:
        return ": ".join(part for part in (self.path, self.field, self.message) if part)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and the center it runs on (its own agents plus generated ones)."""

    source: str
    spec: ScenarioFile
    center: CenterConfig
    hours: float | None = None  # run only the first `hours` of the scenario (a slice)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.center.timezone)

    @property
    def interval_s(self) -> float:
        return self.spec.interval_min * 60.0

    @property
    def days(self) -> int:
        return self.spec.days

    def day_start(self, day: int) -> float:
        """Epoch seconds of local midnight opening scenario day `day` (0-based)."""
        date = self.spec.start_date + dt.timedelta(days=day)
        return dt.datetime.combine(date, dt.time(0), self.tz).timestamp()

    @property
    def start(self) -> float:
        return self.day_start(0)

    @property
    def end(self) -> float:
        end = self.day_start(self.spec.days)
        return end if self.hours is None else min(end, self.start + self.hours * 3600.0)

    @property
    def kpi_options(self) -> KpiOptions:
        k = self.spec.kpi
        return KpiOptions(
            sl_threshold_s=k.sl_threshold_s,
            short_abandon_s=k.short_abandon_s,
            sl_formula=k.sl_formula,
        )

    def with_options(
        self,
        days: int | None = None,
        seed: int | None = None,
        interval_min: int | None = None,
        hours: float | None = None,
    ) -> Scenario:
        """The same scenario run for other days / seed / KPI interval / a first-hours slice."""
        update: dict[str, Any] = {}
        if hours is not None and hours <= 0:
            raise ScenarioError(self.source, "hours", "must be greater than 0")
        if days is not None:
            if days < 1:
                raise ScenarioError(self.source, "days", "must be at least 1")
            update["days"] = days
        if seed is not None:
            update["seed"] = seed
        if interval_min is not None:
            if interval_min not in (15, 30):
                raise ScenarioError(self.source, "interval_min", "must be 15 or 30")
            update["interval_min"] = interval_min
        spec = self.spec.model_copy(update=update)
        return dataclasses.replace(self, spec=spec, hours=self.hours if hours is None else hours)


class _Loader(UniqueKeyLoader):
    """The config loader (duplicate keys refused) without YAML 1.1 base-60 integers, so an
    unquoted 07:30 stays a time instead of becoming 450."""


_INT = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _INT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
    ),
    list("-+0123456789"),
)


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a YAML scenario file (a relative `center:` path is from its folder)."""
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, "", f"cannot read file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(source, where, exc.problem or "invalid YAML") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "", f"invalid YAML: {exc}") from exc
    return scenario_from_dict(data, source=source, base_dir=Path(source).parent)


def scenario_from_dict(
    data: Any, source: str = "<scenario>", base_dir: str | os.PathLike[str] | None = None
) -> Scenario:
    """Validate a parsed scenario document and resolve its center."""
    if not isinstance(data, Mapping):
        raise ScenarioError(source, "", "expected a mapping with name, center, flows, staffing")
    try:
        spec = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, source) from None
    base = _center(spec.center, source, Path(base_dir or "."))
    center = _with_generated_agents(spec, base, source)
    _check_flows(spec, center, source)
    _check_staffing(spec, center, source)
    return Scenario(source=source, spec=spec, center=center)


# -- internals -----------------------------------------------------------------------------------


def _center(ref: str | dict[str, Any], source: str, base_dir: Path) -> CenterConfig:
    try:
        if isinstance(ref, dict):
            return config_from_dict(ref, source=source)
        if ref.strip().lower() == "demo":
            return load_demo_config()
        path = Path(ref) if Path(ref).is_absolute() else base_dir / ref
        return load_config(path)
    except ConfigError as exc:
        if isinstance(ref, dict):
            field = f"center.{exc.field}" if exc.field else "center"
            raise ScenarioError(source, field, exc.message) from None
        raise ScenarioError(source, "center", str(exc)) from None


def _with_generated_agents(spec: ScenarioFile, center: CenterConfig, source: str) -> CenterConfig:
    """The center plus one agent per generated seat of every `count:` shift."""
    agents = list(center.agents)
    ids = {a.id for a in agents}
    for i, shift in enumerate(spec.staffing):
        if shift.count is None:
            continue
        for skill in shift.skills or {}:
            if not _SKILL.match(skill):
                raise ScenarioError(source, f"staffing[{i}].skills", f"bad skill name {skill!r}")
        for k in range(shift.count):
            aid = f"{shift.name}-{k + 1:03d}"
            if aid in ids:
                msg = f"generated agent id {aid!r} clashes with another agent; rename the shift"
                raise ScenarioError(source, f"staffing[{i}].name", msg)
            ids.add(aid)
            agents.append(AgentConfig(aid, aid, dict(shift.skills or {}), shift.chat_capacity))
    return dataclasses.replace(center, agents=tuple(agents))


def generated_agent_ids(spec: ScenarioFile, index: int) -> list[str]:
    """Agent ids of shift `index`: its named agents, or the ids generated for its count."""
    shift = spec.staffing[index]
    if shift.agents is not None:
        return list(shift.agents)
    return [f"{shift.name}-{k + 1:03d}" for k in range(shift.count or 0)]


def _check_flows(spec: ScenarioFile, center: CenterConfig, source: str) -> None:
    queues = {q.id for q in center.queues}
    names: dict[str, int] = {}
    for i, flow in enumerate(spec.flows):
        where = f"flows[{i}]"
        if flow.name in names:
            raise ScenarioError(source, f"{where}.name", f"duplicate flow name {flow.name!r}")
        names[flow.name] = i
        channels = [c for c, share in flow.channel_mix.items() if share > 0]
        targets = (
            flow.queue if isinstance(flow.queue, dict) else dict.fromkeys(channels, flow.queue)
        )
        for channel in channels:
            if channel.value not in targets:
                raise ScenarioError(source, f"{where}.queue", f"no queue for {channel.value}")
        for key, queue in targets.items():
            if queue not in queues:
                field = f"{where}.queue" + (f".{key}" if isinstance(flow.queue, dict) else "")
                raise ScenarioError(
                    source, field, f"unknown queue {queue!r}{did_you_mean(queue, queues)}"
                )
        for attr in ("handle", "patience"):
            per = getattr(flow, attr)
            missing = [
                c.value for c in channels if per is not None and not {ALL, c.value} & set(per)
            ]
            if missing:
                msg = f"no distribution for {', '.join(missing)}"
                msg += " (give {dist: …} or one per channel)"
                raise ScenarioError(source, f"{where}.{attr}", msg)
        _check_curve(flow.curve, f"{where}.curve", source)
    for i, surge in enumerate(spec.surges):
        for name in surge.flows or []:
            if name not in names:
                msg = f"unknown flow {name!r}{did_you_mean(name, names)}"
                raise ScenarioError(source, f"surges[{i}].flows", msg)
        if surge.day > spec.days:
            msg = f"day {surge.day} is after the last day ({spec.days})"
            raise ScenarioError(source, f"surges[{i}].day", msg)


def _check_curve(curve: list[float] | None, field: str, source: str) -> None:
    if curve is None:
        return
    n = len(curve)
    if n == 0 or DAY_S % n or n > 1440:
        msg = f"has {n} weights; give 24 (hourly), 48 (half-hourly) or 96 (quarter-hourly)"
        raise ScenarioError(source, field, msg)
    if sum(curve) <= 0:
        raise ScenarioError(source, field, "needs at least one weight above 0")


def _check_staffing(spec: ScenarioFile, center: CenterConfig, source: str) -> None:
    known = {a.id for a in center.agents}
    names: set[str] = set()
    for i, shift in enumerate(spec.staffing):
        if shift.name in names:
            raise ScenarioError(source, f"staffing[{i}].name", f"duplicate shift {shift.name!r}")
        names.add(shift.name)
        for k, aid in enumerate(shift.agents or []):
            if aid not in known:
                msg = f"unknown agent {aid!r}{did_you_mean(aid, known)}"
                raise ScenarioError(source, f"staffing[{i}].agents[{k}]", msg)
        length = shift_length_s(shift.start, shift.end)
        for k, b in enumerate(shift.breaks):
            if (b.after_min + b.minutes) * 60 + shift.stagger_min * 60 > length:
                msg = "break (with its stagger) ends after the shift"
                raise ScenarioError(source, f"staffing[{i}].breaks[{k}]", msg)


def shift_length_s(start: str, end: str) -> float:
    """Length of a shift; an end at or before the start is on the next day."""
    length = clock_s(end) - clock_s(start)
    return length if length > 0 else length + DAY_S


def _from_validation(exc: ValidationError, source: str) -> ScenarioError:
    """The first pydantic error as a ScenarioError with a `flows[0].handle.mean_s`-style path."""
    err = exc.errors(include_url=False)[0]
    path = ""
    for part in err["loc"]:
        if part in ("[key]", ALL) or part in _DIST_TAGS or "[" in str(part):
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind = err["type"]
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = f"unknown key{did_you_mean(str(err['loc'][-1]), known_field_names())}"
    elif kind == "union_tag_not_found":
        message = f"needs dist: one of {', '.join(sorted(_DIST_TAGS))}"
    elif kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        message = f"unknown dist {tag!r}; expected one of {', '.join(sorted(_DIST_TAGS))}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
        if kind.endswith("_type") or kind == "enum":
            message += f" (got {err['input']!r})"
    return ScenarioError(source, path, message)
