"""Peer API: a work order a peer center opened for one of our callers comes home.

See `hotline.services.federation_orders`; only the `channel` login bound to a configured peer
may call it, and a retry of the same peer order answers with the order made the first time.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from hotline.services.federation_orders import receive_order
from hotline.web.routes.federation import Peer, _federation
from hotline.web.routes.tickets_common import get_tickets, refusals

router = APIRouter(prefix="/api/federation", tags=["federation"])


class PeerOrderIn(BaseModel):
    """The order as the peer opened it; `order_id` is the peer's own id."""

    model_config = ConfigDict(extra="ignore")

    from_center: str = Field(min_length=1, max_length=200)
    order_id: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    customer: str | None = Field(default=None, max_length=200)
    contact_id: str | None = Field(default=None, max_length=64)
    fields: dict[str, Any] = Field(default_factory=dict)
    priority: int | None = Field(default=None, ge=0, le=10)
    confidential: bool = False


@router.post("/orders", status_code=201)
def receive_peer_order(body: PeerOrderIn, request: Request, user: Peer) -> dict[str, Any]:
    problem = _federation(request).config.speaker_problem(body.from_center, user.username)
    if problem:
        raise HTTPException(status.HTTP_403_FORBIDDEN, problem)
    with refusals():
        order = receive_order(get_tickets(request), body.model_dump(), user.username)
    return {"id": order.id, "state": order.state.value, "contact_ids": list(order.contact_ids)}
