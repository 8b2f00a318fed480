"""Center configuration as frozen values: what queues, agents and rules exist.

These are read by the router and never mutated; a configuration change is a new `CenterConfig`
handed to `Router.reconfigure`. Validation of files lives in `hotline.config`; here we only hold
already-valid values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hotline.domain.enums import Strategy
from hotline.domain.federation import EmergencyPlan, FederationConfig
from hotline.domain.regions import RegionMap

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hotline.domain.hours import BusinessHours


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    """An agent must hold `skill` at `min_level` or better (levels run 1..10)."""

    skill: str
    min_level: int = 1


@dataclass(frozen=True, slots=True)
class RelaxStep:
    """After `after_s` seconds in the queue, every requirement is lowered to at most `min_level`.

    Relaxation trades match quality for speed: a caller who waited 30 s would rather talk to a
    level-3 English speaker than keep waiting for a level-7 one.
    """

    after_s: float
    min_level: int


@dataclass(frozen=True, slots=True)
class OverflowRule:
    """Move a waiting contact elsewhere when the local queue cannot serve it in time.

    `target` is a queue id, `center:<name>` (hand over to another center, 12306-style
    interconnection) or `callback` (end the wait and promise a call back). A rule fires after
    `after_s` seconds in the queue, or on arrival when the estimated wait exceeds `ewt_over_s`.
    """

    target: str
    after_s: float | None = None
    ewt_over_s: float | None = None


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue: who may serve it (skills), how urgent it is and what it promises."""

    id: str
    name: str
    skills: tuple[SkillRequirement, ...] = ()
    priority: int = 0
    sl_threshold_s: float = 20.0
    sl_target: float = 0.8
    hours: BusinessHours | None = None  # None = open 24x7
    overflow: tuple[OverflowRule, ...] = ()
    relax: tuple[RelaxStep, ...] = ()
    offer_timeout_s: float = 15.0
    wrap_up_s: float = 10.0
    expected_aht_s: float = 180.0  # seeds the wait estimate before real handle times exist
    callback_queue: str | None = None  # where callbacks for this queue go; None = this queue
    strategy: Strategy | None = None  # None = the center's default
    # Chats to agents already chatting first (keeps idle agents free for calls) instead of the
    # fair least-loaded-first spread: a chat blocks a phone agent, so spreading chats over a
    # mixed team costs answered calls (the twin measured it on the 966666 scenario).
    chat_pack: bool = False


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """A person who can log in and take contacts."""

    id: str
    name: str
    skills: Mapping[str, int] = field(default_factory=dict)
    chat_capacity: int = 3
    team: str | None = None  # the agent's team (班组): reports filter by it


@dataclass(frozen=True, slots=True)
class RoutingWeights:
    """How priority and waiting time combine into one score across all queues.

    score = priority_s * (queue.priority + contact.priority) + seconds waited, and a green-channel
    contact beats every non-green one. With the default one priority step is worth one minute of
    waiting: a VIP (priority 1) who arrived 30 s after an ordinary caller is still served first,
    but an ordinary caller who has waited 61 s more is served before the VIP.
    Because every waiting contact gains one point per second, the order between two contacts
    never changes while they wait, which lets the router keep them in sorted containers.
    """

    priority_s: float = 60.0


@dataclass(frozen=True, slots=True)
class CenterConfig:
    """Everything the router needs to know about one center."""

    name: str
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...] = ()
    strategy: Strategy = Strategy.LONGEST_IDLE
    weights: RoutingWeights = field(default_factory=RoutingWeights)
    language_skills: Mapping[str, str] = field(default_factory=dict)  # "en" -> "english"
    callback_retry_s: float = 300.0
    callback_max_attempts: int = 3
    #: wait after failed attempt 1, 2, ... (the last repeats); empty = `callback_retry_s`
    callback_retry_gaps_s: tuple[float, ...] = ()
    #: local "HH:MM-HH:MM" (center timezone) when no callback is dialled; None = any time
    callback_quiet_hours: str | None = None
    timezone: str = "Asia/Shanghai"
    federation: FederationConfig = field(default_factory=FederationConfig)  # peer centers
    emergency_plans: tuple[EmergencyPlan, ...] = ()  # named plans one switch turns on
    #: alert rules as validated plain data (`hotline.services.alerts_rules.AlertRule` fields)
    alerts: tuple[Mapping[str, Any], ...] = ()
    regions: RegionMap = field(default_factory=RegionMap)  # multi-province: number -> queues
    #: scheduled reports as (kind, local "HH:MM"): `hotline.services.reports_schedule.Schedule`
    report_schedules: tuple[tuple[str, str], ...] = (
        ("daily", "08:00"),
        ("weekly", "08:00"),
        ("monthly", "08:00"),
    )

    def queue(self, queue_id: str) -> QueueConfig:
        """The queue with this id; KeyError names it when absent."""
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(queue_id)
