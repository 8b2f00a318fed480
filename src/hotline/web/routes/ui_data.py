"""Read-only data the browser screens need and the resource API does not give in one call.

Everything here reads the router or the stored timeline; nothing changes state. Customer
identifiers are masked exactly as in the rest of the API (the full number only comes from the
audited `POST /api/contacts/{id}/reveal`).

* `GET /api/ui/desk` - the agent desktop: my state, my offer (with its deadline), my contacts,
  callback tasks I could be given, handled today.
* `GET /api/ui/directory` - queue and agent names (with skills, teams, regions), for
  transfers, labels and the report filters.
* `GET /api/ui/contacts/{id}/card` - the contact card: customer history, repeat-caller flag,
  the customer's open work orders and the categories a new order may take.
* `GET /api/ui/wallboard/live` - queues, agents and waiting contacts now (router only, cheap).
* `GET /api/ui/wallboard/stats` - SL/abandon/ASA today and last 30 min per queue, handled
  today per agent, and the intraday series for the charts (one read of today's timeline).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, status

from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.kpi import KpiOptions
from hotline.routing import Router
from hotline.routing.matching import meets
from hotline.routing.snapshot import ContactSnapshot
from hotline.store import User
from hotline.store.aggregates_query import Filters
from hotline.web.deps import AgentUser, Service, Supervisor, agent_of
from hotline.web.routes.contacts import _visible
from hotline.web.routes.federation import banner as emergency_banner
from hotline.web.routes.queues import queue_status
from hotline.web.routes.reports import ReportsDep
from hotline.web.routes.tickets_common import Tickets, order_view
from hotline.web.routes.ui_card import hold_times, ivr_summary, last_rating
from hotline.web.routes.views import agent_view, contact_view

router = APIRouter(prefix="/api/ui", tags=["ui"])

#: a customer who contacted within this many days before is flagged as a repeat caller
REPEAT_WINDOW_DAYS = 7
#: how many stored contacts are scanned for a customer's history (see `_customer_contacts`)
HISTORY_SCAN = 5000
HISTORY_SHOWN = 8
WAITING = (ContactStatus.QUEUED, ContactStatus.SCHEDULED, ContactStatus.OFFERED)


def _names(r: Router) -> tuple[dict[str, str], dict[str, str]]:
    return (
        {q.id: q.name for q in r.config.queues},
        {a.id: a.name for a in r.config.agents},
    )


def customer_kind(c: ContactSnapshot) -> str:
    """What the customer identifier is, so the desk labels it: a phone number (masked, with an
    audited reveal), a WeChat user, or a web visitor (a session, nothing to reveal or call)."""
    who = c.customer or ""
    if who.startswith("wechat:"):
        return "wechat"
    if who.startswith("chat:") or (not who and c.id.startswith("chat-")):
        return "web"
    return "phone" if who else "none"


def _desk_view(c: ContactSnapshot, now: float, queue_names: dict[str, str]) -> dict[str, Any]:
    kind = customer_kind(c)
    view = {**contact_view(c, now), "queue_name": queue_names.get(c.queue, c.queue)}
    if kind in ("web", "wechat"):
        view["customer"] = None  # a session id or openid is no number: never shown masked
    # a chat, or a callback task made from one, has a transcript in the chat service
    return view | {"customer_kind": kind, "has_chat": c.id.startswith("chat-")}


def _midnight(now: float, tz: str) -> float:
    local = dt.datetime.fromtimestamp(now, ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _offer_deadline(service: Service, contact_id: str) -> float | None:
    """`expires_at` of the contact's latest offer (the REST contact view does not carry it)."""
    for r in reversed(service.store.events_for_contact(contact_id)):
        if r.kind == "contact.offered":
            value = r.data.get("expires_at")
            return float(value) if value is not None else None
    return None


