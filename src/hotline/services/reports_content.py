"""What a scheduled report says, gathered from the store for one period (rendering is apart).

The daily warning (日预警) lists the queues that broke a target in the period: SL below the
queue's own target (at the queue's own threshold) and abandon rate above the center's
`abandon_rate_above` alert rules. The weekly bulletin (周通报) compares each KPI with the week
before. The monthly exposure (月曝光) ranks queues (by the queue of an order's first contact)
and teams (the owner's `agents[].team`, else the outside team working it) by overdue work
orders and complaints. Every report also carries volume against the saved forecast
(`reports_forecast`), the top contact reasons and hot topics (`reports_topics`), work orders,
satisfaction, callbacks and the agents' handle time and occupancy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import tzinfo

from hotline.domain.models import CenterConfig
from hotline.kpi.compute import Kpis
from hotline.kpi.options import KpiOptions
from hotline.services.reports_forecast import VolumeForecast
from hotline.services.reports_topics import Demand
from hotline.store.aggregates_query import Filters, Period, ReportReader
from hotline.store.tickets import OrderFilter, TicketStore
from hotline.tickets.config import default_body, parse_config
from hotline.tickets.escalation import sla
from hotline.tickets.kpi import OrderKpis, order_kpis
from hotline.tickets.surveys import Rating

COMPLAINT = "complaint"  # orders whose category id contains this count as complaints


@dataclass(frozen=True, slots=True)
class Breach:
    """One target a queue broke: `measure` is "SL" or "abandon rate"."""

    queue: str
    measure: str
    value: float
    target: float
    offered: int
    detail: str


@dataclass(frozen=True, slots=True)
class Exposure:
    """One queue or team of the monthly ranking."""

    name: str
    overdue: int
    complaints: int
    orders: int


@dataclass(frozen=True, slots=True)
class ReportContent:
    kind: str
    title: str
    tz: tzinfo
    whole: Period
    buckets: list[Period]  # hours (daily) or days
    previous: Period | None  # the period before (weekly bulletin)
    breaches: list[Breach]
    orders: OrderKpis
    exposure_queues: list[Exposure]
    exposure_teams: list[Exposure]
    agents: list[tuple[str, Kpis]]
    forecast: VolumeForecast | None  # None: no forecast stored for the period
    demand: Demand


def breaches(reader: ReportReader, cfg: CenterConfig, start: float, end: float) -> list[Breach]:
    """Queues whose SL fell below target, or abandon rate rose above an alert rule's threshold."""
    found: list[Breach] = []
    abandon = [a for a in cfg.alerts if a.get("kind") == "abandon_rate_above"]
    for q in cfg.queues:
        opts = KpiOptions(sl_threshold_s=q.sl_threshold_s)
        k = reader.kpis(start, end, Filters(q.id, options=opts)).total
        if k.offered == 0:
            continue
        if k.service_level is not None and k.service_level < q.sl_target:
            detail = f"answered within {q.sl_threshold_s:g} s: {k.answered_in_threshold}"
            found.append(Breach(q.id, "SL", k.service_level, q.sl_target, k.offered, detail))
        limits = [float(a["threshold"]) for a in abandon if a.get("queue") in (None, q.id)]
        if limits and k.abandon_rate is not None and k.abandon_rate > min(limits):
            detail = f"abandoned {k.abandoned}"
            found.append(
                Breach(q.id, "abandon rate", k.abandon_rate, min(limits), k.offered, detail)
            )
    return found


def _ranked(
    overdue: Counter[str], complaints: Counter[str], orders: Counter[str]
) -> list[Exposure]:
    rows = [Exposure(n, overdue[n], complaints[n], orders[n]) for n in orders]
    return sorted(rows, key=lambda e: (-e.overdue, -e.complaints, e.name))


def order_figures(
    tickets: TicketStore, cfg: CenterConfig, start: float, end: float, now: float
) -> tuple[OrderKpis, list[Exposure], list[Exposure]]:
    """Order KPIs of orders created in [start, end) judged at `now`, and the rankings."""
    latest = tickets.latest_config()
    tcfg = parse_config(latest[1] if latest else default_body())
    orders = tickets.orders(OrderFilter(created_from=start, created_to=end, limit=None))
    surveys = [
        (Rating(s.rating) if s.rating else None, s.score) for s in tickets.surveys(start, end)
    ]
    team_of = {a.id: a.team for a in cfg.agents if a.team}
    counts = {k: (Counter[str](), Counter[str](), Counter[str]()) for k in ("queue", "team")}
    for o in orders:
        status = sla(o, tcfg, now)
        late = status is not None and status.resolution.breached
        first = tickets.contact(o.contact_ids[0]) if o.contact_ids else None
        groups = {"queue": first.queue if first else "(no contact)"}
        team = team_of.get(o.owner or "") or o.team
        if team:
            groups["team"] = team
        for key, name in groups.items():
            over, compl, total = counts[key]
            total[name] += 1
            over[name] += late
            compl[name] += COMPLAINT in o.category
    return (
        order_kpis(orders, tcfg, now, surveys),
        _ranked(*counts["queue"]),
        _ranked(*counts["team"]),
    )


def agent_figures(
    reader: ReportReader, cfg: CenterConfig, start: float, end: float
) -> list[tuple[str, Kpis]]:
    """Each configured agent's handled contacts, AHT and occupancy (those with any)."""
    rows = []
    for a in cfg.agents:
        k = reader.kpis(start, end, Filters(agent=a.id)).total
        if k.handled or k.occupancy:
            rows.append((a.id, k))
    return rows
