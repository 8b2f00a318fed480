"""Shift scheduling: the fewest paid hours that cover the required agents in every interval.

A set-covering MILP solved by HiGHS (`highspy`). Every *column* is one concrete way to work:
a template, a day, a start time and a placement of each break inside its window; its integer
variable is how many agents work it, its cost the paid hours. A column covers an interval when
its agent is at work and not on a break. Enumerating break placements as columns (rather than
fixing breaks afterwards) is what lets the solver stagger meals so the floor stays covered.

Skill groups (e.g. the power-grid center's part-time English seat next to Mandarin agents)
are handled with a transportation split per interval: `z[k, g, t]` agents of skill set `k`
answer group `g` in interval `t`; each skill set can only split the agents it has on duty,
and every group must get its requirement. With integer shift counts the split is a
transportation problem, whose LP solution is already integral, so `z` stays continuous.

Modes: a *day* (shifts must end by midnight) or a *week* with `wrap=True`, a repeating rota
where a Sunday-night shift runs on into Monday morning, so shifts cross midnight freely.
Cover is hard by default; with `shortfall_penalty` it becomes soft: each agent-interval left
uncovered costs that many paid hours in the objective.

Times are minutes from the start of the horizon (day 0, 00:00). Pure: no clock, no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hotline.wfm._milp import Column, solve_cover

__all__ = [
    "DEFAULT_GROUP",
    "BreakRule",
    "Schedule",
    "ScheduleProblem",
    "ShiftChoice",
    "ShiftTemplate",
    "solve_schedule",
]

DEFAULT_GROUP = "agents"
DAY_MIN = 1440


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A break of `length_min` starting between `earliest_min` and `latest_min` after the
    shift starts. Unpaid breaks (meals) are not counted in paid hours."""

    length_min: int
    earliest_min: int
    latest_min: int
    paid: bool = False


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A kind of shift: its length, allowed starts within a day, breaks and skills.

    `days` limits which horizon days it may start on (None: every day); `max_per_day` caps
    how many agents may work it per day (e.g. only two part-timers exist).
    """

    name: str
    length_min: int
    starts_min: tuple[int, ...]
    breaks: tuple[BreakRule, ...] = ()
    skills: frozenset[str] = frozenset({DEFAULT_GROUP})
    days: tuple[int, ...] | None = None
    max_per_day: int | None = None

    @classmethod
    def every(
        cls, name: str, length_min: int, first_min: int, last_min: int, step_min: int, **kw
    ) -> ShiftTemplate:
        """Starts from `first_min` to `last_min` inclusive, every `step_min` minutes."""
        if step_min <= 0:
            raise ValueError(f"{name}: step_min must be > 0")
        return cls(name, length_min, tuple(range(first_min, last_min + 1, step_min)), **kw)

    def paid_min(self) -> int:
        return self.length_min - sum(b.length_min for b in self.breaks if not b.paid)


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """Requirement per skill group and interval over a horizon of whole days, and the shifts
    that may cover it. `required[g][t]` agents must answer group `g` in interval `t`.

    `mip_gap` is the relative distance from the proven lower bound at which HiGHS may stop:
    the default 0.5% keeps a week of 30-minute starts under ~15 s on two cores; 0 asks for a
    proof of optimality (seconds for a day, ~30 s for such a week). `time_limit_s` caps the
    search either way; `Schedule.optimal` and `Schedule.gap` say what was achieved.
    """

    interval_min: int
    required: Mapping[str, Sequence[float]]
    templates: Sequence[ShiftTemplate]
    wrap: bool = False
    shortfall_penalty: float | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 0.005

    @property
    def intervals(self) -> int:
        return len(next(iter(self.required.values())))


@dataclass(frozen=True, slots=True)
class ShiftChoice:
    """`count` agents work `template` from `start_min` for `length_min` (horizon minutes),
    taking the breaks `(start_min, length_min)` listed."""

    template: str
    day: int
    start_min: int
    length_min: int
    breaks: tuple[tuple[int, int], ...]
    count: int
    paid_hours: float

    @property
    def end_min(self) -> int:
        return self.start_min + self.length_min

    def hours(self) -> str:
        """`22:00–06:00 (next day)`: the shift's clock times, as a roster prints them."""
        return _span(self.start_min, self.end_min)

    def break_text(self) -> str:
        """`11:30–12:00`, several joined by commas; `-` for a shift without breaks."""
        return ", ".join(_span(s, s + n) for s, n in self.breaks) or "-"

    def label(self, with_day: bool = False) -> str:
        """`full 08:00–16:00, break 11:30–12:00` -- template, clock times and breaks, for
        tables; `with_day` puts `day 2 ` in front for a horizon of several days."""
        day = f"day {self.day + 1} " if with_day else ""
        rest = f", break {self.break_text()}" if self.breaks else ""
        return f"{self.template} {day}{self.hours()}{rest}"


def _span(start_min: int, end_min: int) -> str:
    """`08:00–16:00`; a shift ending at midnight ends at `24:00`, one running past it says
    `(next day)`."""
    if end_min % DAY_MIN == 0 and end_min - start_min <= DAY_MIN:
        return f"{_clock(start_min)}–24:00"
    later = end_min // DAY_MIN - start_min // DAY_MIN
    tail = "" if later <= 0 else " (next day)" if later == 1 else f" (+{later} days)"
    return f"{_clock(start_min)}–{_clock(end_min)}{tail}"


