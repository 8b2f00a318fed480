"""Pydantic models for the center file: the per-field checks, with messages an admin can act on.

The same shape arrives as YAML (a file on disk) or as JSON (the admin API), so these models are
the single definition of what a center file may contain. Cross-field rules (unique ids, overflow
targets that exist, relax steps in order, readable hours) live in `hotline.config.loader`,
which can name the exact list index that is wrong.

Shape, with defaults; every key outside `center.name` and `queues[].id` may be omitted::

    center:
      name: 重庆江北国际机场 966666     # required
      strategy: longest_idle             # longest_idle | highest_proficiency |
                                         # least_occupied | round_robin
      priority_weight_s: 60              # seconds of waiting one priority step is worth
      timezone: Asia/Shanghai            # IANA name; also the default for queue hours
      callback_retry_s: 300              # gap between failed callback attempts
      callback_max_attempts: 3
      callback_retry_gaps_s: [600, 1800]   # gap after try 1, 2, ... (last repeats); [] = retry_s
      callback_quiet_hours: "21:00-08:00"  # local; no callback is dialled then; null = any time
      language_skills: {en: english}     # contact language -> skill an agent needs
    queues:                              # at least one
      - id: general                      # letters, digits, _ . - ; not "callback"
        name: 综合咨询                   # default: the id
        skills: {general: 1}             # skill -> minimum level 1..10
        priority: 0                      # higher is served first (see RoutingWeights)
        service_level: {threshold_s: 20, target: 0.8}   # target in (0, 1]
        hours: 24x7                      # or a BusinessHours.parse mapping; default 24x7
        overflow:                        # each rule needs after_s and/or ewt_over_s
          - {after_s: 60, target: english}       # target: a queue id,
          - {ewt_over_s: 300, target: callback}  # "callback" or "center:<name>"
        relax: [{after_s: 30, min_level: 3}]     # after_s strictly rising, levels not rising
        offer_timeout_s: 15
        wrap_up_s: 10
        expected_aht_s: 180
        callback_queue: null             # queue that runs this queue's callbacks; null = itself
        strategy: null                   # null = the center's strategy
        chat_distribution: spread        # spread (fair: least loaded first) | pack (fill
                                         # agents already chatting, keep others free for calls)
    agents:
      - {id: a01, name: 王静, skills: {general: 8, english: 6}, chat_capacity: 3, team: null}
    regions:                             # a multi-province center (see hotline.domain.regions)
      - id: sx                           # explicit region ids the IVR may send
        name: 山西
        provinces: [山西]                # from the caller's number (libphonenumber), zh or en
        prefixes: ["0351"]               # the operator's own prefixes, longest match first
        queues: {general: general_sx}    # asked queue -> this region's queue
    reports:                             # scheduled reports (hotline.services.reports_jobs)
      schedules:                         # default: these three
        - {kind: daily, at: "08:00"}     # daily | weekly (Monday) | monthly (the 1st);
        - {kind: weekly, at: "08:00"}    # at = local HH:MM in center.timezone
        - {kind: monthly, at: "08:00"}

Numbers are strict: `"20"` or `true` where a number belongs is an error rather than a guess,
because a silently coerced value in a routing config is worse than a refused file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from hotline.domain.enums import Strategy
from hotline.routing.callback_policy import parse_quiet_hours

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_SKILL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _level(value: int) -> int:
    if not 1 <= value <= 10:
        raise ValueError("must be between 1 and 10")
    return value


def _fraction(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError("must be in (0, 1], e.g. 0.8 for 80 %")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _queue_id(value: str) -> str:
    if not _ID.match(value) or "@" in value:
        raise ValueError(
            f"queue id {value!r} must be 1-64 letters, digits, '_', '.' or '-' (no spaces or ':')"
        )
    if value == "callback":
        raise ValueError("'callback' is reserved as an overflow target")
    return value


def _agent_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"agent id {value!r} must be 1-64 letters, digits, '_', '.', '@' or '-' (no spaces)"
        )
    return value


def _skill(value: str) -> str:
    if not _SKILL.match(value):
        raise ValueError(f"skill name {value!r} must be letters, digits, '_', '.' or '-'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (expected e.g. 'Asia/Shanghai')") from exc
    return value


def _quiet_hours(value: str) -> str:
    parse_quiet_hours(value)  # ValueError says what is wrong
    return value.strip()


def _time_of_day(value: str) -> str:
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValueError(f"{value!r} is not a local time of day HH:MM, e.g. '08:00'")
    return value


Level = Annotated[int, Strict(), AfterValidator(_level)]
Fraction = Annotated[float, Strict(), AfterValidator(_fraction)]
PositiveSeconds = Annotated[float, Strict(), AfterValidator(_positive)]
Seconds = Annotated[float, Strict(), AfterValidator(_non_negative)]
Count = Annotated[int, Strict(), AfterValidator(_non_negative)]
Integer = Annotated[int, Strict()]
Text = Annotated[str, Strict(), AfterValidator(_not_blank)]
QueueId = Annotated[str, Strict(), AfterValidator(_queue_id)]
AgentId = Annotated[str, Strict(), AfterValidator(_agent_id)]
Skill = Annotated[str, Strict(), AfterValidator(_skill)]
TimeZone = Annotated[str, Strict(), AfterValidator(_time_zone)]
QuietHours = Annotated[str, Strict(), AfterValidator(_quiet_hours)]


class _Section(BaseModel):
    """Unknown keys are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CenterSection(_Section):
    """The `center:` block: center-wide defaults and callback policy."""

    name: Text
    strategy: Strategy = Strategy.LONGEST_IDLE
    priority_weight_s: Seconds = 60.0
    timezone: TimeZone = "Asia/Shanghai"
    callback_retry_s: PositiveSeconds = 300.0
    callback_max_attempts: Annotated[int, Strict(), Field(ge=1)] = 3
    callback_retry_gaps_s: list[PositiveSeconds] = Field(default_factory=list, max_length=20)
    callback_quiet_hours: QuietHours | None = None
    language_skills: dict[Text, Skill] = Field(default_factory=dict)


