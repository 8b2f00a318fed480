"""Erlang B, C and A: the formulas agree with textbook values, with brute-force Markov chains and
with each other in their limits, and stay finite for 2,000-agent centers."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from scipy import linalg, special, stats

from hotline.wfm.erlang import (
    IntervalDemand,
    ServiceTarget,
    agents_for_service_level,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    staffing,
)

# -- brute force: a truncated M/M/N+M chain, solved with plain linear algebra --------------------


def chain_stationary(n: int, lam: float, mu: float, theta: float, cap: int) -> np.ndarray:
    """pi over states 0..cap (calls in system) from the generator, not the product formula."""
    q = np.zeros((cap + 1, cap + 1))
    for k in range(cap + 1):
        if k < cap:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    # pi Q = 0 has one redundant equation: replace the last by sum(pi) = 1 and solve exactly
    # (a least-squares fit of the stacked system drifted by 2e-8 between BLAS builds).
    a = q.T.copy()
    a[-1, :] = 1.0
    rhs = np.zeros(cap + 1)
    rhs[-1] = 1.0
    return np.linalg.solve(a, rhs)


def tagged_caller(n: int, mu: float, theta: float, cap: int, t: float) -> np.ndarray:
    """P(answered within t | k callers ahead) for k = 0..cap: states 'k ahead', then absorbing
    'answered' and 'hung up', integrated with a matrix exponential."""
    size = cap + 3
    answered, gone = cap + 1, cap + 2
    q = np.zeros((size, size))
    for k in range(cap + 1):
        q[k, k - 1 if k > 0 else answered] = n * mu + k * theta
        q[k, gone] = theta
        q[k, k] = -q[k].sum()
    return linalg.expm(q * t)[: cap + 1, answered]


def brute_force(n: int, lam: float, aht: float, patience: float, t: float, cap: int = 150):
    mu, theta = 1.0 / aht, 1.0 / patience
    pi = chain_stationary(n, lam, mu, theta, cap)
    waiting = pi[n:cap]  # an arrival that sees N + j in the system has j callers ahead
    prob_wait = waiting.sum()
    within = tagged_caller(n, mu, theta, cap, t)[: len(waiting)]
    eventually = tagged_caller(n, mu, theta, cap, 1e6)[: len(waiting)]
    queue_len = sum(pi[k] * (k - n) for k in range(n, cap + 1))
    return {
        "prob_wait": prob_wait,
        "service_level": pi[:n].sum() + waiting @ within,
        "abandon_rate": prob_wait - waiting @ eventually,
        "little": theta * queue_len / lam,  # abandonment rate = theta x mean queue length
    }


class TestErlangB:
    @pytest.mark.parametrize(("n", "a"), [(1, 1.0), (2, 1.0), (10, 5.0), (30, 25.5)])
    def test_matches_the_textbook_sum_for_small_centers(self, n: int, a: float) -> None:
        direct = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
        assert erlang_b(n, a) == pytest.approx(direct, rel=1e-12)

    @pytest.mark.parametrize(("n", "a"), [(2000, 1900.0), (2000, 5000.0), (2500, 2400.0)])
    def test_is_stable_for_thousands_of_agents(self, n: int, a: float) -> None:
        # B(N, A) = Poisson(A).pmf(N) / Poisson(A).cdf(N), summed in log space.
        logpmf = stats.poisson.logpmf(np.arange(n + 1), a)
        expected = math.exp(logpmf[-1] - special.logsumexp(logpmf))
        assert erlang_b(n, a) == pytest.approx(expected, rel=1e-9)

    def test_a_light_load_on_many_agents_underflows_to_zero_not_nan(self) -> None:
        assert erlang_b(2000, 10.0) == 0.0

    def test_rejects_nonsense(self) -> None:
        with pytest.raises(ValueError, match="agents"):
            erlang_b(-1, 1.0)
        with pytest.raises(ValueError, match="load"):
            erlang_b(3, math.nan)


class TestErlangC:
    def test_textbook_value(self) -> None:
        # 8 Erlangs on 10 agents: 40.9% of callers wait (standard Erlang C table).
        assert erlang_c(10, 8.0) == pytest.approx(0.40918, abs=1e-5)

    def test_everybody_waits_when_the_queue_is_unstable(self) -> None:
        assert erlang_c(10, 10.0) == 1.0
        assert erlang_c(10, 12.5) == 1.0
        assert erlang_c_service_level(10, 12.5 / 180, 180, 20) == 0.0
        assert erlang_c_asa(10, 12.5 / 180, 180) == math.inf

    def test_nobody_waits_when_nobody_calls(self) -> None:
        assert erlang_c(0, 0.0) == 0.0
        assert erlang_c_asa(3, 0.0, 180) == 0.0

    def test_service_level_and_asa_match_the_mmn_waiting_time_distribution(self) -> None:
        # Independent route: an arrival seeing j callers queued waits Gamma(j+1, N mu).
        n, lam, aht, t = 12, 10.0 / 180, 180.0, 20.0
        pi = chain_stationary(n, lam, 1 / aht, 0.0, 400)
        j = np.arange(400 - n + 1)
        late = stats.gamma.sf(t, j + 1, scale=aht / n)
        assert erlang_c_service_level(n, lam, aht, t) == pytest.approx(1 - pi[n:] @ late, abs=1e-9)
        assert erlang_c_asa(n, lam, aht) == pytest.approx(pi[n:] @ ((j + 1) * aht / n), rel=1e-8)

    def test_large_center_is_finite(self) -> None:
        # A 200,000-calls/day center at its peak: ~7 calls/s, 300 s AHT, ~2,100 agents.
        sl = erlang_c_service_level(2150, 7.0, 300.0, 20.0)
        assert 0.0 < sl < 1.0


class TestErlangA:
    @pytest.mark.parametrize(
        ("n", "lam", "aht", "patience", "t"),
        [
            (3, 2.0 / 60, 60.0, 45.0, 20.0),  # a small desk, moderately loaded
            (5, 8.0 / 60, 60.0, 30.0, 10.0),  # overloaded 1.6x: only abandonment keeps it stable
            (8, 6.0 / 60, 60.0, 300.0, 20.0),  # patient callers
            (4, 1.0 / 60, 60.0, 5.0, 0.0),  # threshold 0 = answered without waiting
        ],
    )
    def test_agrees_with_a_brute_force_markov_chain(self, n, lam, aht, patience, t) -> None:
        got = erlang_a(n, lam, aht, patience, t)
        ref = brute_force(n, lam, aht, patience, t)
        assert got.prob_wait == pytest.approx(ref["prob_wait"], abs=1e-9)
        assert got.service_level == pytest.approx(ref["service_level"], abs=1e-9)
        assert got.abandon_rate == pytest.approx(ref["abandon_rate"], abs=1e-9)
        assert got.abandon_rate == pytest.approx(ref["little"], abs=1e-9)

    def test_mean_wait_of_answered_matches_a_first_step_recursion(self) -> None:
        n, lam, aht, patience = 4, 5.0 / 60, 60.0, 40.0
        mu, theta, cap = 1 / aht, 1 / patience, 200
        pi = chain_stationary(n, lam, mu, theta, cap)
        # h[k] = P(answered | k ahead); u[k] = E[wait; answered | k ahead].
        h, u, h_prev, u_prev = [], [], 1.0, 0.0
        for k in range(cap - n):
            rate = n * mu + k * theta
            h_prev, u_prev = (
                rate / (rate + theta) * h_prev,
                rate / (rate + theta) * (u_prev + h_prev / (rate + theta)),
            )
            h.append(h_prev)
            u.append(u_prev)
        answered = pi[:n].sum() + pi[n:cap] @ np.array(h)
        asa = pi[n:cap] @ np.array(u) / answered
        assert erlang_a(n, lam, aht, patience, 20).asa_s == pytest.approx(asa, rel=1e-7)

    @pytest.mark.parametrize("patience", [1e6, 1e8, 1e10])
    def test_infinitely_patient_callers_give_erlang_c(self, patience: float) -> None:
        n, lam, aht, t = 10, 8.0 / 180, 180.0, 20.0
        got = erlang_a(n, lam, aht, patience, t)
        assert got.service_level == pytest.approx(erlang_c_service_level(n, lam, aht, t), abs=1e-4)
        assert got.prob_wait == pytest.approx(erlang_c(n, 8.0), abs=1e-4)
        # The few who give up are the longest waiters, so ASA converges a little more slowly.
        assert got.asa_s == pytest.approx(erlang_c_asa(n, lam, aht), rel=1e4 / patience)
        assert got.abandon_rate < 1e-3

    def test_infinite_patience_is_exactly_erlang_c(self) -> None:
        got = erlang_a(10, 8.0 / 180, 180.0, math.inf, 20.0)
        assert got.service_level == erlang_c_service_level(10, 8.0 / 180, 180.0, 20.0)
        assert got.abandon_rate == 0.0

    def test_service_level_variants_differ_by_the_abandoners(self) -> None:
        got = erlang_a(5, 6.0 / 60, 60.0, 30.0, 20.0)
        assert got.service_level_of_answered == pytest.approx(
            got.service_level / (1 - got.abandon_rate)
        )
        assert got.service_level_of_answered > got.service_level

    @pytest.mark.parametrize("overload", [0.5, 0.98, 1.0, 3.0])
    def test_is_stable_for_two_thousand_agents(self, overload: float) -> None:
        # 2,000 agents, 300 s AHT, callers patient for 60 s on average.
        rate = 2000 / 300 * overload
        got = erlang_a(2000, rate, 300.0, 60.0, 20.0)
        for value in (got.service_level, got.abandon_rate, got.prob_wait, got.occupancy):
            assert 0.0 <= value <= 1.0
        assert math.isfinite(got.asa_s)
        if overload == 3.0:  # two calls in three must hang up: the agents can take only one
            assert got.abandon_rate == pytest.approx(2 / 3, abs=1e-3)

    def test_abandonment_falls_and_service_rises_with_every_agent(self) -> None:
        runs = [erlang_a(n, 0.2, 60.0, 30.0, 20.0) for n in range(1, 25)]
        assert all(a.service_level <= b.service_level for a, b in itertools.pairwise(runs))
        assert all(a.abandon_rate >= b.abandon_rate for a, b in itertools.pairwise(runs))

    def test_edge_cases(self) -> None:
        assert erlang_a(3, 0.0, 60.0, 30.0, 20.0).service_level == 1.0
        nobody = erlang_a(0, 0.1, 60.0, 30.0, 20.0)
        assert nobody.abandon_rate == 1.0 and nobody.service_level == 0.0
        with pytest.raises(ValueError, match="patience_s"):
            erlang_a(3, 0.1, 60.0, 0.0, 20.0)


class TestAgentsForServiceLevel:
    def test_is_the_smallest_count_that_meets_the_target(self) -> None:
        n = agents_for_service_level(100 / 1800, 180.0, 20.0, 0.8)
        assert erlang_c_service_level(n, 100 / 1800, 180.0, 20.0) >= 0.8
        assert erlang_c_service_level(n - 1, 100 / 1800, 180.0, 20.0) < 0.8

    def test_erlang_a_respects_service_level_and_abandon_cap(self) -> None:
        rate, aht, patience = 0.3, 240.0, 60.0
        n = agents_for_service_level(rate, aht, 20.0, 0.9, patience_s=patience, max_abandon=0.02)
        ok = erlang_a(n, rate, aht, patience, 20.0)
        short = erlang_a(n - 1, rate, aht, patience, 20.0)
        assert ok.service_level >= 0.9 and ok.abandon_rate <= 0.02
        assert short.service_level < 0.9 or short.abandon_rate > 0.02

    def test_the_power_grid_standard_on_a_2000_agent_floor_is_quick(self) -> None:
        # 95598-style target, 98% within 20 s, at the peak of a 200,000-calls/day center.
        started = time.perf_counter()
        c = agents_for_service_level(7.0, 300.0, 20.0, 0.98)
        a = agents_for_service_level(7.0, 300.0, 20.0, 0.98, patience_s=90.0)
        assert time.perf_counter() - started < 2.0
        assert 2100 < c < 2250 and 2000 < a <= c

    def test_no_calls_need_no_agents(self) -> None:
        assert agents_for_service_level(0.0, 180.0, 20.0, 0.8) == 0

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"target": 1.0}, "target"),
            ({"target": 0.8, "max_abandon": 0.05}, "patience_s"),
            ({"target": 0.8, "patience_s": 60.0, "max_abandon": 2.0}, "max_abandon"),
        ],
    )
    def test_bad_input_names_the_argument(self, kwargs: dict, name: str) -> None:
        with pytest.raises(ValueError, match=name):
            agents_for_service_level(0.1, 180.0, 20.0, **kwargs)


class TestStaffing:
    def test_per_interval_agents_before_and_after_shrinkage(self) -> None:
        rows = [
            IntervalDemand("08:00", 0, 180.0),
            IntervalDemand("08:30", 100, 180.0),
            IntervalDemand("09:00", 300, 180.0),
        ]
        plan = staffing(rows, ServiceTarget(threshold_s=20.0, service_level=0.8), shrinkage=0.3)
        assert [r.agents for r in plan] == [
            0,
            agents_for_service_level(100 / 1800, 180.0, 20.0, 0.8),
            agents_for_service_level(300 / 1800, 180.0, 20.0, 0.8),
        ]
        for r in plan:
            assert r.scheduled == math.ceil(r.agents / 0.7 - 1e-9)
            assert r.agents == 0 or r.service_level >= 0.8

    def test_erlang_a_rows_report_abandonment(self) -> None:
        target = ServiceTarget(20.0, 0.9, patience_s=60.0, max_abandon=0.02)
        (row,) = staffing([IntervalDemand("10:00", 500, 240.0)], target)
        assert row.service_level >= 0.9 and row.abandon_rate <= 0.02

    def test_rejects_impossible_shrinkage(self) -> None:
        with pytest.raises(ValueError, match="shrinkage"):
            staffing([], ServiceTarget(), shrinkage=1.0)