def _handled_today(service: Service, now: float) -> tuple[list[EventRecord], Counter[str]]:
    """Today's timeline (local midnight in the center's zone) and contacts finished per agent.

    Finished = ended as completed by the agent, or passed on with a transfer.
    """
    tz = service.read(lambda r: r.config.timezone)
    start = _midnight(now, tz)  # type: ignore[arg-type]
    events = service.store.events_for_range(min(start, now - 1800), now + 1)
    handled: Counter[str] = Counter()
    for e in events:
        if e.at < start:
            continue
        if e.kind == "contact.ended" and e.data.get("outcome") == "completed" and e.agent_id:
            handled[e.agent_id] += 1
        elif e.kind == "contact.transferred" and e.data.get("from_agent"):
            handled[str(e.data["from_agent"])] += 1
    return events, handled


@router.get("/directory")
async def directory(service: Service, _user: AgentUser) -> dict[str, Any]:
    """Queue and agent names with each agent's current state (transfer targets, labels)."""

    def read(r: Router) -> dict[str, Any]:
        states = {a.id: a.state.value for a in r.agents()}
        return {
            "queues": [
                {
                    "id": q.id,
                    "name": q.name,
                    "skills": [req.skill for req in q.skills],
                }
                for q in r.config.queues
            ],
            "agents": [
                {"id": a.id, "name": a.name, "state": states.get(a.id, "offline"), "team": a.team}
                for a in r.config.agents
            ],
            "regions": [  # the report's province filter: those that have queues of their own
                {"id": g.id, "name": g.name, "provinces": sorted(g.provinces)}
                for g in r.config.regions.regions
                if g.queues
            ],
        }

    return service.read(read)  # type: ignore[return-value]


@router.get("/desk")
def desk(service: Service, user: AgentUser, request: Request) -> dict[str, Any]:
    """Everything the agent desktop shows, in one consistent read of the router."""
    agent_id = agent_of(user)
    now = service.clock()

    def read(r: Router) -> dict[str, Any]:
        a = r.agent(agent_id)
        if a is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent {agent_id} is not configured")
        cfg = next((c for c in r.config.agents if c.id == agent_id), None)
        skills = dict(cfg.skills) if cfg else {}
        offer_id = r.offer_of(agent_id)
        serves = [
            q
            for q in r.config.queues
            if meets(skills, tuple((s.skill, s.min_level) for s in q.skills))
        ]
        served_ids = {q.id for q in serves}
        callbacks = [
            c
            for c in r.contacts()
            if c.channel is Channel.CALLBACK
            and c.queue in served_ids
            and (c.status in WAITING or c.agent_id == agent_id)
        ]
        return {
            "agent": a,
            "name": cfg.name if cfg else agent_id,
            "chat_capacity": cfg.chat_capacity if cfg else 0,
            # a consult the agent is on (`<contact>#consult`) is no contact of theirs
            "active": [s for c in a.contacts if (s := r.contact(c)) is not None],
            "offer": r.contact(offer_id) if offer_id else None,
            "callbacks": callbacks,
            "queues": [q.id for q in serves],
            "names": _names(r),
        }

    got: dict[str, Any] = service.read(read)  # type: ignore[assignment]
    queue_names, _agent_names = got["names"]

    def view(c: ContactSnapshot) -> dict[str, Any]:
        return _desk_view(c, now, queue_names)

    offer = None
    if got["offer"] is not None:
        offer = view(got["offer"])
        offer["expires_at"] = _offer_deadline(service, offer["id"])
    callbacks = sorted(
        (view(c) for c in got["callbacks"]), key=lambda v: (v["due_at"] or 0, v["created_at"])
    )
    active = [view(c) for c in got["active"] if c is not None]
    for v in active:
        if v["channel"] != "chat":
            v["hold_done_s"], v["held_since"] = hold_times(service, v["id"])
    return {
        "now": now,
        "agent": {
            **agent_view(got["agent"], now),
            "wrap_until": got["agent"].wrap_until,
            "name": got["name"],
            "chat_capacity": got["chat_capacity"],
        },
        "offer": offer,
        "active": active,
        "callbacks": callbacks,
        "queues": got["queues"],
        "emergency": emergency_banner(request),  # the active plan's banner, or None
    }


