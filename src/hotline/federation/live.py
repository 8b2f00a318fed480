"""A router's load as a peer sees it: the one computation the live service and the twin share.

This module reads a `Router` (so `hotline.federation` sits one layer above the routing core);
it never changes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from hotline.domain.enums import AgentState
from hotline.federation.load import CenterLoad, QueueLoad, SlWindow
from hotline.routing import Router
from hotline.routing.matching import meets


def load_of(router: Router, sl: SlWindow, federated_in: Iterable[str], now: float) -> CenterLoad:
    """Per queue: waiting, estimated wait, ready and staffed agents, SL last 15 min, and how
    many live contacts in it came from peers (`federated_in`: their ids)."""
    cfg = router.config
    skills = {a.id: dict(a.skills) for a in cfg.agents}
    agents = router.agents()
    fed_in = Counter(c.queue for cid in federated_in if (c := router.contact(cid)) is not None)
    queues: dict[str, QueueLoad] = {}
    for q in cfg.queues:
        reqs = tuple((s.skill, s.min_level) for s in q.skills)
        mine = [a for a in agents if meets(skills.get(a.id, {}), reqs)]
        queues[q.id] = QueueLoad(
            waiting=len(router.waiting(q.id)),
            ewt_s=router.estimated_wait(q.id),
            ready=sum(a.state is AgentState.AVAILABLE for a in mine),
            staffed=sum(a.state is not AgentState.OFFLINE for a in mine),
            sl_15m=sl.level(q.id, now),
            federated_in=fed_in.get(q.id, 0),
        )
    return CenterLoad(cfg.name, queues)