class ServiceLevelSection(_Section):
    """Answer `target` of contacts within `threshold_s` seconds."""

    threshold_s: PositiveSeconds = 20.0
    target: Fraction = 0.8


class OverflowSection(_Section):
    """One overflow rule; whether `target` exists is checked by the loader."""

    target: Text
    after_s: Seconds | None = None
    ewt_over_s: Seconds | None = None

    @model_validator(mode="after")
    def _needs_trigger(self) -> OverflowSection:
        if self.after_s is None and self.ewt_over_s is None:
            raise ValueError("an overflow rule needs after_s or ewt_over_s")
        return self


class RelaxSection(_Section):
    """One relaxation step."""

    after_s: Seconds
    min_level: Level


class QueueSection(_Section):
    """One queue; `hours` stays raw here and is parsed by `BusinessHours.parse` in the loader."""

    id: QueueId
    name: Text | None = None
    skills: dict[Skill, Level] = Field(default_factory=dict)
    priority: Integer = 0
    service_level: ServiceLevelSection = Field(default_factory=ServiceLevelSection)
    hours: Any = None
    overflow: list[OverflowSection] = Field(default_factory=list)
    relax: list[RelaxSection] = Field(default_factory=list)
    offer_timeout_s: PositiveSeconds = 15.0
    wrap_up_s: Seconds = 10.0
    expected_aht_s: PositiveSeconds = 180.0
    callback_queue: QueueId | None = None
    strategy: Strategy | None = None
    chat_distribution: Literal["spread", "pack"] = "spread"


class AgentSection(_Section):
    """One agent; `chat_capacity: 0` means voice only."""

    id: AgentId
    name: Text | None = None
    skills: dict[Skill, Level] = Field(default_factory=dict)
    chat_capacity: Count = 3
    team: Text | None = None


def _url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL, e.g. 'https://center-b.example:8000'")
    return value.rstrip("/")


class PeerSection(_Section):
    """One peer center (see `hotline.domain.federation.PeerConfig`); `queues` is checked by the
    loader against our own queue ids."""

    name: Text
    url: Annotated[str, Strict(), AfterValidator(_url)]
    username: Text
    password: str = ""
    password_env: Text | None = None
    queues: dict[QueueId, QueueId] = Field(min_length=1)
    ewt_over_s: Seconds | None = 60.0
    after_s: Seconds | None = None
    peer_ewt_under_s: PositiveSeconds = 30.0
    max_share: Annotated[float, Strict(), Field(gt=0)] = 0.5
    inbound_username: Text | None = None

    @model_validator(mode="after")
    def _needs_trigger(self) -> PeerSection:
        if self.after_s is None and self.ewt_over_s is None:
            raise ValueError("a peer needs ewt_over_s or after_s (when contacts may move)")
        if not self.password and not self.password_env:
            raise ValueError("a peer needs password or password_env (its service login)")
        return self