def _customer_contacts(service: Service, customer: str) -> list[ContactSnapshot]:
    """Stored contacts of one customer, newest first.

    The store has no customer filter yet, so this scans the newest `HISTORY_SCAN` contacts;
    a `customer=` filter on `Store.contacts` (indexed) would make it exact at any volume.
    """
    return [c for c in service.store.contacts(limit=HISTORY_SCAN) if c.customer == customer]


def _open_orders(tickets: Tickets, user: User, snap: ContactSnapshot) -> dict[str, Any]:
    """The customer's open work orders (and any linked to this contact), most urgent SLA first,
    and the categories a new order may take. Agents read them through a contact routed to them,
    as the portrait does (`/api/customers/portrait/{id}`)."""
    actor = tickets.actor_for(user.username, user.role, user.agent_id)
    cfg, now = tickets.config(), tickets.clock()
    found = {o.id: o for o in tickets.repo.orders_for_contact(snap.id)}
    if snap.customer:
        found.update((o.id, o) for o in tickets.repo.orders_for_customer([snap.customer], None))
    views = [order_view(o, cfg, now, actor) for o in found.values() if o.state.open]

    def due(v: dict[str, Any]) -> float:
        clocks = [(v["sla"] or {}).get(k) or {} for k in ("first_action", "resolution")]
        dues = [c["due_at"] for c in clocks if c.get("due_at") and not c.get("done_at")]
        return min(dues, default=float("inf"))

    return {
        "work_orders": sorted(views, key=lambda v: (due(v), v["created_at"])),
        "order_categories": [
            {"id": c.id, "name": c.name, "required": list(c.required)}
            for c in cfg.categories.values()
        ],
    }


def _notes(service: Service, contact_id: str) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at,
            "agent_id": e.agent_id,
            "disposition": e.data.get("disposition"),
            "note": e.data.get("note"),
        }
        for e in service.store.events_for_contact(contact_id)
        if e.kind == "contact.note"
    ]


@router.get("/contacts/{contact_id}/card")
def contact_card(
    contact_id: str,
    service: Service,
    tickets: Tickets,
    user: AgentUser,
    repeat_days: float = Query(default=REPEAT_WINDOW_DAYS, gt=0, le=365),
) -> dict[str, Any]:
    """The contact card: the contact, its customer's earlier contacts, the repeat flag and the
    customer's open work orders."""
    snap = _visible(service, user, contact_id)
    now = service.clock()
    queue_names, agent_names = service.read(_names)  # type: ignore[misc]
    history: list[dict[str, Any]] = []
    repeat = False
    if snap.customer:
        earlier = [
            c
            for c in _customer_contacts(service, snap.customer)
            if c.id != snap.id and c.created_at < snap.created_at and c.id != snap.origin_id
        ]
        window = repeat_days * 86400
        repeat = any(
            snap.created_at - c.created_at <= window
            for c in earlier
            if c.channel is not Channel.CALLBACK
        )
        for c in earlier[:HISTORY_SHOWN]:
            notes = _notes(service, c.id)
            survey = tickets.repo.survey(c.id)
            history.append(
                {
                    **contact_view(c, now),
                    "rating": survey.rating if survey and survey.answered_at else None,
                    "rated_at": survey.answered_at if survey else None,
                    "queue_name": queue_names.get(c.queue, c.queue),
                    "agent_name": agent_names.get(c.agent_id or "", c.agent_id),
                    "disposition": next(
                        (n["disposition"] for n in reversed(notes) if n["disposition"]), None
                    ),
                    "note": next((n["note"] for n in reversed(notes) if n["note"]), None),
                }
            )
    return {
        "contact": {
            **contact_view(snap, now),
            "queue_name": queue_names.get(snap.queue, snap.queue),
        },
        "history": history,
        "repeat": repeat,
        "repeat_days": repeat_days,
        "notes": _notes(service, contact_id),
        "ivr": ivr_summary(service, snap),
        **_open_orders(tickets, user, snap),
        "customer_kind": customer_kind(snap),
        "last_csat": last_rating(history),
    }


