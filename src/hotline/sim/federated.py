"""Federated centers in the twin: several `Router`s on one virtual clock, exchanging load.

Each center is the live router with simple agents (accept after a ring, serve an exponential
handle time, no wrap-up) and Poisson callers with exponential patience. Every `push_every_s`
each center's load (`hotline.federation.load_of`, as the live service computes it) is posted
to the others' boards, so decisions see reports up to that old, as live. Every `round_s` the
same rule as the live service runs: waiting contacts, head first, go to the peer that
`choose_peer` names if the peer's `acceptance` agrees; the sender ends them
(`ContactHandedOff`), the receiver queues them with `waited_s` kept. A caller's patience
travels with them. Kept apart from `engine.py` on purpose (that loop is tuned for speed).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

from hotline.domain import AgentConfig, CenterConfig, Channel, QueueConfig, SkillRequirement
from hotline.domain.federation import FederationConfig, PeerConfig
from hotline.federation import PeerBoard, SlWindow, acceptance, choose_peer
from hotline.federation.live import load_of
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev

ARRIVE, ABANDON, ACCEPT, COMPLETE, PUSH, ROUND = range(6)
QUEUE = "general"


@dataclass(frozen=True, slots=True)
class CenterSpec:
    name: str
    agents: int
    rate_per_h: float  # arrivals per hour outside the surge
    surge_factor: float = 1.0  # arrivals multiplied by this during the surge window


@dataclass(frozen=True, slots=True)
class FedScenario:
    centers: tuple[CenterSpec, ...]
    hours: float = 4.0
    surge: tuple[float, float] = (1.0, 2.0)  # hours from the start
    aht_s: float = 180.0
    patience_s: float = 120.0
    ring_s: float = 3.0
    sl_threshold_s: float = 20.0
    federated: bool = True
    push_every_s: float = 2.0
    round_s: float = 1.0
    ewt_over_s: float = 30.0
    peer_ewt_under_s: float = 20.0
    max_share: float = 0.5
    seed: int = 1


@dataclass(slots=True)
class FedResult:
    arrivals: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    moved: int = 0
    moved_in: dict[str, int] = field(default_factory=dict)
    lost: int = 0  # neither answered nor abandoned at the end: must be 0

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.arrivals if self.arrivals else 0.0

    @property
    def service_level(self) -> float:
        return self.answered_in_sl / self.arrivals if self.arrivals else 0.0


def _config(spec: CenterSpec, sc: FedScenario) -> CenterConfig:
    peers = tuple(
        PeerConfig(
            name=o.name,
            url=f"sim://{o.name}",
            username="sim",
            password="sim",
            queues={QUEUE: QUEUE},
            ewt_over_s=sc.ewt_over_s,
            peer_ewt_under_s=sc.peer_ewt_under_s,
            max_share=sc.max_share,
        )
        for o in sc.centers
        if o.name != spec.name and sc.federated
    )
    return CenterConfig(
        name=spec.name,
        queues=(
            QueueConfig(
                QUEUE,
                QUEUE,
                skills=(SkillRequirement("general", 1),),
                sl_threshold_s=sc.sl_threshold_s,
                wrap_up_s=0.0,
                expected_aht_s=sc.aht_s,
                offer_timeout_s=30.0,
            ),
        ),
        agents=tuple(
            AgentConfig(f"{spec.name}-{i}", f"{spec.name}-{i}", {"general": 5})
            for i in range(spec.agents)
        ),
        federation=FederationConfig(
            peers=peers, accept_max_share=sc.max_share, stale_after_s=3 * sc.push_every_s
        ),
    )


class FederatedSimulation:
    def __init__(self, sc: FedScenario) -> None:
        self.sc = sc
        # separate streams, so the same callers arrive with and without federation
        self.arrivals = {c.name: random.Random(f"{sc.seed}-{c.name}") for c in sc.centers}
        self.patience = random.Random(f"{sc.seed}-patience")
        self.handle = random.Random(f"{sc.seed}-handle")
        self.routers = {c.name: Router(_config(c, sc)) for c in sc.centers}
        self.boards = {c.name: PeerBoard(3 * sc.push_every_s) for c in sc.centers}
        self.sl = {c.name: SlWindow() for c in sc.centers}
        self.fed_in: dict[str, set[str]] = {c.name: set() for c in sc.centers}
        self.where: dict[str, str] = {}  # contact -> center holding it now
        self.done: set[str] = set()
        self.result = FedResult()
        self._heap: list[tuple[float, int, int, str, str]] = []
        self._seq = 0

    def _push(self, t: float, kind: int, a: str, b: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, a, b))

    def _send(self, center: str, event: ev.Event, t: float) -> bool:
        try:
            out = self.routers[center].handle(event, t)
        except RoutingError as exc:
            self._react(center, getattr(exc, "outputs", []), t)
            return False
        self._react(center, out, t)
        return True

    def _react(self, center: str, out, t: float) -> None:
        for r in out:
            if r.kind == "contact.offered":
                self._push(max(r.at, t) + self.sc.ring_s, ACCEPT, r.agent_id, r.contact_id)
            elif r.kind == "contact.answered":
                self.sl[center].answered(QUEUE, r.at, r.data["wait_s"], self.sc.sl_threshold_s)
                self.result.answered += 1
                self.result.answered_in_sl += r.data["wait_s"] <= self.sc.sl_threshold_s
                self.done.add(r.contact_id)
            elif r.kind == "contact.ended" and r.data["outcome"] == "abandoned":
                self.sl[center].abandoned(QUEUE, r.at)
                self.result.abandoned += 1
                self.done.add(r.contact_id)
            if r.kind == "contact.ended":
                self.fed_in[center].discard(r.contact_id or "")

    def run(self) -> FedResult:
        sc, end = self.sc, self.sc.hours * 3600.0
        for name, router in self.routers.items():
            for a in router.config.agents:
                self._send(name, ev.AgentLogin(a.id), 0.0)
        for spec in sc.centers:
            self._next_arrival(spec, 0.0)
        if sc.federated:
            self._push(0.0, PUSH, "")
            self._push(0.0, ROUND, "")
        n = 0
        while self._heap:
            t, _s, kind, a, b = heapq.heappop(self._heap)
            for name, router in self.routers.items():  # deadlines due before this event
                self._react(name, router.tick(t), t)
            if kind == ARRIVE:
                spec = next(c for c in sc.centers if c.name == a)
                if t < end:
                    n += 1
                    cid = f"{a}-{n}"
                    self.where[cid] = a
                    self.result.arrivals += 1
                    self._send(a, ev.ContactArrived(cid, QUEUE, Channel.VOICE), t)
                    self._push(t + self.patience.expovariate(1 / sc.patience_s), ABANDON, cid)
                    self._next_arrival(spec, t)
            elif kind == ABANDON and a not in self.done:
                self._send(self.where[a], ev.CustomerLeft(a), t)
            elif kind == ACCEPT:
                center = self.where[b]
                if self._send(center, ev.OfferAccepted(a, b), t):
                    self._push(t + self.handle.expovariate(1 / sc.aht_s), COMPLETE, a, b)
            elif kind == COMPLETE:
                self._send(self.where[b], ev.ContactCompleted(a, b), t)
            elif kind == PUSH and t < end + 3600:
                for name, router in self.routers.items():
                    load = load_of(router, self.sl[name], self.fed_in[name], t)
                    for other, board in self.boards.items():
                        if other != name:
                            board.heard(load, t)
                self._push(t + sc.push_every_s, PUSH, "")
            elif kind == ROUND and t < end + 3600:
                self._round(t)
                self._push(t + sc.round_s, ROUND, "")
        self.result.lost = self.result.arrivals - self.result.answered - self.result.abandoned
        return self.result

    def _next_arrival(self, spec: CenterSpec, t: float) -> None:
        lo, hi = (h * 3600.0 for h in self.sc.surge)
        rate = spec.rate_per_h * (spec.surge_factor if lo <= t < hi else 1.0) / 3600.0
        self._push(t + self.arrivals[spec.name].expovariate(rate), ARRIVE, spec.name)

    def _round(self, t: float) -> None:
        """The live service's rule, on every center: move waiting contacts head first."""
        for name, router in self.routers.items():
            cfg = router.config.federation
            for cid in router.waiting(QUEUE):
                if cid in self.fed_in[name]:
                    continue  # never passed on twice
                snap = router.contact(cid)
                ewt = router.estimated_wait(QUEUE)
                cand = choose_peer(QUEUE, ewt, t - snap.enqueued_at, cfg, self.boards[name], t)
                if cand is None:
                    break  # the same estimate holds for everyone behind (no after_s rule here)
                peer = self.routers[cand.peer]
                here = load_of(peer, self.sl[cand.peer], self.fed_in[cand.peer], t)
                if acceptance(peer.config.federation, here.queues.get(cand.peer_queue)):
                    break  # refused: the contact stays where it is, at the head
                self._send(name, ev.ContactHandedOff(cid, cand.peer), t)
                self.where[cid] = cand.peer
                self.fed_in[cand.peer].add(cid)
                arrived = ev.ContactArrived(
                    cid, cand.peer_queue, Channel.VOICE, waited_s=t - snap.enqueued_at
                )
                self._send(cand.peer, arrived, t)
                self.result.moved += 1
                self.result.moved_in[cand.peer] = self.result.moved_in.get(cand.peer, 0) + 1


def simulate_federation(sc: FedScenario) -> FedResult:
    return FederatedSimulation(sc).run()
