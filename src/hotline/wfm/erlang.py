"""Queueing formulas for staffing: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M, Palm).

Units are seconds and calls per second throughout; a *load* is in Erlangs (rate x AHT).

Why these shapes:

* Erlang B uses the recursion B(n) = A B(n-1) / (n + A B(n-1)). Every step is a ratio in
  [0, 1], so there are no factorials or powers to overflow: 2,000 agents and loads of thousands
  of Erlangs are as safe as 3 agents. A tiny B underflows gracefully to 0.0, which is the right
  answer at double precision.
* Erlang C is derived from Erlang B, never from the textbook sum of A^k/k!.
* Erlang A (callers hang up after an exponential patience with mean `patience_s`) uses the
  exact waiting-time density of Palm's model. With N agents, service rate mu, arrival rate
  lam and abandonment rate theta = 1/patience, a caller who has to wait is *answered* after
  waiting w with density  p_N * N mu * exp(g(w)),  where

      g(w) = (lam/theta) * (1 - exp(-theta w)) - (N mu + theta) * w

  and p_N is the stationary probability that all N agents are busy with nobody queued. This is
  the Mandelbaum-Zeltyn closed form written as an integral (their incomplete-gamma expression
  is its antiderivative). We integrate it with adaptive quadrature around the peak of the
  concave exponent g and keep every large factor in logarithms, which is what keeps N = 2,000,
  heavy overload (lam >> N mu) and near-infinite patience finite -- the incomplete-gamma
  form underflows in the light-load corner. See `tests/unit/test_wfm_erlang.py` for the
  checks against a brute-force Markov chain and against Erlang C as patience grows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from scipy import integrate

__all__ = [
    "ErlangA",
    "IntervalDemand",
    "ServiceTarget",
    "StaffingRow",
    "agents_for_service_level",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "staffing",
]

_TAIL = 60.0  # the integrand is cut where it falls below exp(-60) of its peak


def _check(agents: int, load: float) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be a whole number >= 0, got {agents!r}")
    if not math.isfinite(load) or load < 0:
        raise ValueError(f"load must be a finite number of Erlangs >= 0, got {load!r}")


def _check_rates(rate_per_s: float, aht_s: float) -> None:
    if not math.isfinite(rate_per_s) or rate_per_s < 0:
        raise ValueError(f"rate_per_s must be >= 0, got {rate_per_s!r}")
    if not math.isfinite(aht_s) or aht_s <= 0:
        raise ValueError(f"aht_s must be > 0, got {aht_s!r}")


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/N/N (Erlang loss) with `load` Erlangs offered."""
    _check(agents, load)
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def _c_from_b(agents: int, load: float, b: float) -> float:
    """Erlang C from Erlang B at the same (N, A); requires load < agents."""
    return agents * b / (agents - load * (1.0 - b))


def erlang_c(agents: int, load: float) -> float:
    """Probability that an arrival waits in M/M/N (no abandonment).

    1.0 when load >= agents: the queue is unstable and, in the long run, everybody waits.
    0.0 when load == 0: nobody arrives, so nobody waits (even with 0 agents).
    """
    _check(agents, load)
    if load == 0:
        return 0.0
    if load >= agents:
        return 1.0
    return _c_from_b(agents, load, erlang_b(agents, load))


def erlang_c_service_level(
    agents: int, rate_per_s: float, aht_s: float, threshold_s: float
) -> float:
    """P(wait <= threshold) in M/M/N: 1 - C * exp(-(N - A) * t / AHT). 0.0 if unstable."""
    _check_rates(rate_per_s, aht_s)
    load = rate_per_s * aht_s
    c = erlang_c(agents, load)
    if c >= 1.0 and load >= agents:
        return 0.0
    return max(0.0, 1.0 - c * math.exp(-(agents - load) * threshold_s / aht_s))


