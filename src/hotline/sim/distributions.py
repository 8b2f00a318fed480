"""Random durations for the traffic model: handle times, patience, delays.

Each distribution is a small pydantic model (the scenario file names it with `dist:`) that
turns into a *sampler bound to one `random.Random`*: a zero-argument callable. Binding the
stream once keeps the simulator's hot loop to one call per draw (no spec lookups), and giving
every stream its own generator keeps runs reproducible when one stream changes.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from abc import abstractmethod
from collections.abc import Callable
from functools import partial
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

Sampler = Callable[[], float]
PositiveFloat = Annotated[float, Strict(), Field(gt=0)]
NonNegativeFloat = Annotated[float, Strict(), Field(ge=0)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @abstractmethod
    def mean(self) -> float:
        """Expected value in seconds (the planners' Erlang inputs)."""

    @abstractmethod
    def sampler(self, rng: random.Random) -> Sampler:
        """A draw function bound to `rng` (one stream per use keeps runs reproducible)."""


class Exponential(_Dist):
    """Memoryless: the textbook patience and the Erlang C/A handle time."""

    dist: Literal["exponential"]
    mean_s: PositiveFloat

    def mean(self) -> float:
        return self.mean_s

    def sampler(self, rng: random.Random) -> Sampler:
        return partial(rng.expovariate, 1.0 / self.mean_s)


class LogNormal(_Dist):
    """Right-skewed handle times as contact centers measure them; given by mean and CV."""

    dist: Literal["lognormal"]
    mean_s: PositiveFloat
    cv: PositiveFloat = 0.6

    def mean(self) -> float:
        return self.mean_s

    def sampler(self, rng: random.Random) -> Sampler:
        sigma = math.sqrt(math.log1p(self.cv**2))
        mu = math.log(self.mean_s) - sigma**2 / 2  # so that the mean is exactly mean_s
        return partial(rng.lognormvariate, mu, sigma)


class Uniform(_Dist):
    """Bounded delays, e.g. how long an agent takes to pick up a ringing offer."""

    dist: Literal["uniform"]
    low_s: NonNegativeFloat
    high_s: NonNegativeFloat

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_s < self.low_s:
            raise ValueError("high_s must be >= low_s")
        return self

    def mean(self) -> float:
        return (self.low_s + self.high_s) / 2

    def sampler(self, rng: random.Random) -> Sampler:
        return partial(rng.uniform, self.low_s, self.high_s)


class Fixed(_Dist):
    """A constant (IVR menu length, a deterministic test)."""

    dist: Literal["fixed"]
    value_s: NonNegativeFloat

    def mean(self) -> float:
        return self.value_s

    def sampler(self, rng: random.Random) -> Sampler:
        return itertools.repeat(self.value_s).__next__


class Empirical(_Dist):
    """Resampled from history (e.g. last month's handle times), optionally weighted."""

    dist: Literal["empirical"]
    values_s: list[NonNegativeFloat] = Field(min_length=1)
    weights: list[PositiveFloat] | None = None

    @model_validator(mode="after")
    def _same_length(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values_s):
            raise ValueError("weights must have one entry per value in values_s")
        return self

    def mean(self) -> float:
        w = self.weights or [1.0] * len(self.values_s)
        return sum(v * x for v, x in zip(self.values_s, w, strict=True)) / sum(w)

    def sampler(self, rng: random.Random) -> Sampler:
        values = list(self.values_s)
        if self.weights is None:
            return partial(rng.choice, values)
        cum = list(itertools.accumulate(self.weights))
        total, pick, draw = cum[-1], bisect.bisect_right, rng.random
        last = len(values) - 1
        return lambda: values[min(pick(cum, draw() * total), last)]


Distribution = Annotated[
    Exponential | LogNormal | Uniform | Fixed | Empirical, Field(discriminator="dist")
]


def poisson(rng: random.Random, lam: float) -> int:
    """One Poisson(lam) draw: Knuth for small means, Hörmann's PTRS transformed rejection above.

    Used to count IVR-contained calls per interval without generating a million arrival times.
    """
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha, v_r = 1.1239 + 1.1328 / (b - 3.4), 0.9277 - 3.6224 / (b - 2)
    while True:
        u, v = rng.random() - 0.5, rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v * inv_alpha / (a / (us * us) + b))
        if lhs <= -lam + k * loglam - math.lgamma(k + 1):
            return k