def _clock(minute: int) -> str:
    m = minute % DAY_MIN
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True, slots=True)
class Schedule:
    """The solver's answer. `coverage[g][t]` agents answer group `g` in interval `t`;
    `on_duty[t]` is everybody at work and not on a break; `shortfall` is what is missing."""

    status: str
    optimal: bool
    paid_hours: float
    shifts: tuple[ShiftChoice, ...]
    coverage: dict[str, np.ndarray]
    on_duty: np.ndarray
    shortfall: dict[str, np.ndarray] = field(default_factory=dict)
    gap: float = 0.0
    seconds: float = 0.0

    @property
    def headcount(self) -> int:
        return sum(s.count for s in self.shifts)

    def shortfall_intervals(self) -> int:
        """Intervals in which at least one group is short of its requirement."""
        if not self.shortfall:
            return 0
        short = np.zeros_like(self.on_duty, dtype=bool)
        for values in self.shortfall.values():
            short |= values > 1e-6
        return int(short.sum())


def _check(problem: ScheduleProblem) -> None:
    step = problem.interval_min
    if step <= 0 or DAY_MIN % step:
        raise ValueError(f"interval_min must divide a day, got {step}")
    if not problem.required:
        raise ValueError("required: give at least one skill group")
    sizes = {len(v) for v in problem.required.values()}
    if len(sizes) != 1 or (problem.intervals * step) % DAY_MIN:
        raise ValueError(
            f"required: every group needs the same whole days of intervals, got {sizes}"
        )
    for g, values in problem.required.items():
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"required[{g!r}]: requirements must be finite and >= 0")
    if not problem.templates:
        raise ValueError("templates: give at least one shift template")
    for tpl in problem.templates:
        _check_template(tpl, step)
    uncovered = set(problem.required) - set().union(*(t.skills for t in problem.templates))
    if uncovered:
        raise ValueError(f"required: no template has the skill(s) {sorted(uncovered)}")


def _check_template(tpl: ShiftTemplate, step: int) -> None:
    def on_grid(value: int, what: str) -> None:
        if value % step:
            raise ValueError(f"template {tpl.name!r}: {what} {value} is not on the {step}-min grid")

    if tpl.length_min <= 0:
        raise ValueError(f"template {tpl.name!r}: length_min must be > 0")
    on_grid(tpl.length_min, "length_min")
    if not tpl.starts_min:
        raise ValueError(f"template {tpl.name!r}: starts_min is empty")
    for s in tpl.starts_min:
        on_grid(s, "start")
        if not 0 <= s < DAY_MIN:
            raise ValueError(f"template {tpl.name!r}: start {s} must lie within a day [0, 1440)")
    for b in tpl.breaks:
        for value, what in ((b.length_min, "break length"), (b.earliest_min, "break earliest"),
                            (b.latest_min, "break latest")):  # fmt: skip
            on_grid(value, what)
        if not 0 < b.earliest_min <= b.latest_min <= tpl.length_min - b.length_min:
            raise ValueError(f"template {tpl.name!r}: break window must lie inside the shift")


def _placements(tpl: ShiftTemplate, step: int) -> list[tuple[tuple[int, int], ...]]:
    """Every way to place the template's breaks on the grid, in order and not overlapping."""
    options = [range(b.earliest_min, b.latest_min + 1, step) for b in tpl.breaks]
    out = []
    for offsets in itertools.product(*options):
        spans = tuple((o, b.length_min) for o, b in zip(offsets, tpl.breaks, strict=True))
        if all(a[0] + a[1] <= b[0] for a, b in itertools.pairwise(spans)):
            out.append(spans)
    return out


def _columns(problem: ScheduleProblem) -> list[Column]:
    """Enumerate the columns; in day mode a shift running past the horizon is dropped."""
    step, horizon = problem.interval_min, problem.intervals
    days = horizon * step // DAY_MIN
    cols: list[Column] = []
    for ti, tpl in enumerate(problem.templates):
        placements = _placements(tpl, step)
        for day in tpl.days if tpl.days is not None else range(days):
            if not 0 <= day < days:
                continue
            for start in tpl.starts_min:
                begin = day * DAY_MIN + start
                if not problem.wrap and begin + tpl.length_min > days * DAY_MIN:
                    continue
                for spans in placements:
                    work = set(range(tpl.length_min // step))
                    for off, length in spans:
                        work -= set(range(off // step, (off + length) // step))
                    slots = np.array(sorted((begin // step + w) % horizon for w in work))
                    cols.append(Column(ti, day, begin, spans, slots, tpl.paid_min() / 60))
    return cols


def solve_schedule(problem: ScheduleProblem) -> Schedule:
    """Find the schedule with the fewest paid hours (plus shortfall penalty, if soft)."""
    _check(problem)
    cols = _columns(problem)
    if not cols:
        raise ValueError("templates: no shift fits in the horizon (day mode: shifts end by 24:00)")
    result = solve_cover(problem, cols)
    chosen = []
    for col, count in zip(cols, result.counts, strict=True):
        if count > 0:
            tpl = problem.templates[col.template]
            breaks = tuple((col.begin + off, length) for off, length in col.breaks)
            chosen.append(
                ShiftChoice(
                    tpl.name,
                    col.day,
                    col.begin,
                    tpl.length_min,
                    breaks,
                    count,
                    count * col.paid_hours,
                )
            )
    return Schedule(
        status=result.status,
        optimal=result.optimal,
        paid_hours=sum(c.paid_hours for c in chosen),
        shifts=tuple(chosen),
        coverage=result.coverage,
        on_duty=result.on_duty,
        shortfall=result.shortfall,
        gap=result.gap,
        seconds=result.seconds,
    )
