"""Agent assist on the desk: KB articles and answer templates for the live contact.

* `GET /api/ui/contacts/{id}/assist` - the customer's last lines (a chat's transcript), each
  searched in the KB and fused with the newest line weighing most (`hotline.kb.assist`); the
  best articles, and the answer templates that fit them, each template
  rendered with the values the desk knows (customer name on file, this contact's work order,
  the flight number the customer typed, the agent's name, today's date). The desk asks again
  whenever the customer writes, so the suggestions follow the conversation.
* `POST /api/ui/contacts/{id}/assist/used` - the agent quoted a suggestion: a `kb.used` fact
  on the contact's timeline (query, article or template, its rank). That query -> article log
  is what search quality is judged and improved by (`GET /api/kb/usage`).
* `GET /api/kb/usage` - supervisors: the most-used articles and templates and the queries
  that led to each, from the `kb.used` facts of a period.

Agents reach only their own contacts (the same `_visible` rule as the rest of the contact API).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field, model_validator

from hotline.channels.chat.service import ChatError
from hotline.domain.records import EventRecord
from hotline.kb.assist import flight_number, fuse, question, rank_templates, recent_lines
from hotline.routing.snapshot import ContactSnapshot
from hotline.web.deps import AgentUser, Service, Supervisor
from hotline.web.routes.contacts import _visible
from hotline.web.routes.tickets_common import Tickets
from hotline.web.schemas import Finite, RowId

router = APIRouter(tags=["ui"])

ARTICLES_SHOWN = 3
TEMPLATES_SHOWN = 3


class UsedIn(BaseModel):
    query: str = Field(default="", max_length=400)
    article_id: RowId | None = None
    template_id: RowId | None = None
    rank: int = Field(default=0, ge=0, le=50)

    @model_validator(mode="after")
    def _one(self) -> UsedIn:
        if (self.article_id is None) == (self.template_id is None):
            raise ValueError("give exactly one of article_id or template_id")
        return self


def _customer_lines(request: Request, contact_id: str) -> list[str]:
    """What the customer typed in this contact's chat (none for a call without a chat)."""
    chat = request.app.state.channels.chat
    try:
        rec = chat.session_for_contact(contact_id)
    except ChatError:
        return []
    return [m.body for m in chat.messages(rec) if m.sender == "customer" and m.kind == "text"]


def _values(
    service: Service, tickets: Tickets, snap: ContactSnapshot, lines: list[str], agent_id: str
) -> dict[str, str]:
    """Template values the desk knows for this contact (missing ones stay 【visible】)."""
    name, tz, agents = service.read(lambda r: (r.config.name, r.config.timezone, r.config.agents))
    values = {
        "agent_id": agent_id,
        "agent_name": next((a.name for a in agents if a.id == agent_id), agent_id),
        "date": dt.datetime.fromtimestamp(service.clock(), ZoneInfo(tz)).strftime("%Y-%m-%d"),
        "center": name,
    }
    if snap.customer:
        customer = tickets.repo.customer_by_identifier(snap.customer)
        if customer is not None and customer.name:
            values["customer_name"] = customer.name
    orders = tickets.repo.orders_for_contact(snap.origin_id or snap.id) or (
        tickets.repo.orders_for_contact(snap.id) if snap.origin_id else []
    )
    if orders:
        values["order_no"] = orders[-1].id
    flight = flight_number(lines)
    if flight:
        values["flight_no"] = flight
    return {k: v for k, v in values.items() if v}


@router.get("/api/ui/contacts/{contact_id}/assist")
def assist(
    contact_id: str, request: Request, service: Service, tickets: Tickets, user: AgentUser
) -> dict[str, Any]:
    snap = _visible(service, user, contact_id)
    every_line = _customer_lines(request, contact_id)
    lines = recent_lines(every_line)
    query = question(lines)
    out: dict[str, Any] = {"contact_id": contact_id, "query": query}
    out |= {"latest": lines[-1] if lines else "", "articles": [], "templates": []}
    if not lines:
        return out
    kb = request.app.state.channels.kb
    per_line = [kb.search(text, ARTICLES_SHOWN).hits for text in lines]
    found = {h.article.id: h for hits in reversed(per_line) for h in hits}  # newest line's hit
    fused = fuse([[h.article.id for h in hits] for hits in per_line])[:ARTICLES_SHOWN]
    out["articles"] = [
        {
            "id": found[aid].article.id,
            "title": found[aid].article.title,
            "title_html": found[aid].title_html,
            "snippet_html": found[aid].snippet_html,
            "category": found[aid].article.category,
            "under_review": found[aid].article.under_review,
            "score": round(score, 4),
            "rank": i,
        }
        for i, (aid, score) in enumerate(fused)
    ]
    values = _values(service, tickets, snap, every_line, user.agent_id or snap.agent_id or "")
    ranked = rank_templates(
        request.app.state.channels.kb_store.templates(),
        lines,
        [[h.article.category for h in hits] for hits in per_line],
        values,
        TEMPLATES_SHOWN,
    )
    out["templates"] = [
        {
            "id": t.template.id,
            "name": t.template.name,
            "category": t.template.category,
            "text": t.rendered.text,
            "missing": list(t.rendered.missing),
            "score": round(t.score, 4),
            "rank": i,
        }
        for i, t in enumerate(ranked)
    ]
    out["values"] = values
    return out


@router.post("/api/ui/contacts/{contact_id}/assist/used", status_code=201)
async def used(
    contact_id: str, body: UsedIn, request: Request, service: Service, user: AgentUser
) -> dict[str, Any]:
    snap = _visible(service, user, contact_id)
    kb = request.app.state.channels.kb
    if body.article_id is not None and kb.article(body.article_id) is None:
        raise HTTPException(404, f"no article {body.article_id}")
    if body.template_id is not None and not any(
        t.id == body.template_id for t in request.app.state.channels.kb_store.templates()
    ):
        raise HTTPException(404, f"no template {body.template_id}")
    record = EventRecord(
        at=service.clock(),
        kind="kb.used",
        contact_id=contact_id,
        agent_id=user.agent_id,
        queue=snap.queue,
        channel=snap.channel.value,
        data={
            "query": body.query,
            "article_id": body.article_id,
            "template_id": body.template_id,
            "rank": body.rank,
            "by": user.username,
        },
    )
    return {"seq": (await service.note(record)).seq}


@router.get("/api/kb/usage")
def usage(
    service: Service,
    _user: Supervisor,
    start: Finite | None = Query(default=None, alias="from"),
    end: Finite | None = Query(default=None, alias="to"),
    limit: int = Query(default=20, ge=1, le=200),
) -> dict[str, Any]:
    """What agents quoted (default: the last 30 days), most used first, with the queries."""
    now = service.clock()
    end_ = end if end is not None else now + 1
    start_ = start if start is not None else end_ - 30 * 86400
    if start_ >= end_:
        raise HTTPException(422, "from must be before to")
    used_n: Counter[tuple[str, int]] = Counter()
    queries: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for e in service.store.events_of_kind("kb.used", start_, end_):
        kind = "article" if e.data.get("article_id") is not None else "template"
        key = (kind, int(e.data.get(f"{kind}_id") or 0))
        used_n[key] += 1
        if e.data.get("query"):
            queries[key][e.data["query"]] += 1
    return {
        "from": start_,
        "to": end_,
        "items": [
            {
                "kind": kind,
                "id": item_id,
                "used": n,
                "queries": [
                    {"query": q, "n": c} for q, c in queries[(kind, item_id)].most_common(5)
                ],
            }
            for (kind, item_id), n in used_n.most_common(limit)
        ],
    }
