"""Replay a recorded event log (JSON lines) through a pure core: router, IVR, queue wait.

A router line is `{"at": t, "event": "<class name>", ...fields}` or `{"at": t, "tick": true}` (the
clock reached `t`: deadlines fire). The log is what the runtime stores as inputs, so a day
recorded in production replays to the same decisions here, without a database or a socket.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hotline import ivr
from hotline.domain.records import EventRecord
from hotline.ivr import IvrSession
from hotline.ivr.waiting import WaitingSession
from hotline.routing import Router
from hotline.routing import events as ev

HERE = Path(__file__).parent


def read_log(name: str) -> list[dict[str, Any]]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def replay_router(router: Router, log: list[dict[str, Any]]) -> list[EventRecord]:
    out: list[EventRecord] = []
    for entry in log:
        fields = dict(entry)
        at = fields.pop("at")
        if fields.pop("tick", False):
            out += router.tick(at)
            continue
        event = getattr(ev, fields.pop("event"))(**fields)
        out += router.handle(event, at)
    return out


def facts(records: list[EventRecord]) -> list[tuple]:
    """Each fact as (at, kind, contact, agent, data): the whole output, compared with `==`."""
    return [(r.at, r.kind, r.contact_id, r.agent_id, r.data) for r in records]


def replay_ivr(session: IvrSession, log: list[dict[str, Any]], now: float) -> list[Any]:
    """Start the call at `now`, then feed each recorded input (`{"event": name, ...}`)."""
    out = list(session.start(now))
    for entry in log:
        fields = dict(entry)
        out += session.handle(getattr(ivr, fields.pop("event"))(**fields), now)
    return out


def replay_waiting(session: WaitingSession, log: list[dict[str, Any]]) -> list[Any]:
    """A queued caller's recorded inputs (`{"at": t, "start": true, "ewt_s": x}` first)."""
    out: list[Any] = []
    for entry in log:
        fields = dict(entry)
        at = fields.pop("at")
        if fields.pop("start", False):
            out += session.start(at, fields.get("ewt_s"))
            continue
        out += session.handle(getattr(ivr, fields.pop("event"))(**fields), at)
    return out
