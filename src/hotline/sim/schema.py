"""Pydantic models of a scenario file: the per-field checks, with messages a planner can act on.

A scenario is a center plus a day (or a week) of traffic and staff. Cross-field rules (queues
that exist, curves of the right length, agents named in shifts) live in `hotline.sim.scenario`,
which can name the exact list index that is wrong. Shape, with defaults::

    name: 966666 airport              # required
    center: demo                      # "demo" (the bundled center), a path relative to this
                                      # file, or an inline center file {center, queues, agents}
    start_date: 2024-03-04            # first simulated day, local midnight in the center's tz
    days: 1
    interval_min: 30                  # 15 or 30: KPI / curve granularity
    seed: 1
    drain_hours: 4                    # keep running after the last day so late calls finish
    kpi: {sl_threshold_s: 20, short_abandon_s: 5, sl_formula: <hotline.kpi SL_DEFAULT>}
    agent_behaviour:
      accept_delay: {dist: uniform, low_s: 1, high_s: 4}   # ring time before an agent picks up
      recover_s: 10                   # back to ready this long after a ring-no-answer
    flows:                            # at least one stream of contacts
      - name: calls
        queue: general                # or per channel: {voice: general, chat: chat}
        volume_per_day: 677           # contacts per day BEFORE the IVR takes its share
        curve: [24 hourly weights]    # or one weight per interval; omitted = flat
        channel_mix: {voice: 0.8, chat: 0.2}
        handle: {dist: lognormal, mean_s: 150, cv: 0.6}   # or per channel {voice: …, chat: …}
        patience: {dist: exponential, mean_s: 120}        # null = nobody hangs up
        retrial: {share: 0.3, delay: {dist: exponential, mean_s: 300}}
        ivr: {containment: 0.15, menu: {dist: fixed, value_s: 20}}   # voice only
        callback: {share: 1.0, reach_probability: 0.85, no_answer_s: 30}
        priority: 0
        language: null
    staffing:                         # shifts; an agent may work several per day
      - name: early
        agents: [a01, a02]            # agents of the center, or generate them:
        # count: 300, skills: {general: 5}, chat_capacity: 3
        start: "07:00"                # quote times; end <= start crosses midnight; "24:00" ok
        end: "15:00"
        breaks: [{after_min: 120, minutes: 15}, {after_min: 240, minutes: 30, reason: meal}]
        stagger_min: 0                # spread the group's breaks over this many minutes
        days: null                    # 1-based scenario days worked; null = every day
    surges:
      - {day: 1, start: "14:00", hours: 4, factor: 3.0, flows: null}   # null = every flow

Numbers are strict (a quoted "20" is refused), unknown keys are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)

from hotline.domain.enums import Channel
from hotline.kpi import SL_DEFAULT, SL_FORMULAS
from hotline.sim.distributions import Distribution, Exponential, Uniform

ALL = "all"  # key of a per-channel mapping that holds a single distribution for every channel
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{value!r} must be 1-48 letters, digits, '_', '.' or '-'")
    return value


def check_clock(value: str) -> str:
    m = _CLOCK.match(value)
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        raise ValueError(f"{value!r} is not a time of day HH:MM (00:00-24:00); quote it")
    return value


def clock_s(value: str) -> float:
    """Seconds after midnight of a validated "HH:MM"."""
    hours, minutes = value.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def _fraction(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1")
    return value


def _below_one(value: float) -> float:
    if not 0 <= value < 1:
        raise ValueError("must be at least 0 and below 1 (a share of the calls)")
    return value


Name = Annotated[str, Strict(), AfterValidator(_name)]
Clock = Annotated[str, Strict(), AfterValidator(check_clock)]
Fraction = Annotated[float, Strict(), AfterValidator(_fraction)]
Positive = Annotated[float, Strict(), Field(gt=0)]
NonNegative = Annotated[float, Strict(), Field(ge=0)]
Count = Annotated[int, Strict(), Field(ge=1)]
PerChannel = dict[str, Distribution]


def _per_channel(value: Any) -> Any:
    """A single `{dist: …}` applies to every channel; store it under the key `all`."""
    if isinstance(value, dict) and "dist" in value:
        return {ALL: value}
    if isinstance(value, dict):
        for key in value:
            if key != ALL and key not in {c.value for c in Channel}:
                raise ValueError(f"unknown channel {key!r}; expected voice, chat or a {{dist: …}}")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class KpiSection(_Section):
    sl_threshold_s: NonNegative = 20.0
    short_abandon_s: NonNegative = 5.0
    sl_formula: str = SL_DEFAULT

    @field_validator("sl_formula")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SL_FORMULAS:
            raise ValueError(f"unknown formula; expected one of {', '.join(SL_FORMULAS)}")
        return value


class AgentBehaviour(_Section):
    """How simulated agents act: ring time before they pick up, recovery after missing one."""

    accept_delay: Distribution = Uniform(dist="uniform", low_s=1.0, high_s=4.0)
    recover_s: NonNegative = 10.0


class IvrSection(_Section):
    """Self-service: `containment` of voice calls end in the IVR; the rest spend `menu` in it."""

    containment: Annotated[float, Strict(), AfterValidator(_below_one)] = 0.0
    menu: Distribution | None = None


class RetrialSection(_Section):
    """`share` of callers who abandon call again after `delay` (as a new contact)."""

    share: Fraction
    delay: Distribution = Exponential(dist="exponential", mean_s=300.0)


class CallbackSection(_Section):
    """`share` of contacts carry a number to call back (the router makes callbacks for those
    that go unanswered); an agent dialling out reaches the customer with `reach_probability`
    and spends `no_answer_s` on an attempt that fails."""

    share: Fraction = 1.0
    reach_probability: Fraction = 0.85
    no_answer_s: NonNegative = 30.0
    handle: Distribution | None = None  # None = the flow's voice handle time


class FlowSection(_Section):
    """One stream of contacts with its own volume, curve and behaviour."""

    name: Name
    queue: str | dict[str, str]
    volume_per_day: Positive
    curve: list[NonNegative] | None = None
    channel_mix: dict[Channel, NonNegative] = Field(default_factory=lambda: {Channel.VOICE: 1.0})
    handle: PerChannel
    patience: PerChannel | None = None
    retrial: RetrialSection | None = None
    ivr: IvrSection | None = None
    callback: CallbackSection | None = None
    priority: Annotated[int, Strict()] = 0
    language: Annotated[str, Strict()] | None = None

    @field_validator("handle", "patience", mode="before")
    @classmethod
    def _channels(cls, value: Any) -> Any:
        return _per_channel(value)

    @field_validator("channel_mix")
    @classmethod
    def _mix(cls, value: dict[Channel, float]) -> dict[Channel, float]:
        for channel in value:
            if channel not in (Channel.VOICE, Channel.CHAT):
                raise ValueError(f"{channel.value}: only voice and chat contacts arrive")
        if sum(value.values()) <= 0:
            raise ValueError("needs a channel with a share above 0")
        return value


class BreakSection(_Section):
    after_min: NonNegative
    minutes: Positive
    reason: Annotated[str, Strict(), Field(min_length=1, max_length=40)] = "break"


class ShiftSection(_Section):
    """A shift worked by named agents of the center, or by `count` generated ones."""

    name: Name
    agents: list[Annotated[str, Strict()]] | None = None
    count: Count | None = None
    skills: dict[str, Annotated[int, Strict(), Field(ge=1, le=10)]] | None = None
    chat_capacity: Annotated[int, Strict(), Field(ge=0)] = 3
    start: Clock
    end: Clock
    breaks: list[BreakSection] = Field(default_factory=list)
    stagger_min: NonNegative = 0.0
    days: list[Count] | None = None

    @model_validator(mode="after")
    def _who(self) -> ShiftSection:
        if (self.agents is None) == (self.count is None):
            raise ValueError("give either agents (ids of the center) or count (with skills)")
        if self.count is not None and not self.skills:
            raise ValueError("generated agents (count) need skills, e.g. {general: 5}")
        return self


class SurgeSection(_Section):
    """Arrivals × `factor` for `hours` from `start` on scenario `day` (typhoon, mass delay)."""

    day: Count = 1
    start: Clock
    hours: Positive
    factor: Positive
    flows: list[str] | None = None


class ScenarioFile(_Section):
    """The whole file."""

    name: Annotated[str, Strict(), Field(min_length=1)]
    center: str | dict[str, Any]
    start_date: dt.date = dt.date(2024, 3, 4)
    days: Count = 1
    interval_min: Literal[15, 30] = 30
    seed: Annotated[int, Strict()] = 1
    drain_hours: NonNegative = 4.0
    kpi: KpiSection = Field(default_factory=KpiSection)
    agent_behaviour: AgentBehaviour = Field(default_factory=AgentBehaviour)
    flows: list[FlowSection] = Field(min_length=1)
    staffing: list[ShiftSection] = Field(min_length=1)
    surges: list[SurgeSection] = Field(default_factory=list)


def known_field_names() -> set[str]:
    """Every key the schema accepts, for "did you mean" hints on unknown keys."""
    models: tuple[type[BaseModel], ...] = (
        KpiSection,
        AgentBehaviour,
        IvrSection,
        RetrialSection,
        CallbackSection,
        FlowSection,
        BreakSection,
        ShiftSection,
        SurgeSection,
        ScenarioFile,
    )
    return {name for model in models for name in model.model_fields}
