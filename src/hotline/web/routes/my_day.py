"""`GET /api/ui/my-day`: the agent's own figures today against the team's, for the desk.

Today is since local midnight in the center's zone, as on the wallboard. Each figure is read
where the rest of the product reads it, so the desk never disagrees with the wallboard or the
reports: contacts handled from the same count as the wallboard's agent cards, handle time
from the stored aggregates (contacts the agent answered), satisfaction from the surveys of the
agent's contacts, the QA score from the `qa.analysed` facts. "Team" is the whole center: the
handled count per agent who handled anything, the other figures over all contacts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hotline.store.aggregates_query import Filters
from hotline.tickets.surveys import Rating, satisfaction
from hotline.web.deps import AgentUser, Service, agent_of
from hotline.web.routes.reports import ReportsDep
from hotline.web.routes.tickets_common import Tickets
from hotline.web.routes.ui_data import _handled_today, _midnight

router = APIRouter(prefix="/api/ui", tags=["ui"])


def _surveys(rows: list[Any]) -> dict[str, Any]:
    s = satisfaction((Rating(x.rating) if x.rating else None, x.score) for x in rows)
    return {"satisfied_rate": s.satisfied_rate, "survey_replies": s.replies}


def _qa(scores: list[float]) -> dict[str, Any]:
    return {"qa_score": sum(scores) / len(scores) if scores else None, "qa_n": len(scores)}


@router.get("/my-day")
def my_day(
    service: Service, user: AgentUser, reports: ReportsDep, tickets: Tickets
) -> dict[str, Any]:
    agent_id = agent_of(user)
    now = service.clock()
    start = _midnight(now, service.read(lambda r: r.config.timezone))  # type: ignore[arg-type]
    _, handled = _handled_today(service, now)
    reader = reports.fresh()
    (mine,) = reader.ranges([(start, now + 1)], Filters(agent=agent_id))
    (center,) = reader.ranges([(start, now + 1)], Filters())
    surveys = [s for s in tickets.repo.surveys(start, now + 1) if s.answered_at]
    qa = [
        (e.agent_id, float(e.data["score"]))
        for e in service.store.events_of_kind("qa.analysed", start, now + 1)
        if e.data.get("score") is not None
    ]
    workers = [n for n in handled.values() if n > 0]
    return {
        "now": now,
        "day_start": start,
        "me": {
            "handled": handled.get(agent_id, 0),
            "aht_s": mine.total.aht_s,
            **_surveys([s for s in surveys if s.agent_id == agent_id]),
            **_qa([score for a, score in qa if a == agent_id]),
        },
        "team": {
            "handled": sum(workers) / len(workers) if workers else None,
            "agents": len(workers),
            "aht_s": center.total.aht_s,
            **_surveys(surveys),
            **_qa([score for _a, score in qa]),
        },
    }
