"""The traffic model: piecewise-constant arrival rates per flow and channel, and their draws.

Arrivals are a non-homogeneous Poisson process whose rate is constant on *pieces*: the curve's
steps, cut again at every KPI interval and surge boundary. Inside a piece exponential gaps are
exact (memorylessness), so no thinning is needed and a quiet night costs nothing. Each stream
(flow × channel) draws from its own `random.Random`, seeded from the scenario seed and the
stream's name, so adding a flow does not change the draws of the others.

IVR-contained calls never reach the router: only their count per KPI interval is drawn (a
Poisson count per piece), which lets the 10010 scenario model a million self-service calls a
day at the cost of a few hundred draws.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from hotline.domain.enums import Channel
from hotline.sim.distributions import Sampler, poisson
from hotline.sim.scenario import DAY_S, Scenario
from hotline.sim.schema import ALL, FlowSection, clock_s

Piece = tuple[float, float, float]  # (start, end, arrivals per second)


def stream_rng(seed: int, *names: object) -> random.Random:
    """A generator of its own for one named stream (str seeds hash with SHA-512: stable)."""
    return random.Random(":".join(str(n) for n in (seed, *names)))


@dataclass(slots=True)
class Stream:
    """Contacts of one flow on one channel, with the samplers bound to its own generators."""

    index: int
    flow: FlowSection
    channel: Channel
    queue: str
    pieces: list[Piece]
    handle: Sampler
    patience: Sampler | None
    menu: Sampler | None
    rng: random.Random  # arrivals
    other: random.Random  # customer numbers, retrial decisions, callback outcomes
    retrial_delay: Sampler | None = None
    callback_handle: Sampler | None = None
    callback_share: float = 0.0  # share of contacts with a number to call back (voice only)
    contained: list[int] = field(default_factory=list)  # IVR-resolved calls per KPI interval

    def times(self) -> Iterator[float]:
        """Arrival instants in increasing order (exponential gaps inside each piece)."""
        draw = self.rng.expovariate
        for start, end, rate in self.pieces:
            if rate <= 0:
                continue
            t = start + draw(rate)
            while t < end:
                yield t
                t += draw(rate)


def _weights(flow: FlowSection) -> list[float]:
    curve = flow.curve or [1.0]
    total = sum(curve)
    return [w / total for w in curve]


def _breakpoints(scenario: Scenario, steps: int) -> list[float]:
    """Every instant where some rate may change: curve steps, KPI intervals, surge edges."""
    points = {scenario.start, scenario.end}
    for day in range(scenario.days):
        t0 = scenario.day_start(day)
        length = scenario.day_start(day + 1) - t0
        for k in range(steps):
            points.add(t0 + length * k / steps)
        n = int(length // scenario.interval_s)
        points.update(t0 + k * scenario.interval_s for k in range(n))
    for s in scenario.spec.surges:
        t0 = scenario.day_start(s.day - 1) + clock_s(s.start)
        points.update((t0, t0 + s.hours * 3600))
    return sorted(p for p in points if scenario.start <= p <= scenario.end)


def _surge_factor(scenario: Scenario, flow: str, t: float) -> float:
    factor = 1.0
    for s in scenario.spec.surges:
        if s.flows is not None and flow not in s.flows:
            continue
        t0 = scenario.day_start(s.day - 1) + clock_s(s.start)
        if t0 <= t < t0 + s.hours * 3600:
            factor *= s.factor
    return factor


def day_rate_pieces(scenario: Scenario, flow: FlowSection) -> list[Piece]:
    """Arrivals per second of `flow` (all channels, before the IVR) on every piece."""
    weights = _weights(flow)
    steps = len(weights)
    pieces: list[Piece] = []
    points = _breakpoints(scenario, steps)
    day_starts = [scenario.day_start(d) for d in range(scenario.days + 1)]
    for a, b in itertools.pairwise(points):
        day = bisect.bisect_right(day_starts, a) - 1
        length = day_starts[day + 1] - day_starts[day]
        step = min(int((a - day_starts[day]) / length * steps), steps - 1)
        rate = flow.volume_per_day * weights[step] * steps / length
        pieces.append((a, b, rate * _surge_factor(scenario, flow.name, a)))
    return pieces


def _pick(per: dict | None, channel: Channel):
    if per is None:
        return None
    return per.get(channel.value, per.get(ALL))


def build_streams(scenario: Scenario, seed: int) -> list[Stream]:
    """One `Stream` per (flow, channel) with a share above 0, in file order."""
    streams: list[Stream] = []
    for flow in scenario.spec.flows:
        base = day_rate_pieces(scenario, flow)
        total = sum(flow.channel_mix.values())
        for channel, share in flow.channel_mix.items():
            if share <= 0:
                continue
            name = (flow.name, channel.value)
            contain = flow.ivr.containment if flow.ivr and channel is Channel.VOICE else 0.0
            routed = [(a, b, r * share / total * (1 - contain)) for a, b, r in base]
            queue = flow.queue[channel.value] if isinstance(flow.queue, dict) else flow.queue
            patience = _pick(flow.patience, channel)
            menu = flow.ivr.menu if flow.ivr and channel is Channel.VOICE else None
            stream = Stream(
                index=len(streams),
                flow=flow,
                channel=channel,
                queue=queue,
                pieces=routed,
                handle=_pick(flow.handle, channel).sampler(stream_rng(seed, *name, "handle")),
                patience=patience.sampler(stream_rng(seed, *name, "patience"))
                if patience
                else None,
                menu=menu.sampler(stream_rng(seed, *name, "menu")) if menu else None,
                rng=stream_rng(seed, *name, "arrivals"),
                other=stream_rng(seed, *name, "outcomes"),
            )
            if flow.retrial is not None:
                stream.retrial_delay = flow.retrial.delay.sampler(stream_rng(seed, *name, "retry"))
            if flow.callback is not None and channel is Channel.VOICE:
                stream.callback_share = flow.callback.share
                spec = flow.callback.handle or _pick(flow.handle, Channel.VOICE)
                if spec is not None:
                    stream.callback_handle = spec.sampler(stream_rng(seed, *name, "cb"))
            if contain > 0:
                contained_rate = [(a, b, r * share / total * contain) for a, b, r in base]
                stream.contained = _contained(
                    scenario, contained_rate, stream_rng(seed, *name, "ivr")
                )
            streams.append(stream)
    return streams


def _contained(scenario: Scenario, pieces: list[Piece], rng: random.Random) -> list[int]:
    """Poisson counts of self-service calls per KPI interval."""
    n = max(1, round((scenario.end - scenario.start) / scenario.interval_s))
    counts = [0] * n
    for a, b, rate in pieces:
        k = min(int((a - scenario.start) // scenario.interval_s), n - 1)
        counts[k] += poisson(rng, rate * (b - a))
    return counts


def expected_per_day(scenario: Scenario) -> dict[str, float]:
    """Expected routed contacts per day by flow (for reports next to what the run produced)."""
    out: dict[str, float] = {}
    for flow in scenario.spec.flows:
        total = sum(flow.channel_mix.values())
        contain = flow.ivr.containment if flow.ivr else 0.0
        voice = flow.channel_mix.get(Channel.VOICE, 0.0) / total
        out[flow.name] = flow.volume_per_day * (1 - voice * contain)
    return out


__all__ = ["DAY_S", "Stream", "build_streams", "day_rate_pieces", "expected_per_day", "stream_rng"]