def erlang_c_asa(agents: int, rate_per_s: float, aht_s: float) -> float:
    """Mean wait over all arrivals in M/M/N: C * AHT / (N - A). Infinite if unstable."""
    _check_rates(rate_per_s, aht_s)
    load = rate_per_s * aht_s
    c = erlang_c(agents, load)
    if load == 0:
        return 0.0
    if load >= agents:
        return math.inf
    return c * aht_s / (agents - load)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Steady-state figures of M/M/N+M (Palm / Erlang A), all per arrival.

    service_level: P(answered AND waited <= threshold) over ALL arrivals, abandoners included
        in the denominator. This is the conservative "answered within 20 s / offered" figure
        the Chinese service standards quote; an abandoner always counts as a miss, even one
        who hangs up after 3 s.
    service_level_of_answered: the same count over answered calls only,
        = service_level / (1 - abandon_rate); always >= service_level.
    abandon_rate: P(the caller hangs up before an agent answers).
    asa_s: mean wait of ANSWERED calls, zero waits included (NaN if nobody is answered).
    prob_wait: P(an arrival finds every agent busy and has to queue).
    occupancy: share of agent time spent handling answered calls.
    """

    agents: int
    service_level: float
    service_level_of_answered: float
    abandon_rate: float
    asa_s: float
    prob_wait: float
    occupancy: float


def _log_erlang_b(agents: int, load: float) -> float:
    b = erlang_b(agents, load)
    return math.log(b) if b > 0 else -math.inf


@dataclass(frozen=True, slots=True)
class _Density:
    """The answered-after-waiting density exp(g(w)) of Palm's model, scaled by exp(-g*)."""

    nmu: float
    lam: float
    theta: float

    def g(self, w: float) -> float:
        return (self.lam / self.theta) * -math.expm1(-self.theta * w) - (self.nmu + self.theta) * w

    def peak(self) -> float:
        """Where g is largest: g is concave, g'(w) = lam e^{-theta w} - (N mu + theta)."""
        if self.lam <= self.nmu + self.theta:
            return 0.0
        return math.log(self.lam / (self.nmu + self.theta)) / self.theta

    def support(self) -> tuple[float, float, float, float]:
        """(lo, peak, hi, g(peak)): outside [lo, hi] the density is below e^-60 of its peak."""
        top = self.peak()
        g_top = self.g(top)
        step = 1.0 / (self.nmu + self.theta)
        hi = step
        while self.g(top + hi) - g_top > -_TAIL:
            hi *= 2.0
        lo = step
        while top - lo > 0 and self.g(top - lo) - g_top > -_TAIL:
            lo *= 2.0
        return max(0.0, top - lo), top, top + hi, g_top

    def integrals(self, threshold_s: float) -> tuple[float, float, float, float]:
        """(g*, int_0^T e^{g-g*}, int_0^inf e^{g-g*}, int_0^inf w e^{g-g*})."""
        lo, top, hi, g_top = self.support()

        def part(a: float, b: float, moment: int) -> float:
            if b <= a:
                return 0.0

            def f(w: float) -> float:
                return w**moment * math.exp(self.g(w) - g_top)

            with warnings.catch_warnings():
                # Far from the peak the integrand is ~0 and QUADPACK complains that it cannot
                # reach a *relative* tolerance on nothing; the absolute error is still tiny.
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                value, _err = integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-11, limit=200)
            return value

        def total(upper: float, moment: int) -> float:
            mid = min(top, upper)
            return part(lo, mid, moment) + part(mid, min(hi, upper), moment)

        return g_top, total(threshold_s, 0), total(hi, 0), total(hi, 1)


