"""Outbound campaigns for supervisors: create, start, pause, follow the results (issue 16).

The runner (`campaigns_loop`) calls `CampaignService.run_round` every
`HOTLINE_CAMPAIGNS_EVERY_S` seconds in a worker thread; SMS goes through the center's notifier
(`HOTLINE_NOTIFY_*`). Customer numbers are masked in every answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hotline.notify import notifier_from_env
from hotline.services.campaigns import CampaignError, CampaignService
from hotline.store import DuplicateError, NotFoundError
from hotline.web.deps import Supervisor
from hotline.web.schemas import Finite
from hotline.web.security import mask

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
_build_lock = threading.Lock()


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    channel: Literal["sms", "voice"] = "sms"
    message: str = Field(default="", max_length=500)
    customers: list[str] = Field(min_length=1, max_length=100_000)
    start: Finite = Field(description="epoch seconds")
    end: Finite = Field(description="epoch seconds")
    hours: str | dict[str, Any] = Field(default="24x7", description="BusinessHours spec")
    max_attempts: int = Field(default=3, ge=1, le=10)
    per_minute: int = Field(default=10, ge=1, le=10_000)
    retry: dict[str, Finite | None] = Field(default_factory=dict)


def campaigns(request: Request) -> CampaignService:
    app = request.app
    svc = getattr(app.state, "campaigns", None)
    if svc is None:
        with _build_lock:
            svc = getattr(app.state, "campaigns", None)
            if svc is None:
                svc = _build(app)
    return svc


def _build(app: FastAPI) -> CampaignService:
    center = app.state.service
    svc = app.state.campaigns = CampaignService(
        center.store, notifier_from_env(), clock=center.clock
    )
    return svc


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except CampaignError as exc:
        raise HTTPException(exc.status, f"{exc.field}: {exc.reason}") from None
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("", status_code=201)
def create_campaign(body: CampaignIn, request: Request, user: Supervisor) -> dict[str, Any]:
    svc = campaigns(request)
    with _refusals():
        rec = svc.create(body.model_dump(), by=user.username)
        return svc.view(rec.id)


class CalendarEventIn(BaseModel):
    """A customer-calendar event: a campaign starts `days_before` days ahead of `at`."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=64, description="package_expiry, outage, …")
    at: Finite = Field(description="when the event happens, epoch seconds")
    days_before: Finite = Field(default=1, ge=0, le=60)
    message: str = Field(min_length=1, max_length=500)
    customer: str | None = Field(default=None, min_length=1, max_length=64)
    area: str | None = Field(default=None, min_length=1, max_length=64)
    hours: str | dict[str, Any] = "24x7"


@router.post("/calendar", status_code=201)
def calendar_event(body: CalendarEventIn, request: Request, user: Supervisor) -> dict[str, Any]:
    svc = campaigns(request)
    with _refusals():
        rec = svc.from_calendar(body.model_dump(), by=user.username)
        return svc.view(rec.id)


@router.get("")
def list_campaigns(request: Request, _user: Supervisor) -> list[dict[str, Any]]:
    svc = campaigns(request)
    return [svc.view(rec.id) for rec in svc.repo.list()]


@router.get("/{campaign_id}")
def show_campaign(
    campaign_id: str,
    request: Request,
    _user: Supervisor,
    limit: int = Query(default=200, ge=1, le=5000),
) -> dict[str, Any]:
    svc = campaigns(request)
    with _refusals():
        view = svc.view(campaign_id)
    view["tasks"] = [
        {"customer": mask(t.customer), "status": t.status, "attempts": t.attempts,
         "next_at": t.next_at, "result": t.result, "last_at": t.last_at}
        for t in svc.repo.tasks(campaign_id, limit)
    ]  # fmt: skip
    return view


def _move(request: Request, campaign_id: str, how: str) -> dict[str, Any]:
    svc = campaigns(request)
    with _refusals():
        getattr(svc, how)(campaign_id)
        return svc.view(campaign_id)


@router.post("/{campaign_id}/start")
def start_campaign(campaign_id: str, request: Request, _user: Supervisor) -> dict[str, Any]:
    return _move(request, campaign_id, "start")


@router.post("/{campaign_id}/pause")
def pause_campaign(campaign_id: str, request: Request, _user: Supervisor) -> dict[str, Any]:
    return _move(request, campaign_id, "pause")


async def campaigns_loop(app: FastAPI, every_s: float) -> None:
    """Run the campaigns' rounds every `every_s` seconds in a worker thread, forever."""
    while True:
        await asyncio.sleep(every_s)
        try:
            svc = getattr(app.state, "campaigns", None) or _build(app)
            report = await asyncio.to_thread(svc.run_round)
            if report.sent or report.failed:
                log.info("campaigns: %s", report)
        except Exception:  # keep the server running; logged and retried next round
            log.exception("campaign round failed")