class FederationSection(_Section):
    """The `federation:` block: peers, and what we accept from them."""

    peers: list[PeerSection] = Field(default_factory=list)
    push_every_s: PositiveSeconds = 2.0
    stale_after_s: PositiveSeconds = 10.0
    transfer_timeout_s: PositiveSeconds = 5.0
    accept_max_share: Annotated[float, Strict(), Field(ge=0)] = 0.5
    accept_max_ewt_s: PositiveSeconds = 120.0


class PlanSection(_Section):
    """One emergency plan; queue ids in `queues` are checked by the loader."""

    name: Annotated[str, Strict(), AfterValidator(_queue_id)]
    banner: Text
    queues: dict[QueueId, list[OverflowSection]] = Field(default_factory=dict)
    federation_ewt_over_s: Seconds | None = None


class EmergencySection(_Section):
    plans: list[PlanSection] = Field(default_factory=list)


class AlertSection(_Section):
    """One alert rule (see `hotline.services.alerts_rules`): fires when `kind`'s measure
    breaches `threshold` for `for_s` seconds; rates are measured over the last `window_s`."""

    id: Text
    kind: Literal[
        "service_level_below",
        "abandon_rate_above",
        "waiting_above",
        "agent_not_ready_over",
        "callback_overdue",
        "order_at_risk",
    ]
    threshold: Annotated[float, Field(ge=0)]
    for_s: Seconds = 0.0
    window_s: PositiveSeconds = 1800.0
    queue: QueueId | None = None
    notify: Text = "role:supervisor"


class RegionSection(_Section):
    """One region of a multi-province center; provinces and queue ids are checked by the
    loader (`hotline.config.regions`)."""

    id: QueueId
    name: Text | None = None
    provinces: list[Text] = Field(default_factory=list)
    prefixes: list[Annotated[str, Strict(), Field(pattern=r"^\+?[0-9]{1,12}$")]] = Field(
        default_factory=list
    )
    queues: dict[QueueId, QueueId] = Field(default_factory=dict)


class ScheduleSection(_Section):
    """One scheduled report: `kind` decides the period (previous day, week, month)."""

    kind: Literal["daily", "weekly", "monthly"]
    at: Annotated[str, Strict(), AfterValidator(_time_of_day)] = "08:00"


def _default_schedules() -> list[ScheduleSection]:
    """The seed centers' rhythm: 日预警 daily, 周通报 Monday, 月曝光 the 1st, all at 08:00."""
    return [ScheduleSection(kind=k) for k in ("daily", "weekly", "monthly")]  # type: ignore[arg-type]


class ReportsSection(_Section):
    """The `reports:` block; `schedules: []` turns scheduled reports off."""

    schedules: list[ScheduleSection] = Field(default_factory=_default_schedules, max_length=20)


class CenterFile(_Section):
    """The whole file."""

    center: CenterSection
    queues: list[QueueSection] = Field(min_length=1)
    agents: list[AgentSection] = Field(default_factory=list)
    federation: FederationSection = Field(default_factory=FederationSection)
    emergency: EmergencySection = Field(default_factory=EmergencySection)
    alerts: list[AlertSection] = Field(default_factory=list)
    regions: list[RegionSection] = Field(default_factory=list)
    reports: ReportsSection = Field(default_factory=ReportsSection)


def known_field_names() -> set[str]:
    """Every key the schema accepts, for "did you mean" hints on unknown keys."""
    models: tuple[type[BaseModel], ...] = (
        CenterSection,
        ServiceLevelSection,
        OverflowSection,
        RelaxSection,
        QueueSection,
        AgentSection,
        PeerSection,
        FederationSection,
        PlanSection,
        EmergencySection,
        AlertSection,
        RegionSection,
        ScheduleSection,
        ReportsSection,
        CenterFile,
    )
    return {name for model in models for name in model.model_fields}
