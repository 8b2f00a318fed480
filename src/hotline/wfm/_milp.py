"""The covering MILP behind `schedule.solve_schedule`, assembled as sparse arrays for HiGHS.

Kept apart from `schedule.py` so that the modelling (templates, columns, answers) reads
without the index bookkeeping. Variables, in order:

* `x[c]`      integer, agents working column c; cost = its paid hours;
* `z[k,g,t]`  continuous, agents of skill set k answering group g in interval t (cost 0);
* `s[g,t]`    continuous shortfall, only with a shortfall penalty (soft cover).

Rows: supply `sum_g z[k,g,t] - sum_{c in k, t in c} x[c] <= 0`, cover `sum_k z[k,g,t] +
s[g,t] >= req[g,t]`, and `sum x[c] <= max_per_day` for capped templates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from hotline.wfm.schedule import ScheduleProblem


@dataclass(frozen=True, slots=True, eq=False)
class Column:
    """One concrete shift: template index, day, start (horizon minutes), break offsets
    (relative to the start), the intervals where the agent answers, and paid hours."""

    template: int
    day: int
    begin: int
    breaks: tuple[tuple[int, int], ...]
    slots: np.ndarray
    paid_hours: float


@dataclass(frozen=True, slots=True)
class CoverResult:
    status: str
    optimal: bool
    counts: list[int]
    coverage: dict[str, np.ndarray]
    on_duty: np.ndarray
    shortfall: dict[str, np.ndarray]
    gap: float
    seconds: float


class _Builder:
    """Collects variables and rows as COO triples."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows_lo: list[float] = []
        self.rows_hi: list[float] = []
        self.entries: list[tuple[int, int, float]] = []

    def var(self, cost: float, integer: bool, upper: float = math.inf) -> int:
        self.cost.append(cost)
        self.integer.append(integer)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.rows_lo)
        self.rows_lo.append(lo)
        self.rows_hi.append(hi)
        self.entries.extend((r, v, a) for v, a in terms)


def _skill_sets(problem: ScheduleProblem) -> list[frozenset[str]]:
    return sorted({t.skills for t in problem.templates}, key=sorted)


def _build(problem: ScheduleProblem, cols: list[Column]) -> tuple[_Builder, dict, dict]:
    b = _Builder()
    # Costs in units of the gcd of the paid minutes, so the objective is an integer: HiGHS
    # then rounds its bound up and proves optimality far sooner (33 s instead of a timeout on
    # a week of 30-min starts).
    minutes = [round(c.paid_hours * 60) for c in cols]
    unit = math.gcd(*minutes) or 1
    for paid in minutes:
        b.var(paid / unit, integer=True)
    penalty = None if problem.shortfall_penalty is None else problem.shortfall_penalty * 60 / unit
    sets = _skill_sets(problem)
    set_of = [sets.index(problem.templates[c.template].skills) for c in cols]
    horizon = problem.intervals
    on = [[[] for _ in range(horizon)] for _ in sets]  # on[k][t] = columns of set k at work
    for ci, c in enumerate(cols):
        for t in c.slots:
            on[set_of[ci]][t].append(ci)
    z: dict[tuple[int, str, int], int] = {}
    short: dict[tuple[str, int], int] = {}
    split: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for g, req in problem.required.items():
        for t, need in enumerate(req):
            if need <= 0:
                continue
            terms = []
            for k, skills in enumerate(sets):
                if g in skills and on[k][t]:
                    z[k, g, t] = b.var(0.0, integer=False)
                    split.setdefault((k, t), []).append((z[k, g, t], 1.0))
                    terms.append((z[k, g, t], 1.0))
            if penalty is not None:
                short[g, t] = b.var(penalty, integer=False, upper=need)
                terms.append((short[g, t], 1.0))
            elif not terms:
                raise ValueError(
                    f"required[{g!r}]: interval {t} ({_when(t, problem.interval_min)}) needs "
                    f"{need:g} but no template covers it; add a template or set "
                    "shortfall_penalty for soft cover"
                )
            b.row(terms, float(need), math.inf)
    for (k, t), used in split.items():
        b.row(used + [(ci, -1.0) for ci in on[k][t]], -math.inf, 0.0)
    _caps(problem, cols, b)
    return b, z, short


def _caps(problem: ScheduleProblem, cols: list[Column], b: _Builder) -> None:
    groups: dict[tuple[int, int], list[int]] = {}
    for ci, c in enumerate(cols):
        if problem.templates[c.template].max_per_day is not None:
            groups.setdefault((c.template, c.day), []).append(ci)
    for (ti, _day), members in groups.items():
        cap = problem.templates[ti].max_per_day
        b.row([(ci, 1.0) for ci in members], -math.inf, float(cap))


def _when(t: int, step: int) -> str:
    minute = t * step
    return f"day {minute // 1440} {minute % 1440 // 60:02d}:{minute % 60:02d}"


def _run(b: _Builder, problem: ScheduleProblem) -> tuple[np.ndarray, str, bool, float, float]:
    import highspy

    n, m = len(b.cost), len(b.rows_lo)
    rows, cols, vals = zip(*b.entries, strict=True) if b.entries else ((), (), ())
    matrix = sparse.csc_matrix((vals, (rows, cols)), shape=(m, n))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.asarray(b.cost, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.where(np.isinf(b.upper), highspy.kHighsInf, b.upper)
    lp.row_lower_ = np.where(np.isinf(b.rows_lo), -highspy.kHighsInf, b.rows_lo)
    lp.row_upper_ = np.where(np.isinf(b.rows_hi), highspy.kHighsInf, b.rows_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in b.integer
    ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(problem.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(problem.mip_gap))
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    has_solution = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if not has_solution:
        raise ValueError(f"no schedule found: HiGHS says {name} (check max_per_day caps)")
    gap = float(h.getInfo().mip_gap)
    values = np.asarray(h.getSolution().col_value)
    return values, name, status == highspy.HighsModelStatus.kOptimal, gap, seconds


def solve_cover(problem: ScheduleProblem, cols: list[Column]) -> CoverResult:
    """Build, solve and read back coverage per group and interval."""
    b, z, short = _build(problem, cols)
    values, name, optimal, gap, seconds = _run(b, problem)
    counts = [round(v) for v in values[: len(cols)]]
    horizon = problem.intervals
    on_duty = np.zeros(horizon)
    by_group = {g: np.zeros(horizon) for g in problem.required}
    for c, count in zip(cols, counts, strict=True):
        if count:
            on_duty[c.slots] += count
            for g in problem.templates[c.template].skills & set(by_group):
                by_group[g][c.slots] += count
    if len(problem.required) > 1:  # several groups share agents: report the split
        by_group = {g: np.zeros(horizon) for g in problem.required}
        for (_k, g, t), v in z.items():
            by_group[g][t] += values[v]
    shortfall = {g: np.zeros(horizon) for g in problem.required} if short else {}
    for (g, t), v in short.items():
        shortfall[g][t] = values[v]
    if not short:  # hard cover: report what is missing anyway (nothing, if the solver is right)
        shortfall = {
            g: np.maximum(np.asarray(req, dtype=float) - by_group[g], 0.0)
            for g, req in problem.required.items()
        }
    return CoverResult(name, optimal, counts, by_group, on_duty, shortfall, gap, seconds)
