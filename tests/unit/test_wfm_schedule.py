"""Shift scheduling on HiGHS: every interval covered, with the fewest paid hours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hotline.wfm.erlang import IntervalDemand, ServiceTarget, staffing
from hotline.wfm.schedule import (
    DEFAULT_GROUP,
    BreakRule,
    ScheduleProblem,
    ShiftTemplate,
    solve_schedule,
)

HOUR = 60


def hours(*spans: tuple[int, int, int], step: int = 60) -> list[int]:
    """A one-day requirement: (from_hour, to_hour, agents) spans, zero elsewhere."""
    req = [0] * (1440 // step)
    for first, last, agents in spans:
        for t in range(first * 60 // step, last * 60 // step):
            req[t] = agents
    return req


def one_group(req: list[int]) -> dict[str, list[int]]:
    return {DEFAULT_GROUP: req}


class TestHandComputedOptimum:
    def test_meals_are_staggered_and_a_part_timer_fills_the_gap(self) -> None:
        # Two agents 08:00-17:00. Two 9-hour shifts (16 paid hours) each leave their meal hour
        # half-covered; with meals at 11:00 and 12:00 a single 2-hour part-timer at 11:00
        # fills both. Paid hours can never be fewer than the 18 agent-hours required, so 18
        # is optimal.
        full = ShiftTemplate("ft", 9 * HOUR, (8 * HOUR,), breaks=(BreakRule(60, 180, 300),))
        part = ShiftTemplate.every("pt", 2 * HOUR, 8 * HOUR, 15 * HOUR, HOUR)
        req = hours((8, 17, 2))
        plan = solve_schedule(ScheduleProblem(60, one_group(req), (full, part), mip_gap=0.0))
        assert plan.optimal and plan.paid_hours == 18
        meals = sorted(b[0] for s in plan.shifts if s.template == "ft" for b in s.breaks)
        assert meals in ([11 * HOUR, 12 * HOUR], [12 * HOUR, 13 * HOUR])
        assert (plan.on_duty >= req).all()

    def test_matches_brute_force_enumeration_on_a_small_day(self) -> None:
        req = hours((7, 9, 1), (9, 12, 3), (12, 14, 2), (14, 18, 3), (18, 20, 1))
        templates = (
            ShiftTemplate("long", 8 * HOUR, (7 * HOUR, 9 * HOUR, 12 * HOUR)),
            ShiftTemplate("short", 4 * HOUR, (7 * HOUR, 10 * HOUR, 14 * HOUR, 16 * HOUR)),
        )
        plan = solve_schedule(ScheduleProblem(60, one_group(req), templates, mip_gap=0.0))
        columns = [(t.length_min // 60, s // 60) for t in templates for s in t.starts_min]
        best = min(
            sum(n * length for n, (length, _) in zip(counts, columns, strict=True))
            for counts in itertools.product(range(4), repeat=len(columns))
            if all(
                sum(
                    n for n, (length, s) in zip(counts, columns, strict=True) if s <= h < s + length
                )
                >= req[h]
                for h in range(24)
            )
        )
        assert plan.optimal and plan.paid_hours == best


def intraday_requirement() -> list[int]:
    """Agents needed per 30 min for a 12306-style day (~3,200 calls, 80% in 20 s)."""
    h = np.arange(48) / 2 + 0.25
    shape = 0.05 + np.exp(-((h - 10) ** 2) / 5) + 0.8 * np.exp(-((h - 15) ** 2) / 6)
    calls = 3200 * shape / shape.sum()
    rows = [IntervalDemand(f"{t}", float(c), 240.0) for t, c in enumerate(calls)]
    return [r.agents for r in staffing(rows, ServiceTarget(20.0, 0.8))]


class TestRealisticDay:
    def test_every_interval_is_covered_with_paid_hours_near_the_bound(self) -> None:
        req = intraday_requirement()
        full = ShiftTemplate.every(
            "ft", 9 * HOUR, 0, 15 * HOUR, 30, breaks=(BreakRule(60, 180, 300),)
        )
        part = ShiftTemplate.every("pt", 4 * HOUR, 0, 20 * HOUR, 30)
        plan = solve_schedule(ScheduleProblem(30, one_group(req), (full, part)))
        assert (plan.on_duty >= np.array(req)).all()
        assert (plan.coverage[DEFAULT_GROUP] >= np.array(req)).all()
        assert plan.shortfall_intervals() == 0
        lower_bound = sum(req) / 2  # agent-hours required
        assert lower_bound <= plan.paid_hours <= 1.1 * lower_bound
        assert plan.paid_hours == sum(s.paid_hours for s in plan.shifts)


class TestWeekMode:
    def test_night_shifts_cross_midnight_and_wrap_round_the_week(self) -> None:
        night = hours((0, 2, 2), (22, 24, 2))
        night_shift = ShiftTemplate("night", 4 * HOUR, (22 * HOUR,))
        plan = solve_schedule(
            ScheduleProblem(60, one_group(night * 7), (night_shift,), wrap=True, mip_gap=0.0)
        )
        assert plan.paid_hours == 7 * 2 * 4
        assert (plan.on_duty >= np.array(night * 7)).all()
        sunday = [s for s in plan.shifts if s.day == 6]
        assert sunday and sunday[0].start_min == 6 * 1440 + 22 * HOUR  # covers Monday 00-02

    def test_day_mode_does_not_let_a_shift_run_past_midnight(self) -> None:
        night_shift = ShiftTemplate("night", 4 * HOUR, (22 * HOUR,))
        with pytest.raises(ValueError, match="templates"):
            solve_schedule(ScheduleProblem(60, one_group(hours((22, 24, 1))), (night_shift,)))


class TestSkillGroups:
    def test_the_part_time_english_seat_is_always_staffed(self) -> None:
        # 95598-style: Mandarin calls all day; one English seat 09:00-17:00, staffed only by
        # bilingual part-timers (at most two a day) who may also take Mandarin calls.
        mandarin = hours((8, 12, 4), (12, 14, 2), (14, 18, 4))
        english = hours((9, 17, 1))
        full = ShiftTemplate.every("ft", 8 * HOUR, 8 * HOUR, 10 * HOUR, HOUR,
                                   skills=frozenset({"mandarin"}))  # fmt: skip
        bilingual = ShiftTemplate.every(
            "en-pt", 4 * HOUR, 8 * HOUR, 14 * HOUR, HOUR,
            skills=frozenset({"mandarin", "english"}), max_per_day=2,
        )  # fmt: skip
        plan = solve_schedule(
            ScheduleProblem(60, {"mandarin": mandarin, "english": english}, (full, bilingual))
        )
        assert (plan.coverage["english"] >= np.array(english)).all()
        assert (plan.coverage["mandarin"] >= np.array(mandarin) - 1e-9).all()
        assert (plan.on_duty >= np.array(mandarin) + np.array(english)).all()
        assert sum(s.count for s in plan.shifts if s.template == "en-pt") <= 2

    def test_a_group_nobody_can_answer_is_refused(self) -> None:
        full = ShiftTemplate("ft", 8 * HOUR, (8 * HOUR,))
        with pytest.raises(ValueError, match="english"):
            solve_schedule(ScheduleProblem(60, {"english": hours((9, 10, 1))}, (full,)))


class TestSoftCover:
    def test_a_penalty_below_a_shift_leaves_a_lone_spike_uncovered(self) -> None:
        # Missing one agent for the 12:00 hour costs 3 (paid-hour units); the cheapest shift
        # that would cover it costs 4, so soft cover leaves it; hard cover must pay.
        req = hours((9, 17, 2), (12, 13, 3))
        templates = (ShiftTemplate("ft", 8 * HOUR, (9 * HOUR,)),
                     ShiftTemplate("pt", 4 * HOUR, (9 * HOUR, 13 * HOUR)))  # fmt: skip
        hard = solve_schedule(ScheduleProblem(60, one_group(req), templates, mip_gap=0.0))
        soft = solve_schedule(
            ScheduleProblem(60, one_group(req), templates, shortfall_penalty=3.0, mip_gap=0.0)
        )
        assert hard.paid_hours == 20 and hard.shortfall_intervals() == 0
        assert soft.paid_hours == 16 and soft.shortfall_intervals() == 1
        assert soft.shortfall[DEFAULT_GROUP][12] == pytest.approx(1.0)


class TestBadInput:
    @pytest.mark.parametrize(
        ("template", "message"),
        [
            (ShiftTemplate("x", 100, (0,)), "length_min 100 is not on the 30-min grid"),
            (ShiftTemplate("x", 240, (1440,)), "start 1440"),
            (ShiftTemplate("x", 240, (0,), breaks=(BreakRule(30, 0, 60),)), "break window"),
            (ShiftTemplate("x", 240, ()), "starts_min"),
        ],
    )
    def test_errors_name_the_template_and_field(self, template, message) -> None:
        with pytest.raises(ValueError, match=message):
            solve_schedule(ScheduleProblem(30, one_group([1] * 48), (template,)))

    def test_requirements_must_be_whole_days(self) -> None:
        with pytest.raises(ValueError, match="required"):
            solve_schedule(
                ScheduleProblem(30, one_group([1] * 47), (ShiftTemplate("x", 60, (0,)),))
            )
