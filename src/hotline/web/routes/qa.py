"""Quality assurance API (`/api/qa/...`); the QA scan and transcription run as background
jobs outside the server (`hotline.services.jobs`).

Supervisors see every result, flagged first, and review findings; an agent sees only their own
contacts' results and may dispute a finding once (another reviewer then decides). Recordings
are served only to supervisors and to the agent of the call, and every listen is written to
the audit log (who, which contact, which channel, from which second).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from hotline.services import qa_reports as reports
from hotline.services.qa import QaService, ReviewError
from hotline.store import NotFoundError, User
from hotline.web.deps import SUPERVISORS, AgentUser, Supervisor, agent_of
from hotline.web.schemas import RowId

log = logging.getLogger(__name__)
api = APIRouter(prefix="/api/qa", tags=["qa"])
router = APIRouter()  # what `create_app` includes: the API and the review page
_lock = threading.Lock()


def get_qa(request: Request) -> QaService:
    return build_qa(request.app)


def build_qa(app: FastAPI) -> QaService:
    """The app's `QaService`, built on first use from the running center service."""
    with _lock:
        qa = getattr(app.state, "qa", None)
        if qa is None:
            center = app.state.service
            qa = app.state.qa = QaService(
                center.store, annotate=center.annotate, clock=center.clock
            )
        return qa


Qa = Annotated[QaService, Depends(get_qa)]


def _visible(user: User, result: dict | None) -> dict:
    if result is None:
        raise HTTPException(404, "no QA result for this contact")
    if user.role not in SUPERVISORS and result["agent_id"] != agent_of(user):
        raise HTTPException(403, "agents see only their own QA results")
    return result


def _summary(r: dict) -> dict:
    keys = ("contact_id", "source", "agent_id", "queue", "contact_at", "analysed_at", "score")
    return {**{k: r[k] for k in keys}, "flagged": bool(r["flagged"]), "asr": r["asr"]}


def _finding(f: dict) -> dict:
    return {k: v for k, v in f.items() if k != "created_at"}


@api.get("/status")
def status(qa: Qa, _u: Supervisor) -> dict:
    """The job queue: counts per status, running jobs with progress, recent failures."""
    return qa.status()


@api.get("/contacts")
def results(
    qa: Qa,
    user: AgentUser,
    agent_id: str | None = None,
    queue: str | None = None,
    start: float | None = Query(None, description="contact created at or after (epoch s)"),
    end: float | None = Query(None, description="contact created before (epoch s)"),
    max_score: float | None = Query(None, ge=0, le=100),
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    """Analysed contacts, flagged first then lowest score; an agent gets only their own."""
    if user.role not in SUPERVISORS:
        agent_id = agent_of(user)
    rows = qa.qa.results(
        agent_id=agent_id, queue=queue, start=start, end=end, max_score=max_score, limit=limit
    )
    return [_summary(r) for r in rows]


@api.get("/contacts/{contact_id}")
def result(contact_id: str, qa: Qa, user: AgentUser) -> dict:
    """One contact's report: score and rubric, acoustics, transcript, findings."""
    r = _visible(user, qa.qa.result(contact_id))
    return {
        **_summary(r),
        "language": r["language"],
        "duration_s": r["duration_s"],
        "rubric": r["detail"],
        "manual": r["manual"],
        "acoustics": r["acoustics"],
        "transcript": r["transcript"],
        "findings": [_finding(f) for f in qa.qa.findings(contact_id)],
        "job": qa.qa.job(contact_id),
    }


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirm", "dismiss"]
    note: str | None = Field(default=None, max_length=2000)


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str = Field(min_length=1, max_length=64)
    passed: bool


@contextlib.contextmanager
def _refusals():
    try:
        yield
    except ReviewError as exc:
        raise HTTPException(exc.code, str(exc)) from exc
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc


@api.post("/findings/{finding_id}/review")
def review(finding_id: RowId, body: ReviewIn, qa: Qa, user: Supervisor) -> dict:
    """Confirm or dismiss an automatic finding, or decide an agent's dispute."""
    with _refusals():
        return _finding(qa.review(finding_id, user.username, body.decision, body.note))


@api.post("/findings/{finding_id}/dispute")
def dispute(finding_id: RowId, body: DisputeIn, qa: Qa, user: AgentUser) -> dict:
    """The agent disputes a finding on one of their contacts (once); a reviewer decides."""
    with _refusals():
        return _finding(qa.dispute(finding_id, agent_of(user), user.username, body.reason))


@api.post("/contacts/{contact_id}/marks")
def mark(contact_id: str, body: MarkIn, qa: Qa, _u: Supervisor) -> dict:
    """A reviewer's pass/fail on a manual rubric item; returns the new score."""
    with _refusals():
        r = qa.mark(contact_id, body.item, body.passed)
    return {**_summary(r), "rubric": r["detail"]}


@api.get("/contacts/{contact_id}/audio/{speaker}")
def audio(
    contact_id: str,
    speaker: Literal["agent", "customer"],
    qa: Qa,
    user: AgentUser,
    at: float = Query(0.0, ge=0, description="the second the listener starts from (audited)"),
) -> Any:
    """One channel of the call recording (WAV). Audited: who listened, to what, from when."""
    r = _visible(user, qa.qa.result(contact_id))
    files = [x for x in r["detail"].get("recordings", []) if x["speaker"] == speaker]
    if not files or not Path(files[0]["path"]).is_file():
        raise HTTPException(404, f"no {speaker} recording for this contact")
    qa.store.audit(
        user.username, "qa.listen", contact_id, {"speaker": speaker, "at": at, "role": user.role}
    )
    return FileResponse(files[0]["path"], media_type="audio/wav")


def _tz(request: Request) -> str:
    return request.app.state.service.read(lambda r: r.config.timezone) or "UTC"


@api.get("/agents")
def agent_scores(
    request: Request,
    qa: Qa,
    user: AgentUser,
    start: float = Query(..., description="epoch s"),
    end: float = Query(..., description="epoch s"),
    agent_id: str | None = None,
) -> list[dict]:
    """Score per agent per local day (an agent gets only their own)."""
    if user.role not in SUPERVISORS:
        agent_id = agent_of(user)
    return reports.agent_days(qa.qa, start, end, _tz(request), agent_id)


@api.get("/search")
def search(
    qa: Qa,
    user: AgentUser,
    q: str = Query(..., min_length=1, max_length=200),
    agent_id: str | None = None,
    queue: str | None = None,
    start: float | None = None,
    end: float | None = None,
    max_score: float | None = Query(None, ge=0, le=100),
) -> list[dict]:
    """Keyword search over every transcript and chat, with the filters of `/contacts`."""
    if user.role not in SUPERVISORS:
        agent_id = agent_of(user)
    return reports.search(
        qa.qa, q, agent_id=agent_id, queue=queue, start=start, end=end, max_score=max_score
    )


@api.get("/topics")
def topics(
    request: Request,
    qa: Qa,
    _u: Supervisor,
    start: float = Query(..., description="epoch s"),
    end: float = Query(..., description="epoch s"),
) -> dict:
    """Hot topics of what customers said, their daily counts and spike alerts."""
    return reports.hot_topics(qa.qa, start, end, _tz(request))


router.include_router(api)  # last: every /api/qa route above is registered
