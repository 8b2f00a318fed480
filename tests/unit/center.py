"""A small center used by the routing specifications, plus helpers to drive a router."""

from __future__ import annotations

from hotline.domain import (
    AgentConfig,
    CenterConfig,
    Channel,
    OverflowRule,
    QueueConfig,
    RelaxStep,
    SkillRequirement,
    Strategy,
)
from hotline.domain.records import EventRecord
from hotline.routing import Router
from hotline.routing import events as ev


def queue(qid: str, *skills: tuple[str, int], **kw) -> QueueConfig:
    reqs = tuple(SkillRequirement(s, lvl) for s, lvl in skills)
    kw.setdefault("wrap_up_s", 0.0)
    return QueueConfig(id=qid, name=qid, skills=reqs, **kw)


def agent(aid: str, chat_capacity: int = 3, **skills: int) -> AgentConfig:
    return AgentConfig(id=aid, name=aid, skills=skills, chat_capacity=chat_capacity)


def center(queues, agents, strategy=Strategy.LONGEST_IDLE, **kw) -> CenterConfig:
    return CenterConfig(
        name="t", queues=tuple(queues), agents=tuple(agents), strategy=strategy, **kw
    )


class Drive:
    """Feeds a router and keeps every fact it emitted, like the runtime does."""

    def __init__(self, config: CenterConfig, now: float = 1_000_000.0) -> None:
        self.router = Router(config)
        self.now = now
        self.log: list[EventRecord] = []

    def at(self, t: float) -> Drive:
        self.now = t
        self.log += self.router.tick(t)
        return self

    def __call__(self, event, at: float | None = None) -> list[EventRecord]:
        if at is not None:
            self.now = at
        out = self.router.handle(event, self.now)
        self.log += out
        return out

    def login(self, *agent_ids: str) -> None:
        for a in agent_ids:
            self(ev.AgentLogin(a))

    def arrive(self, cid: str, q: str = "general", at: float | None = None, **kw):
        kw.setdefault("customer", "13800000000")
        return self(ev.ContactArrived(cid, q, **kw), at=at)

    def chat(self, cid: str, q: str = "general", at: float | None = None, **kw):
        return self.arrive(cid, q, at=at, channel=Channel.CHAT, **kw)

    def offer(self, agent_id: str) -> str | None:
        return self.router.offer_of(agent_id)

    def answer(self, agent_id: str) -> str:
        cid = self.offer(agent_id)
        assert cid, f"{agent_id} has no offer"
        self(ev.OfferAccepted(agent_id, cid))
        return cid

    def kinds(self, contact_id: str) -> list[str]:
        return [r.kind for r in self.log if r.contact_id == contact_id]


__all__ = ["Drive", "OverflowRule", "RelaxStep", "agent", "center", "queue"]
