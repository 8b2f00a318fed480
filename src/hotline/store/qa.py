"""Persistence of quality assurance (`QaStore`): the job queue, results, findings, reviews.

Same rules as `Store`: one transaction per public method, SQLAlchemy Core, plain dicts out.
Claiming a job is a conditional UPDATE (`WHERE id = ? AND status/claimed_at unchanged`): of two
workers racing for one job exactly one sees rowcount 1, on SQLite and PostgreSQL alike, with
no table lock. A running job whose lease expired (its worker died) can be claimed again.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.store import models_kb as kb
from hotline.store import models_qa as m
from hotline.store.entities import NotFoundError

JOBS: Table = m.QaJob.__table__  # type: ignore[assignment]
RESULTS: Table = m.QaResult.__table__  # type: ignore[assignment]
FINDINGS: Table = m.QaFinding.__table__  # type: ignore[assignment]
STATE: Table = m.QaState.__table__  # type: ignore[assignment]
SESSIONS: Table = kb.ChatSession.__table__  # type: ignore[assignment]
MAX_ATTEMPTS = 3


def _row(r: Any) -> dict[str, Any]:
    return dict(r._mapping) if r is not None else {}


class QaStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- cursors --------------------------------------------------------------------------
    def cursor(self, key: str) -> float:
        with self._engine.connect() as conn:
            v = conn.execute(select(STATE.c.value).where(STATE.c.key == key)).scalar()
        return float(v or 0.0)

    def set_cursor(self, key: str, value: float) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(update(STATE).where(STATE.c.key == key).values(value=value))
            if done.rowcount == 0:
                conn.execute(insert(STATE).values(key=key, value=value))

    # -- queue ----------------------------------------------------------------------------
    def enqueue(
        self, contact_id: str, source: str, source_seq: int, not_before: float, now: float
    ) -> bool:
        """Queue a contact; a contact already queued or done is re-queued only for newer input."""
        with self._engine.begin() as conn:
            job = conn.execute(select(JOBS).where(JOBS.c.contact_id == contact_id)).first()
            if job is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(JOBS).values(
                                contact_id=contact_id,
                                source=source,
                                status="queued",
                                attempts=0,
                                worker=None,
                                not_before=not_before,
                                claimed_at=None,
                                progress=0.0,
                                source_seq=source_seq,
                                created_at=now,
                                updated_at=now,
                                error=None,
                            )
                        )
                    return True
                except IntegrityError:  # another scanner queued it first
                    return False
            if source_seq <= job.source_seq:
                return False
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job.id)
                .values(
                    status="queued",
                    source_seq=source_seq,
                    not_before=not_before,
                    attempts=0,
                    progress=0.0,
                    updated_at=now,
                    error=None,
                )
            )
            return True

    def claim(self, worker: str, now: float, lease_s: float = 300.0) -> dict[str, Any] | None:
        """Take the oldest job that is due (or whose worker's lease ran out), or None."""
        due = or_(
            and_(JOBS.c.status == "queued", JOBS.c.not_before <= now),
            and_(JOBS.c.status == "running", JOBS.c.claimed_at < now - lease_s),
        )
        for _ in range(5):
            with self._engine.begin() as conn:
                job = conn.execute(select(JOBS).where(due).order_by(JOBS.c.id).limit(1)).first()
                if job is None:
                    return None
                won = conn.execute(
                    update(JOBS)
                    .where(
                        JOBS.c.id == job.id,
                        JOBS.c.status == job.status,
                        JOBS.c.updated_at == job.updated_at,
                    )
                    .values(
                        status="running",
                        worker=worker,
                        claimed_at=now,
                        updated_at=now,
                        attempts=job.attempts + 1,
                        progress=0.0,
                    )
                )
                if won.rowcount == 1:
                    out = _row(job)
                    out.update(status="running", worker=worker, attempts=job.attempts + 1)
                    return out
        return None

    def progress(self, job_id: int, fraction: float, now: float) -> None:
        """Report progress; also renews the worker's lease."""
        with self._engine.begin() as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id, JOBS.c.status == "running")
                .values(progress=fraction, claimed_at=now, updated_at=now)
            )

    def fail(self, job_id: int, error: str, now: float, retry_in: float = 60.0) -> None:
        with self._engine.begin() as conn:
            job = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).first()
            if job is None:
                return
            final = job.attempts >= MAX_ATTEMPTS
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id)
                .values(
                    status="failed" if final else "queued",
                    error=error[:2000],
                    updated_at=now,
                    not_before=now + retry_in,
                    worker=None,
                )
            )

    def finish(self, job_id: int, result: dict[str, Any], findings: list[dict], now: float):
        """Store a contact's result and findings and close its job, in one transaction.

        A re-analysis replaces the findings no one has reviewed; reviewed ones are kept.
        """
        cid = result["contact_id"]
        with self._engine.begin() as conn:
            conn.execute(
                delete(FINDINGS).where(FINDINGS.c.contact_id == cid, FINDINGS.c.status == "open")
            )
            old = conn.execute(select(RESULTS.c.manual).where(RESULTS.c.contact_id == cid))
            manual = old.scalar()
            conn.execute(delete(RESULTS).where(RESULTS.c.contact_id == cid))
            conn.execute(insert(RESULTS).values(**{**result, "manual": manual or {}}))
            if findings:
                conn.execute(
                    insert(FINDINGS),
                    [
                        {**f, "contact_id": cid, "status": "open", "created_at": now}
                        for f in findings
                    ],
                )
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id)
                .values(status="done", progress=1.0, updated_at=now, error=None)
            )

    def job(self, contact_id: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(JOBS).where(JOBS.c.contact_id == contact_id)).first()
        return _row(r) or None

    def queue_status(self) -> dict[str, Any]:
        with self._engine.connect() as conn:
            counts = dict(
                conn.execute(select(JOBS.c.status, func.count()).group_by(JOBS.c.status)).all()
            )
            running = conn.execute(
                select(JOBS.c.contact_id, JOBS.c.worker, JOBS.c.progress, JOBS.c.claimed_at)
                .where(JOBS.c.status == "running")
                .order_by(JOBS.c.id)
            ).all()
            failed = conn.execute(
                select(JOBS.c.contact_id, JOBS.c.error).where(JOBS.c.status == "failed").limit(20)
            ).all()
        return {
            "counts": {k: int(counts.get(k, 0)) for k in ("queued", "running", "done", "failed")},
            "running": [_row(r) for r in running],
            "failed": [_row(r) for r in failed],
        }

    # -- chats ----------------------------------------------------------------------------
    def ended_chats(self, since: float, limit: int = 500) -> list[dict[str, Any]]:
        """Chat sessions that ended after `since` and reached a contact, oldest first."""
        stmt = (
            select(SESSIONS.c.id, SESSIONS.c.contact_id, SESSIONS.c.ended_at)
            .where(SESSIONS.c.ended_at > since, SESSIONS.c.contact_id.is_not(None))
            .order_by(SESSIONS.c.ended_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt)]

    # -- results and reviews --------------------------------------------------------------
    def result(self, contact_id: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(RESULTS).where(RESULTS.c.contact_id == contact_id)).first()
        return _row(r) or None

    def results(
        self,
        *,
        agent_id: str | None = None,
        queue: str | None = None,
        start: float | None = None,
        end: float | None = None,
        max_score: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Results, flagged first, then lowest score, then newest."""
        stmt = select(RESULTS).where(*_filters(agent_id, queue, start, end, max_score))
        stmt = stmt.order_by(
            RESULTS.c.flagged.desc(), RESULTS.c.score.asc(), RESULTS.c.contact_at.desc()
        ).limit(limit)
        with self._engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt)]

    def findings(self, contact_id: str) -> list[dict[str, Any]]:
        stmt = select(FINDINGS).where(FINDINGS.c.contact_id == contact_id)
        with self._engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt.order_by(FINDINGS.c.at_s, FINDINGS.c.id))]

    def finding(self, finding_id: int) -> dict[str, Any]:
        with self._engine.connect() as conn:
            r = conn.execute(select(FINDINGS).where(FINDINGS.c.id == finding_id)).first()
        if r is None:
            raise NotFoundError(f"finding {finding_id} not found")
        return _row(r)

    def update_finding(self, finding_id: int, expect: str, **values: Any) -> dict[str, Any]:
        """Change a finding only if its status is still `expect` (no lost concurrent review)."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(FINDINGS)
                .where(FINDINGS.c.id == finding_id, FINDINGS.c.status == expect)
                .values(**values)
            )
            if done.rowcount != 1:
                raise NotFoundError(f"finding {finding_id} is no longer {expect}")
            return _row(conn.execute(select(FINDINGS).where(FINDINGS.c.id == finding_id)).first())

    def set_score(
        self,
        contact_id: str,
        score: float | None,
        flagged: bool,
        detail: dict,
        manual: dict | None = None,
    ) -> None:
        values: dict[str, Any] = {"score": score, "flagged": flagged, "detail": detail}
        if manual is not None:
            values["manual"] = manual
        with self._engine.begin() as conn:
            conn.execute(update(RESULTS).where(RESULTS.c.contact_id == contact_id).values(**values))


def _filters(agent_id, queue, start, end, max_score) -> list[Any]:
    c = RESULTS.c
    out = []
    if agent_id is not None:
        out.append(c.agent_id == agent_id)
    if queue is not None:
        out.append(c.queue == queue)
    if start is not None:
        out.append(c.contact_at >= start)
    if end is not None:
        out.append(c.contact_at < end)
    if max_score is not None:
        out.append(c.score <= max_score)
    return out


def now() -> float:
    return time.time()
