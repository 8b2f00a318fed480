"""`create_app(settings)`: build the ASGI app with its center service and background tasks.

Nothing is created at import time. On start-up the app opens the store (running migrations),
rebuilds the router from the database, and starts its router thread (which also sleeps until
the router's next deadline - ring-no-answer, wrap-up, overflow, callbacks due), a periodic
invariant check that repairs anything stuck and the work-order tick (it publishes on the live
stream and keeps the intent model that requests use). The heavy batch jobs - report catch-up,
alerts, scheduled reports, QA, retention purge - run where `Settings.jobs` says: in a
`hotline jobs` child process under `hotline serve`, so they never hold this process's GIL
while it answers requests (`hotline.web.jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from hotline import __version__
from hotline.channels.chat.settings import ChatSettings, WeChatSettings
from hotline.runtime import CenterService
from hotline.services.jobs import Jobs
from hotline.store import open_store
from hotline.web import edges, errors, responses, ui
from hotline.web.jobs import JobsChild, intervals_from_env
from hotline.web.routes import (
    admin,
    agents,
    alert_rules,
    assist,
    auth,
    call_control,
    campaigns,
    compliance,
    contacts,
    customers,
    forecasts,
    kpis,
    my_day,
    phones,
    qa,
    queues,
    report_exports,
    softphone,
    surveys,
    teams,
    tickets,
    ui_data,
    voice,
)
from hotline.web.routes.chat import install as install_channels
from hotline.web.routes.federation import install as install_federation
from hotline.web.routes.federation_orders import router as peer_orders
from hotline.web.routes.metrics import watch_db_writes, watch_decisions
from hotline.web.routes.reports import install as install_reports
from hotline.web.routes.tickets_common import tickets_loop
from hotline.web.sessions import Sessions
from hotline.web.settings import Settings
from hotline.web.stream import Broadcaster
from hotline.web.stream import router as stream_router

log = logging.getLogger(__name__)


async def _reconcile_loop(service: CenterService, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(service.reconcile)
        except Exception:
            log.exception("reconcile failed")


def create_app(
    settings: Settings | None = None,
    *,
    chat: ChatSettings | None = None,
    wechat: WeChatSettings | None = None,
) -> FastAPI:
    """The whole server: core API, stream, web app, work orders, KB, chat and WeChat.

    `chat` / `wechat` default to their `HOTLINE_CHAT_*` / `HOTLINE_WECHAT_*` environment
    settings; tests pass them explicitly.
    """
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await asyncio.to_thread(open_store, settings.database_url)
        # The router thread fires deadlines itself (ring-no-answer, wrap-up, overflow...).
        service = await asyncio.to_thread(
            CenterService, store, timer=True, max_sleep=settings.max_tick_sleep_s
        )
        loop = asyncio.get_running_loop()
        broadcaster = Broadcaster(loop)
        service.subscribe(broadcaster.publish)
        app.state.service, app.state.broadcaster = service, broadcaster
        app.state.sessions = Sessions(store, service.clock, settings.session_cache_s)
        watch_db_writes(app, store.engine)  # hotline_db_write_seconds from the first append
        watch_decisions(app, service)  # hotline_routing_decision_seconds from the first one
        tasks = [
            asyncio.create_task(_reconcile_loop(service, settings.reconcile_every_s)),
            # SLA escalation, closed loop, intent model, outbox retries
            asyncio.create_task(tickets_loop(app, settings.tickets_every_s)),
            asyncio.create_task(campaigns.campaigns_loop(app, settings.campaigns_every_s)),
        ]
        child = None
        if settings.jobs == "child":  # catch-up, alerts, scheduled reports, QA, purge
            child = app.state.jobs_child = JobsChild(settings.database_url)
            child.start()
        elif settings.jobs == "inline":
            jobs = Jobs(
                store, intervals_from_env(settings.database_url), clock=service.clock,
                config=lambda: service.read(lambda r: r.config), annotate=service.annotate,
                name="server",
            )  # fmt: skip
            tasks.append(asyncio.create_task(jobs.run()))
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            if child is not None:
                await child.stop()
            broadcaster.close_all()
            await asyncio.to_thread(service.close)
            store.close()

    app = FastAPI(title="hotline", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    edges.install(app, settings)  # size limits, NUL, CSRF, security headers
    routers = (
        auth,
        campaigns,
        contacts,
        agents,
        queues,
        kpis,
        admin,
        tickets,
        teams,
        surveys,
        customers,
        voice,
        call_control,  # consult, conference, transfer out, supervisor monitoring
        compliance,
        qa,
        phones,
        softphone,  # the desk's browser softphone: where and how it registers
        report_exports,  # CSV/XLSX downloads of /api/reports
        forecasts,  # saved forecasts: what the reports draw volume against
        alert_rules,  # supervisors edit the alert rules in the center config
        ui_data,  # the read-only data the screens need
        assist,  # the desk's KB suggestions for the live contact, and their use log
        my_day,  # the agent's own figures today against the team's
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(stream_router)
    app.include_router(ui.router)
    install_channels(app, chat, wechat)  # KB, chat, WeChat APIs + widget; services in lifespan
    install_federation(app)  # peer centers: load push, transfers (issue 12)
    app.include_router(peer_orders)  # a peer's work order for one of our callers
    install_reports(app)  # reports, alerts, /metrics

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    responses.install(app)  # documents every route's error answers (after all routes exist)
    return app