def erlang_a(
    agents: int, rate_per_s: float, aht_s: float, patience_s: float, threshold_s: float
) -> ErlangA:
    """Erlang A (M/M/N+M): Poisson arrivals, exponential handling and exponential patience.

    `patience_s` is the callers' mean patience; `math.inf` gives Erlang C (stable queues only,
    since without abandonment an overloaded queue has no steady state).
    """
    _check_rates(rate_per_s, aht_s)
    _check(agents, rate_per_s * aht_s)
    if not patience_s > 0:
        raise ValueError(f"patience_s must be > 0, got {patience_s!r}")
    if not threshold_s >= 0:
        raise ValueError(f"threshold_s must be >= 0, got {threshold_s!r}")
    load = rate_per_s * aht_s
    if load == 0:
        return ErlangA(agents, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    if agents == 0:
        return ErlangA(0, 0.0, math.nan, 1.0, math.nan, 1.0, 0.0)
    if math.isinf(patience_s):
        return _erlang_a_as_c(agents, rate_per_s, aht_s, threshold_s)
    dens = _Density(agents / aht_s, rate_per_s, 1.0 / patience_s)
    g_top, i_t, i_inf, m_inf = dens.integrals(threshold_s)
    log_k_inf = math.log(dens.nmu) + g_top + math.log(i_inf)
    # S = sum_j pi_{N+j} / pi_N = 1 + rho * K(inf), rho = lam / (N mu).
    log_s = _logaddexp(0.0, math.log(dens.lam / dens.nmu) + log_k_inf)
    log_b = _log_erlang_b(agents, load)
    prob_wait = 1.0 / (1.0 + (1.0 - math.exp(log_b)) * _exp(-(log_b + log_s)))
    per_waiter = _exp(math.log(dens.nmu) + g_top - log_s)  # p_N N mu e^{g*} / P(wait)
    answered_after_wait = prob_wait * per_waiter * i_inf
    abandon = max(0.0, prob_wait - answered_after_wait)
    sl = (1.0 - prob_wait) + prob_wait * per_waiter * i_t
    answered = 1.0 - abandon
    asa = prob_wait * per_waiter * m_inf / answered if answered > 0 else math.nan
    return ErlangA(
        agents=agents,
        service_level=min(1.0, sl),
        service_level_of_answered=min(1.0, sl / answered) if answered > 0 else math.nan,
        abandon_rate=abandon,
        asa_s=asa,
        prob_wait=prob_wait,
        occupancy=min(1.0, load * answered / agents),
    )


def _erlang_a_as_c(agents: int, rate_per_s: float, aht_s: float, threshold_s: float) -> ErlangA:
    """The patience -> infinity limit: nobody abandons, so M/M/N+M is M/M/N."""
    load = rate_per_s * aht_s
    if load >= agents:
        return ErlangA(agents, 0.0, 0.0, 0.0, math.inf, 1.0, 1.0)
    sl = erlang_c_service_level(agents, rate_per_s, aht_s, threshold_s)
    asa = erlang_c_asa(agents, rate_per_s, aht_s)
    return ErlangA(agents, sl, sl, 0.0, asa, erlang_c(agents, load), load / agents)


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


def _logaddexp(a: float, b: float) -> float:
    top = max(a, b)
    return top + math.log1p(math.exp(-abs(a - b)))


# -- staffing -------------------------------------------------------------------------------


def agents_for_service_level(
    rate_per_s: float,
    aht_s: float,
    threshold_s: float,
    target: float,
    *,
    patience_s: float | None = None,
    max_abandon: float | None = None,
) -> int:
    """Smallest number of agents whose service level reaches `target`.

    Erlang C without `patience_s`; Erlang A with it, where the service level is the
    all-arrivals variant of `ErlangA.service_level` and `max_abandon`, when given, must also
    hold. Both figures improve monotonically with agents, so the search is exact.
    """
    _check_rates(rate_per_s, aht_s)
    if not 0.0 < target < 1.0:
        raise ValueError(f"target must lie strictly between 0 and 1, got {target!r}")
    if not threshold_s >= 0:
        raise ValueError(f"threshold_s must be >= 0, got {threshold_s!r}")
    if max_abandon is not None and not 0.0 < max_abandon < 1.0:
        raise ValueError(f"max_abandon must lie strictly between 0 and 1, got {max_abandon!r}")
    if rate_per_s == 0:
        return 0
    if patience_s is None:
        if max_abandon is not None:
            raise ValueError("max_abandon needs patience_s: Erlang C has no abandonment")
        return _erlang_c_agents(rate_per_s * aht_s, threshold_s / aht_s, target)

    def ok(n: int) -> bool:
        r = erlang_a(n, rate_per_s, aht_s, patience_s, threshold_s)
        return r.service_level >= target and (max_abandon is None or r.abandon_rate <= max_abandon)

    hi = max(1, math.ceil(rate_per_s * aht_s))
    while not ok(hi):
        hi *= 2
    lo = 0  # invariant: ok(hi) and not ok(lo) (0 agents answer nobody)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _erlang_c_agents(load: float, threshold_in_aht: float, target: float) -> int:
    """Walk N upward from the stability bound, updating Erlang B in O(1) per step."""
    n = math.floor(load) + 1
    b = erlang_b(n, load)
    while 1.0 - _c_from_b(n, load, b) * math.exp(-(n - load) * threshold_in_aht) < target:
        n += 1
        b = load * b / (n + load * b)
    return n


@dataclass(frozen=True, slots=True)
class IntervalDemand:
    """Forecast work of one interval: `contacts` arriving over `interval_s` seconds."""

    start: str
    contacts: float
    aht_s: float
    interval_s: float = 1800.0


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """`service_level` answered within `threshold_s`; Erlang A when `patience_s` is set."""

    threshold_s: float = 20.0
    service_level: float = 0.8
    patience_s: float | None = None
    max_abandon: float | None = None


@dataclass(frozen=True, slots=True)
class StaffingRow:
    """Agents needed in one interval: `agents` on the phones, `scheduled` after shrinkage."""

    start: str
    contacts: float
    load_erlangs: float
    agents: int
    scheduled: int
    service_level: float
    abandon_rate: float
    asa_s: float
    occupancy: float


def staffing(
    rows: Iterable[IntervalDemand], target: ServiceTarget, shrinkage: float = 0.0
) -> list[StaffingRow]:
    """Required agents per interval, before and after shrinkage.

    Shrinkage is the share of paid time not available for contacts (breaks, training,
    meetings, absence): to have `agents` on the phones you must schedule
    ceil(agents / (1 - shrinkage)). The reported SL/abandon/ASA are those of `agents`.
    """
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must lie in [0, 1), got {shrinkage!r}")
    out: list[StaffingRow] = []
    for row in rows:
        if not row.interval_s > 0:
            raise ValueError(f"interval_s must be > 0 (interval {row.start}), got {row.interval_s}")
        rate = row.contacts / row.interval_s
        n = agents_for_service_level(
            rate,
            row.aht_s,
            target.threshold_s,
            target.service_level,
            patience_s=target.patience_s,
            max_abandon=target.max_abandon,
        )
        figures = erlang_a(n, rate, row.aht_s, target.patience_s or math.inf, target.threshold_s)
        scheduled = math.ceil(n / (1.0 - shrinkage) - 1e-9)
        out.append(
            StaffingRow(
                start=row.start,
                contacts=row.contacts,
                load_erlangs=rate * row.aht_s,
                agents=n,
                scheduled=scheduled,
                service_level=figures.service_level,
                abandon_rate=figures.abandon_rate,
                asa_s=figures.asa_s,
                occupancy=figures.occupancy,
            )
        )
    return out
