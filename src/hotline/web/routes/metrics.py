"""Prometheus `/metrics`: live gauges read at scrape time, latency histograms observed live.

Protected: a supervisor/admin login, or `Authorization: Bearer <HOTLINE_METRICS_TOKEN>` for
a scraper. Each app has its own registry (tests run several apps in one process).
Series: hotline_contacts_waiting{queue}, hotline_agents{state}, hotline_events_total (rate()
of it is events/s), hotline_api_request_seconds{method,route}, hotline_websocket_clients,
hotline_db_write_seconds (event appends, timed on the engine, not in the write path),
hotline_routing_decision_seconds{kind} (the router thread's work per command: `kind` is the
event applied, e.g. ContactArrived, or Tick for deadlines; sub-millisecond buckets, since a
decision is in memory and the commit is the DB histogram's).
"""

from __future__ import annotations

import hmac
import os
import time
from collections import Counter
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from hotline.domain.enums import ContactStatus
from hotline.web.deps import SUPERVISORS, token_from
from hotline.web.security import token_hash

router = APIRouter(tags=["metrics"])
TOKEN_ENV = "HOTLINE_METRICS_TOKEN"
#: 10 µs … 0.25 s: the default buckets start at 5 ms, above almost every routing decision
DECISION_BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025,
                    0.05, 0.1, 0.25, float("inf"))  # fmt: skip


class _Live:
    """Reads the store and the broadcaster when scraped."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Any:
        state = self._app.state
        service = getattr(state, "service", None)
        if service is None:
            return
        waiting = GaugeMetricFamily(
            "hotline_contacts_waiting", "contacts queued or offered now", labels=["queue"]
        )
        live = Counter(
            c.queue
            for c in service.store.live_contacts()
            if c.status in (ContactStatus.QUEUED, ContactStatus.OFFERED)
        )
        for queue in service.read(lambda r: [q.id for q in r.config.queues]):
            waiting.add_metric([queue], live.get(queue, 0))
        yield waiting
        agents = GaugeMetricFamily("hotline_agents", "agents by state", labels=["state"])
        for s, n in sorted(Counter(str(a.state) for a in service.store.agents()).items()):
            agents.add_metric([s], n)
        yield agents
        events = CounterMetricFamily("hotline_events", "events stored (rate() = events/s)")
        events.add_metric([], service.store.last_event_seq())
        yield events
        b = getattr(state, "broadcaster", None)
        n = 0 if b is None else len(b.everything) + sum(len(s) for s in b.by_agent.values())
        yield GaugeMetricFamily("hotline_websocket_clients", "open event streams", value=n)


def install(app: FastAPI) -> None:
    """Registry, request-latency middleware and the route, on this app only."""
    registry = CollectorRegistry()
    registry.register(_Live(app))
    api = Histogram(
        "hotline_api_request_seconds", "API latency", ["method", "route"], registry=registry
    )
    app.state.metrics_db_write = Histogram(
        "hotline_db_write_seconds", "event append latency", registry=registry
    )
    app.state.metrics_decisions = Histogram(
        "hotline_routing_decision_seconds",
        "routing decision latency (router thread, per command)",
        ["kind"],
        buckets=DECISION_BUCKETS,
        registry=registry,
    )
    app.state.metrics_registry = registry

    @app.middleware("http")
    async def _timed(request: Request, call_next: Any) -> Any:
        t = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        api.labels(request.method, path).observe(time.perf_counter() - t)
        return response

    app.include_router(router)


def watch_db_writes(app: FastAPI, engine: Any) -> None:
    """Time every INSERT INTO events on `engine` (engine events; write path untouched)."""
    from hotline.store.timing import observe_event_writes

    if getattr(app.state, "metrics_watching", None) is engine:
        return
    observe_event_writes(engine, app.state.metrics_db_write.observe)
    app.state.metrics_watching = engine


def watch_decisions(app: FastAPI, service: Any) -> None:
    """Observe `service`'s routing decisions into `hotline_routing_decision_seconds`."""
    if getattr(app.state, "metrics_deciding", None) is service:
        return
    histogram = app.state.metrics_decisions
    service.observe_decisions(lambda kind, s: histogram.labels(kind).observe(s))
    app.state.metrics_deciding = service


def _check(request: Request) -> None:
    """The metrics token or a supervisor/admin login; 401 without a login, 403 for others."""
    token = _bearer(request) or token_from(request, None)
    expected = os.environ.get(TOKEN_ENV)
    if token and expected and hmac.compare_digest(token, expected):
        return
    user = request.app.state.sessions.user(token_hash(token)) if token else None
    if user is None:
        raise HTTPException(401, "metrics need a supervisor login or the metrics token")
    if user.role not in SUPERVISORS:
        raise HTTPException(403, f"role {user.role} may not read metrics; needs a supervisor")


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value[7:] if value.lower().startswith("bearer ") else None


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    _check(request)
    service = getattr(request.app.state, "service", None)
    if service is not None:
        watch_db_writes(request.app, service.store.engine)
        watch_decisions(request.app, service)
    body = generate_latest(request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
