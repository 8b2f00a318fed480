"""Satisfaction surveys after a contact, through the channel it came from.

The voice gateway offers the survey after the call (`POST /api/surveys/offers`) and posts the
keypad answer; chat posts the customer's choice. Results are stored per contact, agent and
queue; an unsatisfied answer fires the escalation rules. Figures always carry the response
rate.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from hotline.tickets.records import SurveyRecord
from hotline.tickets.surveys import Rating, from_dtmf, satisfaction
from hotline.web.responses import errors
from hotline.web.routes.tickets_common import ChannelActor, SupervisorActor, Tickets, refusals
from hotline.web.schemas import Finite

router = APIRouter(prefix="/api/surveys", tags=["surveys"], responses=errors(404, 409))


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: str = Field(min_length=1, max_length=64)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: str = Field(min_length=1, max_length=64)
    score: int | None = Field(default=None, ge=1, le=10)
    rating: Literal["satisfied", "neutral", "unsatisfied"] | None = None
    dtmf: str | None = Field(default=None, max_length=2, description="keypad answer")
    dtmf_scale: Literal["3", "5", "10"] = "3"
    comment: str | None = Field(default=None, max_length=2000)


def _survey_view(s: SurveyRecord) -> dict[str, Any]:
    return {
        "contact_id": s.contact_id,
        "agent_id": s.agent_id,
        "queue": s.queue,
        "channel": s.channel,
        "requested_at": s.requested_at,
        "answered_at": s.answered_at,
        "score": s.score,
        "rating": s.rating,
        "comment": s.comment,
    }


@router.post("/offers", status_code=201)
def offer(body: OfferIn, tickets: Tickets, _actor: ChannelActor) -> dict[str, Any]:
    """The survey was put to the customer (counts toward the response rate)."""
    with refusals():
        return _survey_view(tickets.offer_survey(body.contact_id))


@router.post("", status_code=201)
def answer(body: AnswerIn, tickets: Tickets, _actor: ChannelActor) -> dict[str, Any]:
    score, rating = body.score, body.rating
    if body.dtmf is not None:
        try:
            score, label = from_dtmf(body.dtmf, body.dtmf_scale)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        rating = label.value if label else None
    with refusals():
        survey, escalated = tickets.answer_survey(body.contact_id, score, rating, body.comment)
    return {**_survey_view(survey), "escalated_orders": escalated}


@router.get("")
def list_surveys(
    tickets: Tickets,
    _actor: SupervisorActor,
    start: Finite | None = Query(default=None, alias="from"),
    end: Finite | None = Query(default=None, alias="to"),
    agent_id: str | None = None,
    queue: str | None = None,
    limit: int = Query(default=200, ge=1, le=5000),
) -> list[dict[str, Any]]:
    rows = tickets.repo.surveys(start, end, agent_id=agent_id, queue=queue, limit=limit)
    return [_survey_view(s) for s in rows]


@router.get("/summary")
def summary(
    tickets: Tickets,
    _actor: SupervisorActor,
    start: Finite | None = Query(default=None, alias="from"),
    end: Finite | None = Query(default=None, alias="to"),
    by: Literal["agent", "queue", "channel"] = "agent",
) -> dict[str, Any]:
    """Satisfaction per agent / queue / channel with the response rate beside it."""
    now = tickets.clock()
    end = now if end is None else end
    start = end - 86400 if start is None else start
    groups: dict[str, list[SurveyRecord]] = defaultdict(list)
    rows = tickets.repo.surveys(start, end)
    for s in rows:
        groups[str(getattr(s, "agent_id" if by == "agent" else by) or "-")].append(s)

    def figures(items: list[SurveyRecord]) -> dict[str, Any]:
        sat = satisfaction((Rating(s.rating) if s.rating else None, s.score) for s in items)
        return {
            "offered": sat.requested,
            "replies": sat.replies,
            "response_rate": sat.response_rate,
            "satisfied_rate": sat.satisfied_rate,
            "unsatisfied_rate": sat.unsatisfied_rate,
            "mean_score": sat.mean_score,
        }

    total = satisfaction((Rating(s.rating) if s.rating else None, s.score) for s in rows)
    return {
        "from": start,
        "to": end,
        "by": by,
        "groups": {k: figures(v) for k, v in sorted(groups.items())},
        "total": figures(rows),
        "definition": total.describe(),
    }
