"""Plan validation: forecast -> staffing -> schedule -> simulate -> fix the misses -> again.

The forecast is the scenario's own demand (volume, intraday curve, channel mix, IVR share,
handle times, patience) for its first day. Erlang A turns it into agents per interval for the
target (service level and abandon rate); the HiGHS scheduler turns that into the cheapest
shifts; the twin then runs those shifts through the real routing rules. Intervals where the
simulated day misses the target get one more agent in the requirement and the loop repeats.
This is the check formulas alone cannot make: multi-queue routing, chats, callbacks, breaks
and ring time are all in the simulated day, none of them in Erlang A.

Plan agents are generated as one pooled seat type holding every skill the center's queues
require (at level 10): the plan answers "how many, when", not "who".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hotline.domain.enums import Channel
from hotline.kpi import Kpis
from hotline.sim.replications import Interval, RunSummary, metric_interval, replicate
from hotline.sim.result import SimResult, simulate
from hotline.sim.scenario import Scenario, _with_generated_agents, generated_agent_ids
from hotline.sim.schema import BreakSection, ShiftSection
from hotline.wfm.erlang import IntervalDemand, ServiceTarget, staffing
from hotline.wfm.schedule import BreakRule, Schedule, ScheduleProblem, ShiftTemplate, solve_schedule

DAY_MIN = 1440
MIN_CONTACTS_TO_JUDGE = 10  # fewer contacts than this in an interval says nothing


@dataclass(frozen=True, slots=True)
class PlanTarget:
    service_level: float = 0.8
    threshold_s: float = 20.0
    max_abandon: float = 0.02
    shrinkage: float = 0.0


@dataclass(frozen=True, slots=True)
class Spread:
    """One interval over the replications of a round: SL and abandon rate with their
    confidence intervals (None where no replication had a contact to judge by)."""

    service_level: Interval | None
    abandon_rate: Interval | None
    offered: float  # mean contacts offered per replication


@dataclass(frozen=True, slots=True)
class PlanIteration:
    """One turn of the loop: the requirement used, its schedule, and the simulated day.

    With replications, `result` is the first of them and `spread` has every interval's
    interval over all of them; `missed` then holds only the intervals that miss beyond doubt
    (the whole confidence interval on the wrong side of the target)."""

    required: tuple[int, ...]
    schedule: Schedule
    result: SimResult
    missed: tuple[int, ...]  # interval indexes where the simulated day missed the target
    spread: tuple[Spread, ...] | None = None
    totals: tuple[Kpis, ...] = ()  # the day's KPIs of every replication (with replications)

    @property
    def paid_hours(self) -> float:
        return self.schedule.paid_hours


def default_templates(interval_min: int) -> list[ShiftTemplate]:
    """8-hour shifts with an unpaid 30-minute meal between hours 3 and 5, and 4-hour
    part-time shifts, starting on every interval boundary that ends by midnight."""
    meal = BreakRule(30, 180, 300 - 30)
    return [
        ShiftTemplate.every("full-time", 480, 0, DAY_MIN - 480, interval_min, breaks=(meal,)),
        ShiftTemplate.every("part-time", 240, 6 * 60, DAY_MIN - 240, interval_min),
    ]


def _curve_shares(curve: Sequence[float] | None, per_day: int) -> list[float]:
    """Share of a day's volume in each interval, from hourly or per-interval weights."""
    if not curve:
        return [1.0 / per_day] * per_day
    total = float(sum(curve))
    if len(curve) == per_day:
        return [w / total for w in curve]
    per_hour = per_day // 24
    return [curve[i // per_hour] / total / per_hour for i in range(per_day)]


def demand(scenario: Scenario) -> tuple[list[IntervalDemand], float | None]:
    """Contacts per interval reaching agents on day 1, their mean handle time (a chat counts
    handle/capacity, since an agent works several at once) and the callers' mean patience."""
    per_day = DAY_MIN // scenario.spec.interval_min
    contacts = [0.0] * per_day
    work = [0.0] * per_day
    patience_num = patience_den = 0.0
    for flow in scenario.spec.flows:
        shares = _curve_shares(flow.curve, per_day)
        mix_total = sum(flow.channel_mix.values()) or 1.0
        for channel, weight in flow.channel_mix.items():
            volume = flow.volume_per_day * weight / mix_total
            if channel is Channel.VOICE and flow.ivr is not None:
                volume *= 1.0 - flow.ivr.containment
            handle = (flow.handle.get(channel.value) or flow.handle.get("all")).mean()
            if channel is Channel.CHAT:
                handle /= 3.0
            patience = flow.patience and (
                flow.patience.get(channel.value) or flow.patience.get("all")
            )
            if patience is not None:
                patience_num += volume * patience.mean()
                patience_den += volume
            for i, share in enumerate(shares):
                contacts[i] += volume * share
                work[i] += volume * share * handle
    rows = [
        IntervalDemand(
            start=f"{i * scenario.spec.interval_min // 60:02d}:"
            f"{i * scenario.spec.interval_min % 60:02d}",
            contacts=c,
            aht_s=(w / c) if c > 0 else 180.0,
            interval_s=scenario.interval_s,
        )
        for i, (c, w) in enumerate(zip(contacts, work, strict=True))
    ]
    return rows, (patience_num / patience_den) if patience_den else None


def required_agents(scenario: Scenario, target: PlanTarget) -> list[int]:
    rows, patience = demand(scenario)
    goal = ServiceTarget(target.threshold_s, target.service_level, patience, target.max_abandon)
    return [r.scheduled if r.contacts > 0 else 0 for r in staffing(rows, goal, target.shrinkage)]


def with_schedule(scenario: Scenario, schedule: Schedule) -> Scenario:
    """The scenario staffed by the schedule's shifts (one generated group per shift)."""
    skills = {r.skill: 10 for q in scenario.center.queues for r in q.skills} or {"general": 10}
    shifts = []
    for i, s in enumerate(schedule.shifts):
        end = s.start_min + s.length_min
        breaks = [
            BreakSection(after_min=b - s.start_min, minutes=n, reason="meal") for b, n in s.breaks
        ]
        shifts.append(
            ShiftSection(
                name=f"plan{i:02d}",
                count=s.count,
                skills=skills,
                chat_capacity=3,
                start=_clock(s.start_min),
                end="24:00" if end >= DAY_MIN else _clock(end),
                breaks=breaks,
                days=[1],
            )
        )
    old = {
        aid
        for i in range(len(scenario.spec.staffing))
        for aid in generated_agent_ids(scenario.spec, i)
    }
    base = dataclasses.replace(
        scenario.center, agents=tuple(a for a in scenario.center.agents if a.id not in old)
    )
    spec = scenario.spec.model_copy(update={"staffing": shifts, "days": 1})
    return dataclasses.replace(
        scenario, spec=spec, center=_with_generated_agents(spec, base, scenario.source)
    )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _missed(result: SimResult, target: PlanTarget, per_day: int) -> tuple[int, ...]:
    out = []
    for i, row in enumerate(result.intervals[:per_day]):
        k = row.kpis
        if k.offered < MIN_CONTACTS_TO_JUDGE:
            continue
        low_sl = k.service_level is not None and k.service_level < target.service_level
        high_ab = k.abandon_rate is not None and k.abandon_rate > target.max_abandon
        if low_sl or high_ab:
            out.append(i)
    return tuple(out)


def _spreads(runs: Sequence[RunSummary], per_day: int) -> tuple[Spread, ...]:
    out = []
    for i in range(per_day):
        rows = [r.intervals[i] for r in runs if i < len(r.intervals)]
        out.append(
            Spread(
                metric_interval(rows, "service_level"),
                metric_interval(rows, "abandon_rate"),
                sum(k.offered for k in rows) / max(1, len(rows)),
            )
        )
    return tuple(out)


def _missed_beyond_doubt(spread: Sequence[Spread], target: PlanTarget) -> tuple[int, ...]:
    """Intervals whose whole confidence interval misses: SL all below the target or abandon
    all above the cap. Where it straddles the target the shortfall may be one day's noise."""
    out = []
    for i, s in enumerate(spread):
        if s.offered < MIN_CONTACTS_TO_JUDGE:
            continue
        low_sl = s.service_level is not None and s.service_level.high < target.service_level
        high_ab = s.abandon_rate is not None and s.abandon_rate.low > target.max_abandon
        if low_sl or high_ab:
            out.append(i)
    return tuple(out)


def plan(
    scenario: Scenario,
    target: PlanTarget,
    *,
    iterations: int = 4,
    templates: Sequence[ShiftTemplate] | None = None,
    seed: int | None = None,
    replications: int = 1,
    on_iteration: Callable[[PlanIteration], None] | None = None,
) -> list[PlanIteration]:
    """Run the loop; stops early when the simulated day meets the target everywhere.

    `replications` > 1 runs each round's roster on that many seeds (in parallel, see
    `hotline.sim.replications`) and fixes only the intervals that miss beyond doubt."""
    per_day = DAY_MIN // scenario.spec.interval_min
    base = required_agents(scenario, target)
    extra = [0] * per_day
    tpl = list(templates or default_templates(scenario.spec.interval_min))
    out: list[PlanIteration] = []
    for _ in range(max(1, iterations)):
        req = tuple(b + e for b, e in zip(base, extra, strict=True))
        problem = ScheduleProblem(scenario.spec.interval_min, {"agents": req}, tpl)
        sched = solve_schedule(problem)
        staffed = with_schedule(scenario, sched)
        result = simulate(staffed, seed=seed)
        if replications > 1:
            seeds = [result.seed + k for k in range(1, replications)]
            runs = [_summary(result), *replicate(staffed, seeds, intervals=True)]
            spread = _spreads(runs, per_day)
            missed = _missed_beyond_doubt(spread, target)
            totals = tuple(r.total for r in runs)
            it = PlanIteration(req, sched, result, missed, spread, totals)
        else:
            it = PlanIteration(req, sched, result, _missed(result, target, per_day))
        out.append(it)
        if on_iteration:
            on_iteration(it)
        if not it.missed:
            break
        for i in it.missed:  # one more agent where the day fell short, at least 10 % more
            extra[i] += max(1, math.ceil(0.1 * req[i]))
    return out


def _summary(result: SimResult) -> RunSummary:
    rows = [r.kpis for r in result.intervals]
    return RunSummary(
        result.seed, result.total, result.per_day, result.by_queue, result.by_channel, rows
    )
