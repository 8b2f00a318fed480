"""Routing-engine benchmark: one simulated day of a 1,000-agent center through `Router`.

`.venv/bin/python -m bench.route_engine [--quick]`. Seeded and deterministic: 30 skills, 20 queues
(some relax, some overflow, two chat), an intraday arrival curve, bots that accept offers after
2-8 s and talk a lognormal 180 s, callers who hang up after ~120 s. Only `handle`/`tick` are timed;
a call that made an offer is a *decision*. A naive app_queue-style router (one list per queue,
every event rescans every queue head against every agent) runs the same load at 1/10 scale.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import time
from dataclasses import dataclass, replace

from hotline.domain import AgentConfig, CenterConfig, Channel, QueueConfig, Strategy
from hotline.domain.models import OverflowRule, RelaxStep, SkillRequirement
from hotline.domain.records import EventRecord
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev

DAY_S = 86_400.0
# Relative arrivals per hour of the day: quiet nights, most calls between 9:00 and 21:00.
HOURLY = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 8, 7, 5, 3, 2)
HANDLE_MEAN_S, HANDLE_SIGMA = 180.0, 0.6
PATIENCE_MEAN_S = 120.0
SL_THRESHOLD_S = 20.0
ARRIVE, ABANDON, ACCEPT, COMPLETE = range(4)


@dataclass(frozen=True, slots=True)
class Workload:
    config: CenterConfig
    arrivals: list[tuple[float, str, Channel]]  # (time, queue, channel), in time order
    patience: list[float]  # per contact: seconds before the caller hangs up if unanswered
    handle: list[float]  # per contact: talk time once accepted
    ring: list[float]  # per contact: seconds the agent bot takes to accept the offer


def build_workload(
    agents: int, skills: int, queues: int, contacts: int, seed: int, day_s: float = DAY_S
) -> Workload:
    """The center and its day. The center depends only on the seed, not on `contacts`."""
    rng = random.Random(seed)
    names = [f"s{i:02d}" for i in range(skills)]
    share = [rng.uniform(0.3, 3.0) for _ in range(queues)]
    chat = set(rng.sample(range(queues), min(2, queues)))
    qs = []
    for i in range(queues):
        reqs = tuple(
            SkillRequirement(s, rng.randint(1, 5)) for s in rng.sample(names, rng.randint(1, 2))
        )
        relax = (RelaxStep(30.0, 2), RelaxStep(90.0, 1)) if i % 3 == 0 else ()
        target = f"q{rng.choice([j for j in range(queues) if j != i]):02d}"
        overflow = (OverflowRule(target, after_s=rng.choice((60.0, 120.0))),) if i % 4 == 1 else ()
        qs.append(QueueConfig(f"q{i:02d}", f"queue {i}", reqs, relax=relax, overflow=overflow))
    ags = []
    for i in range(agents):  # trained for a home queue (by traffic), plus random extra skills
        home = rng.choices(qs, share)[0]
        held = {r.skill: rng.randint(r.min_level, 10) for r in home.skills}
        for s in rng.sample(names, len(names)):
            if len(held) >= rng.randint(3, 6):
                break
            held.setdefault(s, rng.randint(1, 10))
        ags.append(AgentConfig(id=f"a{i:04d}", name=f"agent {i}", skills=held, chat_capacity=3))
    config = CenterConfig(name="bench", queues=tuple(qs), agents=tuple(ags))
    scale = 3600.0 * day_s / DAY_S
    hours = rng.choices(range(24), HOURLY, k=contacts)
    times = sorted((h + rng.random()) * scale for h in hours)
    picks = rng.choices(range(queues), share, k=contacts)
    chans = [Channel.CHAT if q in chat else Channel.VOICE for q in picks]
    mu = math.log(HANDLE_MEAN_S) - HANDLE_SIGMA**2 / 2  # mean of the lognormal = HANDLE_MEAN_S
    return Workload(
        config=config,
        arrivals=[(t, f"q{q:02d}", c) for t, q, c in zip(times, picks, chans, strict=True)],
        patience=[rng.expovariate(1 / PATIENCE_MEAN_S) for _ in range(contacts)],
        handle=[rng.lognormvariate(mu, HANDLE_SIGMA) for _ in range(contacts)],
        ring=[rng.uniform(2.0, 8.0) for _ in range(contacts)],
    )


def pct(sorted_ns: list[int], p: float) -> float:
    """Percentile in microseconds of a sorted list of nanoseconds."""
    n = len(sorted_ns)
    return sorted_ns[min(n - 1, int(p * n))] / 1000.0 if n else 0.0


def drive(router, wl: Workload) -> dict:
    """Play the day through `router` (anything with handle/tick/next_deadline); time each call."""
    heap = [(t, i, ARRIVE, i, "") for i, (t, _q, _c) in enumerate(wl.arrivals)]
    heapq.heapify(heap)
    seq = len(heap)
    answered = bytearray(len(heap))
    all_ns: list[int] = []
    dec_ns: list[int] = []
    n = {"offers": 0, "answered": 0, "abandoned": 0, "in_sl": 0}
    clock = time.perf_counter_ns

    def push(t: float, kind: int, i: int, agent: str = "") -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, seq, kind, i, agent))

    def step(event: ev.Event | None, now: float) -> bool:
        t0 = clock()
        try:
            out, ok = (router.tick(now) if event is None else router.handle(event, now)), True
        except RoutingError as exc:  # e.g. accepting an offer the caller already abandoned
            out, ok = getattr(exc, "outputs", []), False
        dt = clock() - t0
        all_ns.append(dt)
        made = 0
        for r in out:
            kind = r.kind
            if kind == "contact.offered":
                made += 1
                i = int(r.contact_id[1:])
                push(r.at + wl.ring[i], ACCEPT, i, r.agent_id)
            elif kind == "contact.answered":
                n["answered"] += 1
                n["in_sl"] += r.data["wait_s"] <= SL_THRESHOLD_S
            elif kind == "contact.ended" and r.data["outcome"] == "abandoned":
                n["abandoned"] += 1
        if made:
            n["offers"] += made
            dec_ns.append(dt)
        return ok

    wall = time.perf_counter()
    for a in wl.config.agents:
        step(ev.AgentLogin(a.id), 0.0)
    while True:
        due = router.next_deadline()
        if heap and (due is None or heap[0][0] < due):
            t, _s, kind, i, agent = heapq.heappop(heap)
            cid = f"c{i}"
            if kind == ARRIVE:
                _t, queue, channel = wl.arrivals[i]
                step(ev.ContactArrived(cid, queue, channel), t)
                push(t + wl.patience[i], ABANDON, i)
            elif kind == ABANDON:
                if not answered[i]:  # still waiting (or ringing an agent): hang up
                    step(ev.CustomerLeft(cid), t)
            elif kind == ACCEPT:
                if step(ev.OfferAccepted(agent, cid), t):
                    answered[i] = 1
                    push(t + wl.handle[i], COMPLETE, i, agent)
            else:
                step(ev.ContactCompleted(agent, cid), t)
        elif due is not None:
            step(None, due)
        else:
            break
    wall = time.perf_counter() - wall
    all_ns.sort()
    dec_ns.sort()
    engine_s = sum(all_ns) / 1e9
    served = n["answered"] + n["abandoned"]
    return {
        **n,
        "contacts": len(wl.arrivals),
        "calls": len(all_ns),
        "service_level": n["in_sl"] / served if served else 0.0,
        "engine_s": engine_s,
        "wall_s": wall,
        "decisions_per_s": n["offers"] / engine_s if engine_s else 0.0,
        "p50_us": pct(dec_ns, 0.50),
        "p99_us": pct(dec_ns, 0.99),
        "p99_all_us": pct(all_ns, 0.99),
    }


def _rec(now: float, kind: str, cid: str, agent: str | None = None, **data) -> EventRecord:
    return EventRecord(now, kind, cid, agent, data=data)


class _Agent:
    __slots__ = ("contacts", "id", "idle_since", "index", "offer", "on", "skills", "wrap_until")

    def __init__(self, aid: str, index: int, skills: dict[str, int]) -> None:
        self.id, self.index, self.skills, self.on, self.offer = aid, index, skills, False, None
        self.contacts: dict[str, Channel] = {}
        self.idle_since, self.wrap_until = 0.0, None

    def free(self, channel: Channel) -> bool:
        if not self.on or self.offer is not None or self.wrap_until is not None:
            return False
        if not self.contacts:
            return True
        chats = channel is Channel.CHAT and Channel.VOICE not in self.contacts.values()
        return chats and len(self.contacts) < 3


class NaiveRouter:
    """The reference design: one FIFO list per queue; every event rescans every queue head
    against every agent (longest idle). Relaxation and overflow are checked during the scan."""

    def __init__(self, config: CenterConfig) -> None:
        self.queues = {q.id: q for q in config.queues}
        self.lists: dict[str, list[str]] = {q.id: [] for q in config.queues}
        self.agents = {a.id: _Agent(a.id, i, dict(a.skills)) for i, a in enumerate(config.agents)}
        self.contacts: dict[str, list] = {}  # id -> [queue, channel, enqueued, since, agent]
        self.wraps: list[tuple[float, str]] = []
        self.out: list[EventRecord] = []

    def next_deadline(self) -> float | None:
        return self.wraps[0][0] if self.wraps else None

    def tick(self, now: float) -> list[EventRecord]:
        self.out = []
        woke = self.wraps and self.wraps[0][0] <= now
        while self.wraps and self.wraps[0][0] <= now:
            when, aid = heapq.heappop(self.wraps)
            self.agents[aid].wrap_until, self.agents[aid].idle_since = None, when
        if woke:
            self._scan(now)
        return self.out

    def handle(self, e: ev.Event, now: float) -> list[EventRecord]:
        out = self.tick(now)
        c = self.contacts.get(getattr(e, "contact_id", ""))
        if isinstance(e, ev.ContactArrived):
            self.contacts[e.contact_id] = [e.queue, e.channel, now, now, None]
            self.lists[e.queue].append(e.contact_id)
        elif isinstance(e, ev.AgentLogin):
            a = self.agents[e.agent_id]
            a.on, a.idle_since = True, now
        elif c is None:
            raise RoutingError(f"no live contact {getattr(e, 'contact_id', '')}")
        elif isinstance(e, ev.CustomerLeft):
            if c[4] is None:
                self.lists[c[0]].remove(e.contact_id)
            elif self.agents[c[4]].offer == e.contact_id:
                self.agents[c[4]].offer = None
            else:
                raise RoutingError("already answered")
            del self.contacts[e.contact_id]
            out.append(_rec(now, "contact.ended", e.contact_id, outcome="abandoned"))
        elif isinstance(e, ev.OfferAccepted):
            a = self.agents[e.agent_id]
            if a.offer != e.contact_id:
                raise RoutingError("not offered to this agent")
            a.offer, a.contacts[e.contact_id] = None, c[1]
            out.append(_rec(now, "contact.answered", e.contact_id, wait_s=now - c[2]))
        elif isinstance(e, ev.ContactCompleted):
            a = self.agents[e.agent_id]
            del a.contacts[e.contact_id], self.contacts[e.contact_id]
            out.append(_rec(now, "contact.ended", e.contact_id, outcome="completed"))
            wrap = self.queues[c[0]].wrap_up_s
            if not a.contacts and wrap > 0:
                a.wrap_until = now + wrap
                heapq.heappush(self.wraps, (a.wrap_until, e.agent_id))
            elif not a.contacts:
                a.idle_since = now
        self._scan(now)
        return out

    def _scan(self, now: float) -> None:
        for qid, waiting in self.lists.items():
            q = self.queues[qid]
            while waiting:
                cid = waiting[0]
                c = self.contacts[cid]
                waited = now - c[3]
                if q.overflow and waited >= (q.overflow[0].after_s or math.inf):
                    waiting.pop(0)
                    c[0], c[3] = q.overflow[0].target, now
                    self.lists[c[0]].append(cid)
                    continue
                cap = min((r.min_level for r in q.relax if waited >= r.after_s), default=10)
                reqs = [(r.skill, min(r.min_level, cap)) for r in q.skills]
                best, best_key = None, None
                for a in self.agents.values():
                    if a.free(c[1]) and all(a.skills.get(s, 0) >= lvl for s, lvl in reqs):
                        key = (len(a.contacts), a.idle_since, a.index)
                        if best_key is None or key < best_key:
                            best, best_key = a, key
                if best is None:
                    break
                waiting.pop(0)
                best.offer, c[4] = cid, best.id
                self.out.append(_rec(now, "contact.offered", cid, best.id))


def run_engine(
    agents: int = 1000,
    skills: int = 30,
    queues: int = 20,
    contacts: int = 200_000,
    seed: int = 1,
    strategies: tuple[Strategy, ...] = tuple(Strategy),
    naive: bool = True,
) -> dict:
    """`Router` under each strategy (headline: longest_idle); engine vs naive at 1/10 scale."""
    wl = build_workload(agents, skills, queues, contacts, seed)
    runs: dict[str, dict] = {}
    for strategy in dict.fromkeys((Strategy.LONGEST_IDLE, *strategies)):
        config = CenterConfig(
            name="bench", queues=wl.config.queues, agents=wl.config.agents, strategy=strategy
        )
        runs[strategy.value] = drive(Router(config), replace(wl, config=config))
    head = runs[Strategy.LONGEST_IDLE.value]
    result = {
        "engine_decisions_per_s": head["decisions_per_s"],
        "engine_p99_us": head["p99_us"],
        "engine_p50_us": head["p50_us"],
        "runs": runs,
    }
    if naive:
        small = build_workload(agents, skills, queues, contacts // 10, seed, DAY_S / 10)
        result["small_engine"] = drive(Router(small.config), small)
        result["small_naive"] = drive(NaiveRouter(small.config), small)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="20,000 contacts instead of 200,000")
    p.add_argument("--contacts", type=int, default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only-longest-idle", action="store_true", help="skip the other strategies")
    p.add_argument("--no-naive", action="store_true", help="skip the naive reference")
    args = p.parse_args()
    contacts = args.contacts or (20_000 if args.quick else 200_000)
    strategies = (Strategy.LONGEST_IDLE,) if args.only_longest_idle else tuple(Strategy)
    r = run_engine(
        contacts=contacts, seed=args.seed, strategies=strategies, naive=not args.no_naive
    )
    rows = [(f"engine {k}", v) for k, v in r["runs"].items()]
    if "small_naive" in r:
        rows += [
            ("engine (1/10 scale)", r["small_engine"]),
            ("naive (1/10 scale)", r["small_naive"]),
        ]
    print(
        f"{'run':<28}{'contacts':>9}{'calls':>9}{'offers':>8}{'answered':>9}{'abandon':>8}"
        f"{'SL20':>7}{'dec/s':>10}{'p50us':>8}{'p99us':>9}{'p99all':>9}{'wall_s':>8}"
    )
    for name, s in rows:
        print(
            f"{name:<28}{s['contacts']:>9}{s['calls']:>9}{s['offers']:>8}{s['answered']:>9}"
            f"{s['abandoned']:>8}{s['service_level']:>7.1%}{s['decisions_per_s']:>10.0f}"
            f"{s['p50_us']:>8.1f}{s['p99_us']:>9.1f}{s['p99_all_us']:>9.1f}{s['wall_s']:>8.1f}"
        )
    print(
        f"RESULT engine_decisions_per_s={r['engine_decisions_per_s']:.0f} "
        f"engine_p99_us={r['engine_p99_us']:.1f} engine_p50_us={r['engine_p50_us']:.1f}"
    )


if __name__ == "__main__":
    main()