@router.get("/wallboard/live")
async def wallboard_live(service: Service, _user: Supervisor, request: Request) -> dict[str, Any]:
    """Queues, agents and waiting contacts as the router holds them now."""
    now = service.clock()

    def read(r: Router) -> dict[str, Any]:
        queue_names, agent_names = _names(r)
        # the same set the queue rows count (queued for an agent), so the tile, the rows and
        # the list agree; ringing offers and scheduled callbacks are counted beside it
        contacts = r.contacts()
        waiting = [c for c in contacts if c.status is ContactStatus.QUEUED]
        ringing = sum(1 for c in contacts if c.status is ContactStatus.OFFERED)
        scheduled = sum(1 for c in contacts if c.status is ContactStatus.SCHEDULED)
        return {
            "queues": queue_status(r, now),
            "agents": [
                {**agent_view(a, now), "name": agent_names.get(a.id, a.id)}
                for a in sorted(r.agents(), key=lambda a: a.id)
            ],
            "waiting": [
                _desk_view(c, now, queue_names)
                for c in sorted(waiting, key=lambda c: c.enqueued_at)
            ],
            "ringing": ringing,
            "scheduled_callbacks": scheduled,
        }

    live = service.read(read)
    return {"now": now, **live, "emergency": emergency_banner(request)}  # type: ignore[dict-item]


def _kpi_row(k: Any) -> dict[str, Any]:
    return {
        "offered": k.offered,
        "answered": k.answered,
        "abandoned": k.abandoned,
        "service_level": k.service_level,
        "abandon_rate": k.abandon_rate,
        "asa_s": k.asa_s,
        "max_wait_s": k.max_wait_s,
    }


@router.get("/wallboard/stats")
def wallboard_stats(
    service: Service,
    _user: Supervisor,
    reports: ReportsDep,
    step_s: int = Query(default=1800, ge=300, le=3600),
) -> dict[str, Any]:
    """Per-queue KPIs today and in the last 30 minutes (each queue with its own SL threshold),
    contacts handled today per agent, and intraday arrivals/answered/abandoned per `step_s`."""
    now = service.clock()
    config = service.read(lambda r: r.config)
    _, handled = _handled_today(service, now)
    start = _midnight(now, config.timezone)  # type: ignore[attr-defined]
    queues: dict[str, Any] = {}
    reader = reports.fresh()  # the stored aggregates, not a refold of today's timeline
    for q in config.queues:  # type: ignore[attr-defined]
        f = Filters(q.id, options=KpiOptions(sl_threshold_s=q.sl_threshold_s))
        today, recent = reader.ranges([(start, now + 1), (now - 1800, now + 1)], f)
        queues[q.id] = {"today": _kpi_row(today.total), "last_30m": _kpi_row(recent.total)}
    n = math.ceil((now + 1 - start) / step_s)  # buckets as `hotline.kpi.intervals` cuts them
    steps = [(start + i * step_s, min(start + (i + 1) * step_s, now + 1)) for i in range(n)]
    periods = reader.ranges([(start, now + 1), *steps])
    total = periods[0].total
    series = [
        {
            "t": p.start,
            "offered": p.total.offered,
            "answered": p.total.answered,
            "abandoned": p.total.abandoned,
            "service_level": p.total.service_level,
        }
        for p in periods[1:]
    ]
    # one target line for the center: each queue's target weighted by its contacts today
    weights = [(q.sl_target, queues[q.id]["today"]["offered"]) for q in config.queues]  # type: ignore[attr-defined]
    total_w = sum(w for _, w in weights)
    target = (
        sum(t * w for t, w in weights) / total_w
        if total_w
        else sum(t for t, _ in weights) / max(1, len(weights))
    )
    return {
        "now": now,
        "day_start": start,
        "step_s": step_s,
        "queues": queues,
        "total": _kpi_row(total),
        "handled_today": dict(handled),
        "intraday": series,
        "sl_target": round(target, 4),
    }
